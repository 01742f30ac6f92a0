"""Customs decisions: messages stored idempotently and folded in occurred_at order, decisions
recorded by staff or the simulated authority, and customs numbers."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Mapping
from typing import Any
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.utils import timezone

from tradehub.reference.models import CustomsOffice

from ..choices import (
    CustomsMessageType,
    DeclarationEventType,
    MessageSource,
)
from ..exceptions import MessageConflict
from ..models import (
    CustomsMessage,
    CustomsNumberSeries,
    Declaration,
)
from ..states import (
    CUSTOMS_DECIDED,
    RANK,
    Action,
    Message,
    TransitionNotAllowed,
    assert_transition,
    fold_customs_messages,
)
from .common import STATUS_EVENTS, S, _announce, _enqueue_apply, _lock, record_event
from .transit import apply_transit_facts

# --- customs messages ---------------------------------------------------------------------------


def _same_message(message: CustomsMessage, data: Mapping[str, Any]) -> bool:
    return all(getattr(message, name) == value for name, value in data.items())


def _jsonable(data: Mapping[str, Any]) -> dict[str, Any]:
    return {
        key: value.isoformat() if isinstance(value, dt.datetime) else value
        for key, value in data.items()
    }


@transaction.atomic
def receive_customs_message(
    declaration: Declaration,
    *,
    message_id: str,
    type: str,
    occurred_at: dt.datetime,
    number: str | None = "",
    channel: str | None = "",
    errors: Iterable[Mapping[str, Any]] | None = (),
    accepted: bool | None = None,
    delivery_deadline: dt.datetime | None = None,
    storage_place: str | None = "",
    source: str = MessageSource.GATEWAY,
    actor: str = "customs",
) -> tuple[CustomsMessage, bool]:
    """Store a customs message once (idempotent on message_id) and have it applied after commit.

    Returns the message and whether it was new. The same message_id with different content, or
    for another declaration, is a MessageConflict.
    """
    declaration = _lock(declaration)
    values: dict[str, Any] = {
        "type": type,
        "occurred_at": occurred_at,
        "number": number or "",
        "channel": channel or "",
        "errors": [dict(e) for e in errors or []],
        "accepted": accepted,
        "delivery_deadline": delivery_deadline,
        "storage_place": storage_place or "",
    }
    existing = CustomsMessage.objects.filter(message_id=message_id).first()
    if existing is not None:
        if existing.declaration_id != declaration.pk:
            raise MessageConflict(f"message_id {message_id!r} belongs to another declaration.")
        if not _same_message(existing, values):
            raise MessageConflict(
                f"message_id {message_id!r} was already received with different content."
            )
        return existing, False
    if declaration.status == S.DRAFT or declaration.submitted_at is None:
        # Never lodged (a draft, or a draft cancelled by its declarant): customs knows nothing.
        raise TransitionNotAllowed(declaration.status, "receive customs messages for")
    number = values["number"]
    if number and Declaration.objects.filter(number=number).exclude(pk=declaration.pk).exists():
        raise MessageConflict(f"Customs number {number!r} belongs to another declaration.")
    try:
        with transaction.atomic():
            message = CustomsMessage.objects.create(
                declaration=declaration,
                declaration_version=declaration.version,
                message_id=message_id,
                source=source,
                actor=actor,
                payload=_jsonable({"message_id": message_id, **values}),
                **values,
            )
    except IntegrityError:
        # The same message_id arrived for another declaration at the same moment.
        raise MessageConflict(f"message_id {message_id!r} was already received.") from None
    record_event(
        declaration,
        DeclarationEventType.CUSTOMS_MESSAGE_RECEIVED,
        actor,
        message_id=message_id,
        message_type=message.type,
        occurred_at=message.occurred_at.isoformat(),
        source=source,
    )
    _enqueue_apply(declaration.pk)
    return message, True


def _as_fold_message(message: CustomsMessage) -> Message:
    return Message(
        message_id=message.message_id,
        type=message.type,
        occurred_at=message.occurred_at,
        number=message.number,
        channel=message.channel,
        errors=tuple(message.errors or ()),
        accepted=message.accepted,
        delivery_deadline=message.delivery_deadline,
    )


@transaction.atomic
def apply_customs_messages(
    declaration: Declaration | int, *, actor: str = "customs"
) -> Declaration:
    """Apply pending customs messages under a row lock.

    The customs part of the status is re-folded from *all* messages of the current version in
    occurred_at order, so a message that arrives late but happened earlier gives the same final
    state as in-order delivery (a status may then be corrected; the event says so).
    """
    declaration = _lock(declaration)
    pending = list(declaration.customs_messages.filter(applied=False).order_by("occurred_at", "id"))
    if not pending:
        return declaration
    now = timezone.now()
    stale = [m for m in pending if m.declaration_version != declaration.version]
    current = [m for m in pending if m.declaration_version == declaration.version]
    for message in stale:
        record_event(
            declaration,
            DeclarationEventType.CUSTOMS_MESSAGE_APPLIED,
            actor,
            message_id=message.message_id,
            message_type=message.type,
            effective=False,
            reason=f"for superseded version {message.declaration_version}",
        )
    CustomsMessage.objects.filter(pk__in=[m.pk for m in pending]).update(
        applied=True, applied_at=now
    )
    if not current:
        return declaration

    messages = declaration.customs_messages.filter(declaration_version=declaration.version)
    result = fold_customs_messages(_as_fold_message(m) for m in messages)
    state = result.state
    pending_ids = {m.message_id for m in current}
    for step in result.steps:
        if step.message_id in pending_ids:
            record_event(
                declaration,
                DeclarationEventType.CUSTOMS_MESSAGE_APPLIED,
                actor,
                message_id=step.message_id,
                effective=step.effective,
                before=step.before,
                after=step.after,
                reason=step.reason,
            )
    refused = [
        m
        for m in current
        if m.type == CustomsMessageType.CANCELLATION_DECISION and m.accepted is False
    ]
    if refused and declaration.cancellation_requested_at and declaration.status != S.CANCELLED:
        declaration.cancellation_requested_at = None
        record_event(
            declaration,
            DeclarationEventType.CANCELLATION_REFUSED,
            actor,
            message_id=refused[-1].message_id,
        )

    old = declaration.status
    if state.number:
        # The fold decides (first number in occurred_at order), so arrival order cannot matter;
        # a number from an earlier version stays when this version's messages carry none.
        declaration.number = state.number
    storage_place = next(
        (m.storage_place for m in messages.order_by("occurred_at", "id") if m.storage_place), ""
    )
    apply_transit_facts(declaration, state, storage_place, actor)
    if old not in CUSTOMS_DECIDED:
        # Distributed goods (or a draft) are past customs: a late message cannot undo that.
        declaration.save()
        return declaration

    new = state.status
    declaration.status = new
    declaration.channel = state.channel or None
    refusal = new in (S.REJECTED, S.REGISTRATION_REFUSED)
    declaration.rejection_errors = list(state.errors) if refusal else []
    declaration.accepted_at = state.accepted_at
    declaration.released_at = state.released_at
    declaration.decided_at = state.decided_at
    declaration.save()
    if new != old:
        forward = RANK[new] > RANK[old]
        event_type = STATUS_EVENTS[new] if forward else DeclarationEventType.STATUS_CORRECTED
        payload: dict[str, Any] = {"from": old, "status": new, "version": declaration.version}
        if declaration.number:
            payload["number"] = declaration.number
        if declaration.channel:
            payload["channel"] = declaration.channel
        if refusal:
            payload["errors"] = declaration.rejection_errors
        event = record_event(declaration, event_type, actor, **payload)
        _announce(declaration, old, new, event)
    return declaration


def record_customs_decision(
    declaration: Declaration,
    *,
    type: str,
    actor: str,
    channel: str = "",
    number: str = "",
    errors: Iterable[Mapping[str, Any]] = (),
    accepted: bool | None = None,
    source: str = MessageSource.STAFF,
    occurred_at: dt.datetime | None = None,
    delivery_deadline: dt.datetime | None = None,
    storage_place: str = "",
) -> Declaration:
    """Record a decision taken outside a gateway integration (staff in the admin, the simulated
    authority) as a customs message, and apply it now."""
    with transaction.atomic():
        locked = _lock(declaration)
        if type == CustomsMessageType.ACCEPTED and not number:
            number = locked.number or allocate_customs_number(locked.office, occurred_at)
        receive_customs_message(
            locked,
            message_id=f"{source.upper()}-{uuid.uuid4().hex}",
            type=type,
            occurred_at=occurred_at or timezone.now(),
            number=number,
            channel=channel,
            errors=list(errors),
            accepted=accepted,
            delivery_deadline=delivery_deadline,
            storage_place=storage_place,
            source=source,
            actor=actor,
        )
        return apply_customs_messages(locked, actor=actor)


def record_inspection_result(
    declaration: Declaration, *, passed: bool, actor: str, note: str = ""
) -> Declaration:
    """Staff record the result of a physical inspection: passed releases, failed rejects."""
    with transaction.atomic():
        locked = _lock(declaration)
        assert_transition(locked.status, Action.RELEASE if passed else Action.REJECT)
        record_event(
            locked, DeclarationEventType.INSPECTION_RECORDED, actor, passed=passed, note=note
        )
        errors = (
            []
            if passed
            else [
                {
                    "pointer": "/goods_items",
                    "code": "inspection_failed",
                    "detail": note or "The physical inspection found a discrepancy.",
                }
            ]
        )
        return record_customs_decision(
            locked,
            type=CustomsMessageType.RELEASED if passed else CustomsMessageType.REJECTED,
            actor=actor,
            errors=errors,
        )


def office_zone(office: CustomsOffice) -> ZoneInfo:
    """The time zone the office works in (its location's), UTC when unknown."""
    try:
        return ZoneInfo(office.location.timezone)
    except Exception:
        return ZoneInfo("UTC")


def allocate_customs_number(office: CustomsOffice, on: dt.datetime | None = None) -> str:
    """The next EAEU-style number `office/DDMMYY/serial`.

    The serial counts per office and calendar year, restarting at 0000001 on 1 January in the
    office's own time zone: a number given at 00:30 on 1 January in Almaty opens the new year's
    series although it is still 31 December in UTC. The year's row is locked, so two concurrent
    acceptances never share a serial.
    """
    local = timezone.localtime(on or timezone.now(), office_zone(office))
    with transaction.atomic():
        CustomsNumberSeries.objects.get_or_create(office_code=office.code, year=local.year)
        series = CustomsNumberSeries.objects.select_for_update().get(
            office_code=office.code, year=local.year
        )
        series.last_serial += 1
        series.save(update_fields=["last_serial"])
    return f"{office.code}/{local:%d%m%y}/{series.last_serial:07d}"
