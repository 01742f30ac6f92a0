"""The outbox: messages written in the caller's transaction (one row per email or webhook, once
per dedup key) and their delivery queued after it commits."""

import uuid
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone

from tradehub.partners.models import Partner
from tradehub.times import iso_time

from .. import selectors
from ..choices import DeliveryChannel, DeliveryMessageStatus, WebhookEvent
from ..models import OutboundMessage


class OutsideTransactionError(RuntimeError):
    """An enqueue_* service was called outside the caller's transaction."""


def require_transaction() -> None:
    if not transaction.get_connection().in_atomic_block:
        raise OutsideTransactionError(
            "Outbox writes must happen inside the caller's transaction (transaction.atomic), "
            "so the cause and its messages commit together."
        )


def schedule_delivery(message_ids: Iterable[int], countdown: float | None = None) -> None:
    """Queue delivery after the surrounding transaction commits (CommitAwareTask defers it)."""
    from ..tasks import deliver_message_task

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
            dedup_key__in=[r.dedup_key for r in rows], status=DeliveryMessageStatus.PENDING
        ).order_by("id")
    )
    schedule_delivery(m.pk for m in messages)
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
    require_transaction()
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
    require_transaction()
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
