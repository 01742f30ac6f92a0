"""Writes of the notifications app: enqueue into the outbox, deliver with a claim protocol,
retry, digests, alert subscriptions and webhook subscriptions.

Delivery protocol (see docs/notifications.md):
1. claim: in a short transaction, lock the row with SKIP LOCKED, check it is due, set it to
   `sending` with a fresh claim token and a lease, add a DeliveryAttempt row; commit.
2. send: in a second transaction that holds the row lock (PostgreSQL), re-check the claim token,
   send, and record the outcome in the same transaction, then commit. If the worker dies while
   sending, PostgreSQL rolls back and releases the lock; the row stays `sending` until its lease
   ends, then any worker may claim it again.
The only window in which a message can be sent twice is between the receiver accepting it and
that final COMMIT (milliseconds); a stable Message-ID / webhook-id lets receivers drop the copy.
"""

import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Min, Q, QuerySet
from django.utils import timezone

from tradehub.partners.models import Partner
from tradehub.times import iso_time

from . import selectors, transport
from .choices import DeliveryChannel, EmailKind, MessageStatus, Severity, WebhookEvent
from .emails import AlertView, render_alert_email, render_digest_email
from .models import (
    AlertSubscription,
    DeliveryAttempt,
    DigestItem,
    OutboundMessage,
    WebhookSubscription,
)
from .signing import new_webhook_secret

logger = logging.getLogger(__name__)

IMMEDIATE_SEVERITIES = {Severity.HIGH}
DIGEST_BATCH = 200


class OutsideTransactionError(RuntimeError):
    """An enqueue_* service was called outside the caller's transaction."""


def _require_transaction() -> None:
    if not transaction.get_connection().in_atomic_block:
        raise OutsideTransactionError(
            "Outbox writes must happen inside the caller's transaction (transaction.atomic), "
            "so the cause and its messages commit together."
        )


def _schedule_delivery(message_ids: Iterable[int], countdown: float | None = None) -> None:
    """Queue delivery after the surrounding transaction commits (CommitAwareTask defers it)."""
    from .tasks import deliver_message_task

    for message_id in message_ids:
        if countdown:
            deliver_message_task.apply_async((message_id,), countdown=countdown)
        else:
            deliver_message_task.delay(message_id)


def _insert_messages(rows: list[OutboundMessage]) -> list[OutboundMessage]:
    """INSERT ... ON CONFLICT (dedup_key) DO NOTHING; return the pending rows for those keys."""
    if not rows:
        return []
    OutboundMessage.objects.bulk_create(rows, ignore_conflicts=True)
    messages = list(
        OutboundMessage.objects.filter(
            dedup_key__in=[r.dedup_key for r in rows], status=MessageStatus.PENDING
        ).order_by("id")
    )
    _schedule_delivery(m.pk for m in messages)
    return messages


# --- enqueue ----------------------------------------------------------------------------------


def enqueue_email(
    *,
    recipient: str,
    rendered: dict[str, str],
    dedup_key: str,
    event_type: str,
    partner: Partner | None = None,
) -> OutboundMessage | None:
    """Put one rendered email in the outbox (once per dedup key); call inside a transaction."""
    _require_transaction()
    messages = _insert_messages(
        [
            OutboundMessage(
                channel=DeliveryChannel.EMAIL,
                event_type=event_type,
                partner=partner,
                recipient_email=recipient,
                subject=rendered["subject"],
                payload={"text": rendered["text"], "html": rendered["html"]},
                dedup_key=dedup_key[:300],
            )
        ]
    )
    return messages[0] if messages else None


def publish_event(
    event_type: str,
    partner: Partner,
    payload: dict[str, Any],
    *,
    source_key: str | None = None,
) -> list[OutboundMessage]:
    """One webhook message per active subscription of `partner` to `event_type`.

    Call it inside the transaction that changes the state it reports. `source_key` identifies
    the event (e.g. `declaration:DEC-..:event:42`); republishing the same key adds nothing.
    """
    _require_transaction()
    if event_type not in WebhookEvent.values:
        raise ValueError(f"Unknown webhook event type {event_type!r}.")
    key = source_key or f"event:{uuid.uuid4().hex}"
    now = timezone.now()
    rows = [
        OutboundMessage(
            channel=DeliveryChannel.WEBHOOK,
            event_type=event_type,
            partner=partner,
            webhook=sub,
            payload={"type": event_type, "timestamp": iso_time(now), "data": payload},
            dedup_key=f"{key}:{sub.reference}"[:300],
        )
        for sub in selectors.webhooks_for_event(partner, event_type)
    ]
    return _insert_messages(rows)


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
    _require_transaction()
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
            # SKIP LOCKED: two digest runs at once split the entries and never send one twice.
            items = list(
                DigestItem.objects.select_for_update(skip_locked=True)
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


# --- delivery ---------------------------------------------------------------------------------


def backoff_seconds(attempts: int) -> int:
    """Delay before attempt `attempts + 1`: base * 2**(attempts-1), capped."""
    base = settings.OUTBOX_RETRY_BASE_SECONDS
    return int(min(base * 2 ** max(attempts - 1, 0), settings.OUTBOX_RETRY_MAX_SECONDS))


@dataclass
class _Claim:
    message: OutboundMessage
    attempt: DeliveryAttempt
    token: uuid.UUID


def _claim(message_id: int, now: datetime) -> tuple[_Claim | None, str]:
    """Take the message for one attempt, or say why not."""
    with transaction.atomic():
        message = (
            OutboundMessage.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("webhook")
            .filter(pk=message_id)
            .first()
        )
        if message is None:
            return None, "missing or locked by another worker"
        if message.status in (MessageStatus.DELIVERED, MessageStatus.FAILED):
            return None, f"already {message.status}"
        if message.status == MessageStatus.SENDING:
            if message.lease_expires_at and message.lease_expires_at > now:
                return None, "claimed by another worker"
            # The previous claimer died (its lease ran out): close its attempt as unknown.
            DeliveryAttempt.objects.filter(message=message, finished_at__isnull=True).update(
                finished_at=now, error="Worker lost during the attempt (lease expired)."
            )
        elif message.next_attempt_at > now:
            return None, "not due yet"
        if message.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
            _mark_failed(message, "Worker lost during the last attempt.", now)
            return None, "failed"
        token = uuid.uuid4()
        message.status = MessageStatus.SENDING
        message.claim_token = token
        message.attempts += 1
        message.lease_expires_at = now + timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)
        message.save(
            update_fields=["status", "claim_token", "attempts", "lease_expires_at", "updated_at"]
        )
        attempt = DeliveryAttempt.objects.create(
            message=message, number=message.attempts, started_at=now
        )
    return _Claim(message, attempt, token), "claimed"


def _mark_failed(message: OutboundMessage, error: str, now: datetime) -> None:
    message.status = MessageStatus.FAILED
    message.last_error = error
    message.claim_token = None
    message.lease_expires_at = None
    message.save(
        update_fields=["status", "last_error", "claim_token", "lease_expires_at", "updated_at"]
    )
    logger.warning("Outbox message %s failed: %s", message.reference, error)


def _record(claim: _Claim, result: transport.SendResult) -> float | None:
    """Store the outcome on the (locked) message and its attempt; return a retry delay if any."""
    now = timezone.now()
    message, attempt = claim.message, claim.attempt
    attempt.finished_at = now
    attempt.succeeded = result.ok
    attempt.status_code = result.status_code
    attempt.error = result.error[:2000]
    attempt.duration_ms = result.duration_ms
    attempt.save(update_fields=["finished_at", "succeeded", "status_code", "error", "duration_ms"])
    if result.ok:
        message.status = MessageStatus.DELIVERED
        message.delivered_at = now
        message.last_error = ""
        message.claim_token = None
        message.lease_expires_at = None
        message.save(
            update_fields=[
                "status",
                "delivered_at",
                "last_error",
                "claim_token",
                "lease_expires_at",
                "updated_at",
            ]
        )
        return None
    if result.permanent or message.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
        _mark_failed(message, result.error[:2000], now)
        return None
    delay = backoff_seconds(message.attempts)
    message.status = MessageStatus.PENDING
    message.next_attempt_at = now + timedelta(seconds=delay)
    message.last_error = result.error[:2000]
    message.claim_token = None
    message.lease_expires_at = None
    message.save(
        update_fields=[
            "status",
            "next_attempt_at",
            "last_error",
            "claim_token",
            "lease_expires_at",
            "updated_at",
        ]
    )
    return delay


def deliver_message(message_id: int) -> str:
    """Deliver one outbox message at most once per claim; idempotent (safe to call repeatedly).

    Returns a short outcome for logs: delivered, retry in Ns, failed, or why it was skipped.
    """
    claim, why = _claim(message_id, timezone.now())
    if claim is None:
        return f"skipped: {why}"
    if connection.features.has_select_for_update:
        with transaction.atomic():
            # Hold the row lock while sending: a worker killed here rolls back and releases it,
            # and nobody else can take the message over while this one is still talking.
            still_ours = (
                OutboundMessage.objects.select_for_update()
                .filter(pk=message_id, claim_token=claim.token, status=MessageStatus.SENDING)
                .exists()
            )
            if not still_ours:
                return "skipped: claim taken over"
            result = transport.send(claim.message)
            delay = _record(claim, result)
    else:
        # SQLite (dev): no row locks; the claim token alone guards the outcome.
        result = transport.send(claim.message)
        with transaction.atomic():
            if not OutboundMessage.objects.filter(
                pk=message_id, claim_token=claim.token, status=MessageStatus.SENDING
            ).exists():
                return "sent, but the claim had been taken over"
            delay = _record(claim, result)
    if result.ok:
        return "delivered"
    if delay is None:
        return "failed"
    _schedule_delivery([message_id], countdown=delay)
    return f"retry in {delay}s"


def due_message_ids(now: datetime | None = None, limit: int | None = None) -> list[int]:
    """Messages whose delivery task may have been lost: pending and due for longer than a lease,
    or `sending` with an expired lease (claimed by a dead worker). Bounded, index-backed."""
    now = now or timezone.now()
    limit = limit or settings.OUTBOX_DISPATCH_BATCH
    grace = timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)
    pending = list(
        OutboundMessage.objects.filter(
            status=MessageStatus.PENDING, next_attempt_at__lte=now - grace
        )
        .order_by("next_attempt_at")
        .values_list("id", flat=True)[:limit]
    )
    stuck = list(
        OutboundMessage.objects.filter(status=MessageStatus.SENDING, lease_expires_at__lte=now)
        .order_by("lease_expires_at")
        .values_list("id", flat=True)[: max(limit - len(pending), 0)]
    )
    return pending + stuck


def dispatch_due_messages(now: datetime | None = None) -> int:
    """Re-enqueue due and stuck messages (beat), so a lost task or broker restart loses nothing."""
    ids = due_message_ids(now)
    _schedule_delivery(ids)
    return len(ids)


def retry_messages(messages: QuerySet[OutboundMessage]) -> int:
    """Staff retry: failed (or pending) messages become due now with a fresh attempt budget."""
    now = timezone.now()
    with transaction.atomic():
        ids = list(
            messages.select_for_update()
            .filter(Q(status=MessageStatus.FAILED) | Q(status=MessageStatus.PENDING))
            .values_list("id", flat=True)
        )
        OutboundMessage.objects.filter(pk__in=ids).update(
            status=MessageStatus.PENDING, attempts=0, next_attempt_at=now, updated_at=now
        )
        _schedule_delivery(ids)
    return len(ids)


# --- subscriptions ----------------------------------------------------------------------------


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
        raise ValueError(
            f"language: {language!r} is not one of {', '.join(dict(settings.LANGUAGES))}"
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
        webhook=subscription, status__in=[MessageStatus.PENDING, MessageStatus.SENDING]
    ).update(
        status=MessageStatus.FAILED, last_error="Webhook subscription deleted.", updated_at=now
    )
    subscription.delete()
