"""Who gets what: alert email subscriptions and partners' webhook subscriptions."""

from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from tradehub.errors import Invalid
from tradehub.partners.models import Partner

from ..choices import DeliveryMessageStatus, Severity
from ..models import AlertSubscription, OutboundMessage, WebhookSubscription
from ..signing import new_webhook_secret


def subscribe_alert_email(
    email: str,
    *,
    partner: Partner | None = None,
    user: Any = None,
    kinds: list[str] | None = None,
    min_severity: str = Severity.LOW,
    destination_countries: list[str] | None = None,
    language: str | None = None,
) -> AlertSubscription:
    """Subscribe an address to alert emails (of one partner, or of all partners for staff),
    written in `language` (one of LANGUAGES; default LANGUAGE_CODE)."""
    language = language or settings.LANGUAGE_CODE
    if language not in dict(settings.LANGUAGES):
        detail = f"{language!r} is not one of {', '.join(dict(settings.LANGUAGES))}"
        raise Invalid(
            [{"pointer": "/language", "code": "invalid_choice", "detail": detail}],
            f"language: {detail}",
        )
    subscription, _ = AlertSubscription.objects.update_or_create(
        email=email.strip().lower(),
        partner=partner,
        defaults={
            "user": user,
            "kinds": kinds or [],
            "min_severity": min_severity,
            "destination_countries": destination_countries or [],
            "language": language,
            "is_active": True,
        },
    )
    return subscription


@transaction.atomic
def create_webhook_subscription(
    partner: Partner, url: str, events: list[str], *, is_active: bool = True
) -> WebhookSubscription:
    """Register a webhook URL (already vetted by the caller) with a fresh signing secret."""
    return WebhookSubscription.objects.create(
        partner=partner,
        url=url,
        events=list(dict.fromkeys(events)),
        is_active=is_active,
        secret=new_webhook_secret(),
    )


@transaction.atomic
def update_webhook_subscription(
    subscription: WebhookSubscription, **changes: Any
) -> WebhookSubscription:
    """Change url, events or active flag of a webhook subscription."""
    if "events" in changes:
        changes["events"] = list(dict.fromkeys(changes["events"]))
    for field, value in changes.items():
        setattr(subscription, field, value)
    subscription.save()
    return subscription


@transaction.atomic
def delete_webhook_subscription(subscription: WebhookSubscription) -> None:
    """Delete a subscription; its undelivered messages are marked failed (nowhere to send)."""
    now = timezone.now()
    OutboundMessage.objects.filter(
        webhook=subscription,
        status__in=[DeliveryMessageStatus.PENDING, DeliveryMessageStatus.SENDING],
    ).update(
        status=DeliveryMessageStatus.FAILED,
        last_error="Webhook subscription deleted.",
        updated_at=now,
    )
    subscription.delete()
