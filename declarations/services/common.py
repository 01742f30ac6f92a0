"""Shared pieces of the declaration services: locking, events, announcements, queueing."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tradehub.notifications.choices import WebhookEvent
from tradehub.notifications.services import publish_event
from tradehub.times import iso_time

from .. import hooks
from ..choices import (
    DeclarationEventType,
    DeclarationStatus,
)
from ..models import (
    Declaration,
    DeclarationEvent,
)

S = DeclarationStatus


STATUS_EVENTS: Mapping[str, str] = {
    S.SUBMITTED: DeclarationEventType.SUBMITTED,
    S.ACCEPTED: DeclarationEventType.ACCEPTED,
    S.UNDER_CONTROL: DeclarationEventType.UNDER_CONTROL,
    S.REGISTRATION_REFUSED: DeclarationEventType.REGISTRATION_REFUSED,
    S.RELEASED: DeclarationEventType.RELEASED,
    S.REJECTED: DeclarationEventType.REJECTED,
    S.CANCELLED: DeclarationEventType.CANCELLED,
    S.PARTIALLY_DISTRIBUTED: DeclarationEventType.PARTIALLY_DISTRIBUTED,
    S.DISTRIBUTED: DeclarationEventType.DISTRIBUTED,
}


# --- helpers ------------------------------------------------------------------------------------


def record_event(
    declaration: Declaration, event_type: str, actor: str, **payload: Any
) -> DeclarationEvent:
    """Append one entry to the declaration's history."""
    return DeclarationEvent.objects.create(
        declaration=declaration, type=event_type, actor=actor or "system", payload=payload
    )


def _lock(declaration: Declaration | int) -> Declaration:
    """Re-read the declaration under a row lock (callers are inside transaction.atomic)."""
    pk = declaration if isinstance(declaration, int) else declaration.pk
    # of=("self",): lock only the declaration row, not the joined office and partner rows, which
    # every declaration of the same office shares (locking them deadlocked concurrent tasks).
    return (
        Declaration.objects.select_for_update(of=("self",))
        .select_related("office", "partner")
        .get(pk=pk)
    )


def _announce(declaration: Declaration, old: str, new: str, event: DeclarationEvent) -> None:
    """Publish a status change: the partner's `declaration.status_changed` webhooks go into the
    outbox and `hooks.status_recorded` listeners run, both in this same transaction."""
    if old == new:
        return
    publish_event(
        WebhookEvent.DECLARATION_STATUS_CHANGED,
        declaration.partner,
        {
            "reference": declaration.reference,
            "lrn": declaration.lrn,
            "status": new,
            "previous_status": old,
            "version": declaration.version,
            "number": declaration.number or None,
            "channel": declaration.channel or None,
            "occurred_at": iso_time(event.occurred_at),
        },
        source_key=f"declaration:{declaration.reference}:event:{event.pk}",
    )
    hooks.status_recorded.send(
        sender=Declaration, declaration=declaration, old_status=old, new_status=new, event=event
    )
    if declaration.parent_id is not None and new in (S.CANCELLED, S.REJECTED):
        # A child that no longer holds its goods gives them back to the parent's stock.
        from .declarations import sync_distribution_status

        sync_distribution_status(declaration.parent_id, actor=event.actor)


def _gateway(declaration: Declaration) -> Any:
    """The customs gateway of the declaration's office (settings.CUSTOMS_GATEWAY_ROUTES)."""
    from ..gateway import get_gateway

    return get_gateway(declaration)


def _enqueue_apply(declaration_id: int) -> None:
    """Apply the declaration's customs messages after commit; if the publish fails the beat
    sweep `apply_pending_customs_messages_task` applies them within a minute."""
    from ..tasks import apply_customs_messages_task

    apply_customs_messages_task.delay(declaration_id)
