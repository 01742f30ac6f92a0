"""Reads of the notifications app: who gets an alert, which webhooks get an event, attempts."""

from typing import Any

from django.db.models import Q, QuerySet

from tradehub.partners.models import Partner

from .choices import severity_rank
from .models import AlertSubscription, DeliveryAttempt, WebhookSubscription


def alert_recipients(
    partner: Partner | None, kind: str, severity: str, destination_country: str | None
) -> list[str]:
    """Distinct email addresses whose active subscriptions match this alert."""
    return list(alert_recipient_languages(partner, kind, severity, destination_country))


def alert_recipient_languages(
    partner: Partner | None, kind: str, severity: str, destination_country: str | None
) -> dict[str, str]:
    """Distinct email addresses whose active subscriptions match this alert, each with the
    language its emails are written in (the first matching subscription's)."""
    subs = AlertSubscription.objects.filter(is_active=True)
    subs = (
        subs.filter(Q(partner__isnull=True) | Q(partner=partner))
        if partner
        else subs.filter(partner__isnull=True)
    )
    emails: dict[str, str] = {}
    # Filters on JSON lists are checked here: subscriptions are few, and this stays portable.
    for sub in subs.order_by("email", "id"):
        if sub.kinds and kind not in sub.kinds:
            continue
        if severity_rank(severity) < severity_rank(sub.min_severity):
            continue
        if sub.destination_countries and destination_country not in sub.destination_countries:
            continue
        emails.setdefault(sub.email.lower(), sub.language)
    return emails


def webhooks_for_event(partner: Partner, event_type: str) -> list[WebhookSubscription]:
    """Active subscriptions of `partner` that asked for `event_type`."""
    subs = WebhookSubscription.objects.filter(partner=partner, is_active=True).order_by("id")
    return [sub for sub in subs if event_type in (sub.events or [])]


def webhook_deliveries(subscription: WebhookSubscription) -> QuerySet[DeliveryAttempt]:
    """Every delivery attempt of one webhook subscription, newest first."""
    return DeliveryAttempt.objects.filter(message__webhook=subscription).select_related("message")


def outbox_counts() -> dict[str, Any]:
    """Messages per status (for operators)."""
    from django.db.models import Count

    from .models import OutboundMessage

    rows = OutboundMessage.objects.order_by().values("status").annotate(n=Count("id"))
    return {row["status"]: row["n"] for row in rows}
