"""Alert notifications: an immediate email per recipient for high severity, digest entries for the
rest (one digest email per recipient every ALERT_DIGEST_MINUTES) and `alert.created` webhooks."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Min
from django.utils import timezone

from tradehub.db import try_transaction_lock
from tradehub.partners.models import Partner

from .. import selectors
from ..choices import EmailKind, Severity, WebhookEvent
from ..emails import AlertView, render_alert_email, render_digest_email
from ..models import DigestItem, OutboundMessage
from .outbox import enqueue_email, publish_event, require_transaction

IMMEDIATE_SEVERITIES = {Severity.HIGH}
DIGEST_BATCH = 200


@dataclass
class AlertNotification:
    """What notify_alert enqueued."""

    emails: list[OutboundMessage]
    digest_items: int
    webhooks: list[OutboundMessage]


def notify_alert(
    view: AlertView, *, partner: Partner | None, source_key: str | None = None
) -> AlertNotification:
    """Enqueue everything a new alert causes: an immediate email per recipient for high
    severity, digest entries for the rest, and `alert.created` webhooks to the partner.

    Call it inside the transaction that inserts the alert. `source_key` (default the alert
    reference) makes it idempotent per recipient.
    """
    require_transaction()
    key = source_key or f"alert:{view['reference']}"
    recipients = selectors.alert_recipient_languages(
        partner, view["kind"], view["severity"], view.get("destination_country")
    )
    emails: list[OutboundMessage] = []
    digest_items = 0
    if view["severity"] in IMMEDIATE_SEVERITIES:
        rendered_in: dict[str, dict[str, str]] = {}
        for email, language in recipients.items():
            if language not in rendered_in:
                rendered_in[language] = render_alert_email(view, language=language)
            message = enqueue_email(
                recipient=email,
                rendered=rendered_in[language],
                dedup_key=f"{key}:{email}",
                event_type=EmailKind.ALERT,
                partner=partner,
            )
            if message:
                emails.append(message)
    elif recipients:
        items = [
            DigestItem(
                recipient_email=email,
                language=language,
                source_key=key[:200],
                alert=dict(view),
                dedup_key=f"{key}:{email}"[:300],
            )
            for email, language in recipients.items()
        ]
        digest_items = len(DigestItem.objects.bulk_create(items, ignore_conflicts=True))
    webhooks: list[OutboundMessage] = []
    if partner is not None:
        # The admin link is for staff mail; partners get the alert's public fields only.
        payload = {k: v for k, v in view.items() if k != "admin_path"}
        webhooks = publish_event(WebhookEvent.ALERT_CREATED, partner, payload, source_key=key)
    return AlertNotification(emails, digest_items, webhooks)


def send_digests(now: datetime | None = None, limit_recipients: int = 500) -> int:
    """One digest email per recipient whose oldest waiting alert has waited a full
    ALERT_DIGEST_MINUTES (so alerts of that window are grouped); returns emails queued."""
    now = now or timezone.now()
    cutoff = now - timedelta(minutes=settings.ALERT_DIGEST_MINUTES)
    emails = list(
        DigestItem.objects.filter(message__isnull=True)
        .order_by()
        .values("recipient_email")
        .annotate(oldest=Min("created_at"))
        .filter(oldest__lte=cutoff)
        .values_list("recipient_email", flat=True)[:limit_recipients]
    )
    queued = 0
    for email in emails:
        with transaction.atomic():
            # One run per recipient at a time: a second run at once skips the recipient rather
            # than sending a second digest of the entries the first did not lock yet.
            if not try_transaction_lock(f"digest:{email}"):
                continue
            items = list(
                DigestItem.objects.select_for_update()
                .filter(message__isnull=True, recipient_email=email, created_at__lte=now)
                .order_by("created_at", "id")[:DIGEST_BATCH]
            )
            if not items:
                continue
            rendered = render_digest_email(
                [item.alert for item in items],  # type: ignore[misc]
                language=items[-1].language,
            )
            message = enqueue_email(
                recipient=email,
                rendered=rendered,
                dedup_key=f"digest:{email}:{items[0].pk}",
                event_type=EmailKind.DIGEST,
            )
            if message is not None:
                DigestItem.objects.filter(pk__in=[i.pk for i in items]).update(message=message)
                queued += 1
    return queued
