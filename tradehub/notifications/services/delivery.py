"""Delivering outbox messages with a claim protocol, retries with backoff, and the dispatcher.

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
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from .. import transport
from ..choices import DeliveryMessageStatus
from ..models import DeliveryAttempt, OutboundMessage
from .outbox import schedule_delivery

logger = logging.getLogger(__name__)


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
        if message.status in (DeliveryMessageStatus.DELIVERED, DeliveryMessageStatus.FAILED):
            return None, f"already {message.status}"
        if message.status == DeliveryMessageStatus.SENDING:
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
        message.status = DeliveryMessageStatus.SENDING
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
    message.status = DeliveryMessageStatus.FAILED
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
        message.status = DeliveryMessageStatus.DELIVERED
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
    message.status = DeliveryMessageStatus.PENDING
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
                .filter(
                    pk=message_id, claim_token=claim.token, status=DeliveryMessageStatus.SENDING
                )
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
                pk=message_id, claim_token=claim.token, status=DeliveryMessageStatus.SENDING
            ).exists():
                return "sent, but the claim had been taken over"
            delay = _record(claim, result)
    if result.ok:
        return "delivered"
    if delay is None:
        return "failed"
    schedule_delivery([message_id], countdown=delay)
    return f"retry in {delay}s"


def due_message_ids(now: datetime | None = None, limit: int | None = None) -> list[int]:
    """Messages whose delivery task may have been lost: pending and due for longer than a lease,
    or `sending` with an expired lease (claimed by a dead worker). Bounded, index-backed."""
    now = now or timezone.now()
    limit = limit or settings.OUTBOX_DISPATCH_BATCH
    grace = timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)
    pending = list(
        OutboundMessage.objects.filter(
            status=DeliveryMessageStatus.PENDING, next_attempt_at__lte=now - grace
        )
        .order_by("next_attempt_at")
        .values_list("id", flat=True)[:limit]
    )
    stuck = list(
        OutboundMessage.objects.filter(
            status=DeliveryMessageStatus.SENDING, lease_expires_at__lte=now
        )
        .order_by("lease_expires_at")
        .values_list("id", flat=True)[: max(limit - len(pending), 0)]
    )
    return pending + stuck


def dispatch_due_messages(now: datetime | None = None) -> int:
    """Re-enqueue due and stuck messages (beat), so a lost task or broker restart loses nothing."""
    ids = due_message_ids(now)
    schedule_delivery(ids)
    return len(ids)


def retry_messages(messages: QuerySet[OutboundMessage]) -> int:
    """Staff retry: failed (or pending) messages become due now with a fresh attempt budget."""
    now = timezone.now()
    with transaction.atomic():
        ids = list(
            messages.select_for_update()
            .filter(
                Q(status=DeliveryMessageStatus.FAILED) | Q(status=DeliveryMessageStatus.PENDING)
            )
            .values_list("id", flat=True)
        )
        OutboundMessage.objects.filter(pk__in=ids).update(
            status=DeliveryMessageStatus.PENDING, attempts=0, next_attempt_at=now, updated_at=now
        )
        schedule_delivery(ids)
    return len(ids)
