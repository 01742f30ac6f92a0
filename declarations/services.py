"""Every write to a declaration: lock -> check transition -> mutate -> validate -> save -> record
event -> enqueue after commit. The only module that writes a declaration's status."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Mapping
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.utils import timezone

from tradehub.notifications.choices import WebhookEvent
from tradehub.notifications.services import publish_event
from tradehub.partners.models import Partner
from tradehub.reference.models import CustomsOffice

from . import hooks
from .choices import (
    CustomsMessageType,
    DeclarationStatus,
    DocumentType,
    EventType,
    MessageSource,
)
from .exceptions import DeclarationInvalid, DuplicateLrn, MessageConflict
from .models import (
    CustomsMessage,
    CustomsNumberSeries,
    Declaration,
    DeclarationEvent,
    DeclarationVersion,
    Document,
    GoodsItem,
)
from .selectors import declaration_snapshot
from .states import (
    CUSTOMS_DECIDED,
    RANK,
    Action,
    Message,
    TransitionNotAllowed,
    assert_transition,
    fold_customs_messages,
)
from .validators import is_fresh_produce, normalize_commodity_code

S = DeclarationStatus

# Top-level fields a partner may write (everything else is server-owned and ignored).
SCALAR_FIELDS = ("lrn", "procedure", "office", "border_crossing", "transport_mode")
JSON_FIELDS = ("containers", "seals", "consignor", "consignee", "declarant")

STATUS_EVENTS: Mapping[str, str] = {
    S.SUBMITTED: EventType.SUBMITTED,
    S.ACCEPTED: EventType.ACCEPTED,
    S.UNDER_CONTROL: EventType.UNDER_CONTROL,
    S.RELEASED: EventType.RELEASED,
    S.REJECTED: EventType.REJECTED,
    S.CANCELLED: EventType.CANCELLED,
    S.PARTIALLY_DISTRIBUTED: EventType.PARTIALLY_DISTRIBUTED,
    S.DISTRIBUTED: EventType.DISTRIBUTED,
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
    return Declaration.objects.select_for_update().select_related("office", "partner").get(pk=pk)


def _announce(declaration: Declaration, old: str, new: str, event: DeclarationEvent) -> None:
    """Publish a status change: the partner's `declaration.status_changed` webhooks go into the
    outbox in this same transaction; in-process listeners hear the signal once it commits."""
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
            "number": declaration.number,
            "channel": declaration.channel,
            "occurred_at": event.occurred_at.isoformat(),
        },
        source_key=f"declaration:{declaration.reference}:event:{event.pk}",
    )
    transaction.on_commit(
        partial(
            hooks.status_changed.send,
            sender=Declaration,
            declaration=declaration,
            old_status=old,
            new_status=new,
            event=event,
        )
    )


def _gateway() -> Any:
    from .gateway import get_gateway

    return get_gateway()


def _enqueue_apply(declaration_id: int) -> None:
    from .queueing import enqueue_after_commit
    from .tasks import apply_customs_messages_task

    enqueue_after_commit(apply_customs_messages_task, declaration_id)


# --- content ------------------------------------------------------------------------------------


def _set_fields(declaration: Declaration, data: Mapping[str, Any]) -> list[str]:
    """Copy partner-writable top-level fields from validated data; returns the names changed."""
    changed: list[str] = []
    for name in (*SCALAR_FIELDS, *JSON_FIELDS):
        if name in data:
            value = data[name]
            if name == "declarant" and value is None:
                value = {}
            if name in ("office", "border_crossing"):
                current: Any = getattr(declaration, f"{name}_id")
                new: Any = value.pk if value is not None else None
            else:
                current, new = getattr(declaration, name), value
            if current != new:
                setattr(declaration, name, value)
                changed.append(name)
    if "transport_document" in data:
        document = data["transport_document"] or {}
        new = (document.get("type", ""), document.get("number", ""))
        if new != (declaration.transport_document_type, declaration.transport_document_number):
            declaration.transport_document_type, declaration.transport_document_number = new
            changed.append("transport_document")
    return changed


def _goods_item_values(data: Mapping[str, Any]) -> dict[str, Any]:
    packages = data["packages"]
    return {
        "description": data["description"],
        "commodity_code": normalize_commodity_code(data["commodity_code"]),
        "origin_country": data["origin_country"],
        "packages_count": packages["count"],
        "packages_kind": packages["kind"],
        "gross_kg": data["gross_kg"],
        "net_kg": data["net_kg"],
        "invoice_value": data["invoice_value"],
        "currency": data["currency"],
    }


def _replace_goods_items(declaration: Declaration, items: list[Mapping[str, Any]]) -> None:
    """Make the goods items exactly `items` (sequence 1..n), updating rows in place by sequence
    so documents keep their links to the items that stay."""
    existing = {item.sequence: item for item in declaration.goods_items.all()}
    for sequence, data in enumerate(items, start=1):
        values = _goods_item_values(data)
        item = existing.pop(sequence, None)
        if item is None:
            GoodsItem.objects.create(declaration=declaration, sequence=sequence, **values)
        elif any(getattr(item, key) != value for key, value in values.items()):
            for key, value in values.items():
                setattr(item, key, value)
            item.save()
    if existing:
        GoodsItem.objects.filter(pk__in=[item.pk for item in existing.values()]).delete()


def _replace_documents(declaration: Declaration, documents: list[Mapping[str, Any]]) -> None:
    """Make the documents exactly `documents`; a document with the same type and number keeps
    its row (and uploaded file)."""
    items_by_sequence = {item.sequence: item for item in declaration.goods_items.all()}
    existing = {(doc.type, doc.number): doc for doc in declaration.documents.all()}
    for data in documents:
        document = existing.pop((data["type"], data["number"]), None) or Document(
            declaration=declaration, type=data["type"], number=data["number"]
        )
        document.issued_by = data.get("issued_by") or ""
        document.issued_on = data.get("issued_on")
        document.valid_until = data.get("valid_until")
        document.save()
        sequences = data.get("goods_items") or []
        missing = [s for s in sequences if s not in items_by_sequence]
        if missing:
            raise DeclarationInvalid(
                [
                    {
                        "pointer": f"/documents/{documents.index(data)}/goods_items",
                        "code": "unknown_goods_item",
                        "detail": f"No goods item with sequence {missing[0]}.",
                    }
                ]
            )
        document.goods_items.set([items_by_sequence[s] for s in sequences])
    if existing:
        Document.objects.filter(pk__in=[doc.pk for doc in existing.values()]).delete()


def submission_errors(declaration: Declaration) -> list[dict[str, str]]:
    """What stops a declaration from going to customs: fresh produce (HS 07/08) needs a
    phytosanitary certificate that covers it (a certificate linked to no item covers all)."""
    items = list(declaration.goods_items.order_by("sequence"))
    certificates = [
        doc
        for doc in declaration.documents.prefetch_related("goods_items")
        if doc.type == DocumentType.PHYTOSANITARY_CERTIFICATE
    ]
    covers_all = any(not doc.goods_items.all() for doc in certificates)
    covered = {item.pk for doc in certificates for item in doc.goods_items.all()}
    errors: list[dict[str, str]] = []
    if not items:
        errors.append(
            {"pointer": "/goods_items", "code": "required", "detail": "At least one goods item."}
        )
    for index, item in enumerate(items):
        if is_fresh_produce(item.commodity_code) and not covers_all and item.pk not in covered:
            errors.append(
                {
                    "pointer": f"/goods_items/{index}",
                    "code": "phytosanitary_certificate_required",
                    "detail": f"Goods item {item.sequence} ({item.description}, "
                    f"{item.commodity_code}) is fresh fruit or vegetables (HS 07/08) and needs a "
                    "phytosanitary certificate covering it.",
                }
            )
    return errors


def _raise_duplicate_lrn(partner: Partner, lrn: str, exclude_pk: int | None = None) -> None:
    others = Declaration.objects.filter(partner=partner, lrn=lrn)
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    existing = others.first()
    if existing is not None:
        raise DuplicateLrn(lrn, existing.reference)


@transaction.atomic
def create_declaration(*, partner: Partner, data: Mapping[str, Any], actor: str) -> Declaration:
    """Create a draft declaration with its goods items and documents, all or nothing."""
    _raise_duplicate_lrn(partner, data["lrn"])
    declaration = Declaration(partner=partner)
    _set_fields(declaration, data)
    try:
        with transaction.atomic():
            declaration.save()
    except IntegrityError:
        # Another request created the same LRN between our check and insert.
        _raise_duplicate_lrn(partner, data["lrn"])
        raise
    _replace_goods_items(declaration, list(data.get("goods_items") or []))
    _replace_documents(declaration, list(data.get("documents") or []))
    record_event(
        declaration, EventType.CREATED, actor, lrn=declaration.lrn, version=declaration.version
    )
    return declaration


def _apply_changes(declaration: Declaration, data: Mapping[str, Any]) -> list[str]:
    """Apply a PATCH-style body: top-level fields, goods items and documents if present."""
    if "lrn" in data and data["lrn"] != declaration.lrn:
        _raise_duplicate_lrn(declaration.partner, data["lrn"], exclude_pk=declaration.pk)
    changed = _set_fields(declaration, data)
    try:
        with transaction.atomic():
            declaration.save()
    except IntegrityError:
        _raise_duplicate_lrn(declaration.partner, data.get("lrn", ""), exclude_pk=declaration.pk)
        raise
    if "goods_items" in data:
        _replace_goods_items(declaration, list(data["goods_items"] or []))
        changed.append("goods_items")
    if "documents" in data:
        _replace_documents(declaration, list(data["documents"] or []))
        changed.append("documents")
    return changed


@transaction.atomic
def update_draft(declaration: Declaration, *, data: Mapping[str, Any], actor: str) -> Declaration:
    """Edit a draft (409 once submitted: use amend)."""
    declaration = _lock(declaration)
    if declaration.status != S.DRAFT:
        raise TransitionNotAllowed(declaration.status, "edit")
    changed = _apply_changes(declaration, data)
    record_event(declaration, EventType.UPDATED, actor, fields=changed)
    declaration.refresh_from_db()
    return declaration


def _check_submittable(declaration: Declaration) -> None:
    errors = submission_errors(declaration)
    if errors:
        raise DeclarationInvalid(
            errors, "The declaration cannot be submitted: " + errors[0]["detail"]
        )


@transaction.atomic
def submit(declaration: Declaration, *, actor: str) -> Declaration:
    """Lodge a draft with customs (draft -> submitted) and hand it to the customs gateway."""
    declaration = _lock(declaration)
    old = declaration.status
    new = assert_transition(old, Action.SUBMIT)
    _check_submittable(declaration)
    declaration.status = new
    declaration.submitted_at = timezone.now()
    declaration.save()
    event = record_event(
        declaration, EventType.SUBMITTED, actor, status=new, version=declaration.version
    )
    _announce(declaration, old, new, event)
    _gateway().declaration_submitted(declaration)
    return declaration


def assert_amendable(declaration: Declaration) -> None:
    """TransitionNotAllowed unless the declaration may still be amended (before release)."""
    assert_transition(declaration.status, Action.AMEND)


@transaction.atomic
def amend(declaration: Declaration, *, data: Mapping[str, Any], actor: str) -> Declaration:
    """Amend before release: keep a snapshot of the current version, apply the changes as
    version n+1 and resubmit it to customs (a customs number already given stays)."""
    declaration = _lock(declaration)
    old = declaration.status
    new = assert_transition(old, Action.AMEND)
    previous = Declaration.objects.prefetch_related("goods_items", "documents__goods_items").get(
        pk=declaration.pk
    )
    DeclarationVersion.objects.create(
        declaration=declaration,
        version=declaration.version,
        snapshot=declaration_snapshot(previous),
    )
    changed = _apply_changes(declaration, data)
    _check_submittable(declaration)
    declaration.version += 1
    declaration.status = new
    declaration.channel = None
    declaration.rejection_errors = []
    declaration.submitted_at = timezone.now()
    declaration.accepted_at = declaration.released_at = declaration.decided_at = None
    declaration.simulated_release_due_at = None
    declaration.save()
    event = record_event(
        declaration,
        EventType.AMENDED,
        actor,
        version=declaration.version,
        previous_version=declaration.version - 1,
        previous_status=old,
        status=new,
        fields=changed,
    )
    _announce(declaration, old, new, event)
    _gateway().declaration_submitted(declaration)
    return declaration


@transaction.atomic
def request_cancellation(declaration: Declaration, *, reason: str, actor: str) -> Declaration:
    """Cancel a draft at once; for a lodged declaration, ask customs (who decides later)."""
    declaration = _lock(declaration)
    old = declaration.status
    if old == S.DRAFT:
        new = assert_transition(old, Action.CANCEL_DRAFT)
        declaration.status = new
        declaration.cancellation_reason = reason
        declaration.cancellation_requested_at = declaration.decided_at = timezone.now()
        declaration.save()
        event = record_event(declaration, EventType.CANCELLED, actor, reason=reason, status=new)
        _announce(declaration, old, new, event)
        return declaration
    assert_transition(old, Action.REQUEST_CANCELLATION)
    declaration.cancellation_requested_at = timezone.now()
    declaration.cancellation_reason = reason
    declaration.save()
    record_event(declaration, EventType.CANCELLATION_REQUESTED, actor, reason=reason)
    _gateway().cancellation_requested(declaration)
    return declaration


# --- customs messages ---------------------------------------------------------------------------

MESSAGE_FIELDS = ("type", "occurred_at", "number", "channel", "errors", "accepted")


def _normalised_message(data: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "type": data["type"],
        "occurred_at": data["occurred_at"],
        "number": data.get("number") or "",
        "channel": data.get("channel") or "",
        "errors": [dict(e) for e in data.get("errors") or []],
        "accepted": data.get("accepted"),
    }


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
    data: Mapping[str, Any],
    source: str = MessageSource.GATEWAY,
    actor: str = "customs",
) -> tuple[CustomsMessage, bool]:
    """Store a customs message once (idempotent on message_id) and have it applied after commit.

    Returns the message and whether it was new. The same message_id with different content, or
    for another declaration, is a MessageConflict.
    """
    declaration = _lock(declaration)
    values = _normalised_message(data)
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
        EventType.CUSTOMS_MESSAGE_RECEIVED,
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
            EventType.CUSTOMS_MESSAGE_APPLIED,
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
                EventType.CUSTOMS_MESSAGE_APPLIED,
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
            declaration, EventType.CANCELLATION_REFUSED, actor, message_id=refused[-1].message_id
        )

    old = declaration.status
    if state.number:
        # The fold decides (first number in occurred_at order), so arrival order cannot matter;
        # a number from an earlier version stays when this version's messages carry none.
        declaration.number = state.number
    if old not in CUSTOMS_DECIDED:
        # Distributed goods (or a draft) are past customs: a late message cannot undo that.
        declaration.save()
        return declaration

    new = state.status
    declaration.status = new
    declaration.channel = state.channel or None
    declaration.rejection_errors = list(state.errors) if new == S.REJECTED else []
    declaration.accepted_at = state.accepted_at
    declaration.released_at = state.released_at
    declaration.decided_at = state.decided_at
    if new not in (S.ACCEPTED, S.UNDER_CONTROL):
        declaration.simulated_release_due_at = None
    declaration.save()
    if new != old:
        forward = RANK[new] > RANK[old]
        event_type = STATUS_EVENTS[new] if forward else EventType.STATUS_CORRECTED
        payload: dict[str, Any] = {"from": old, "status": new, "version": declaration.version}
        if declaration.number:
            payload["number"] = declaration.number
        if declaration.channel:
            payload["channel"] = declaration.channel
        if new == S.REJECTED:
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
) -> Declaration:
    """Record a decision taken outside a gateway integration (staff in the admin, the simulated
    authority) as a customs message, and apply it now."""
    with transaction.atomic():
        locked = _lock(declaration)
        if type == CustomsMessageType.ACCEPTED and not number:
            number = locked.number or allocate_customs_number(locked.office)
        receive_customs_message(
            locked,
            message_id=f"{source.upper()}-{uuid.uuid4().hex}",
            data={
                "type": type,
                "occurred_at": occurred_at or timezone.now(),
                "number": number,
                "channel": channel,
                "errors": list(errors),
                "accepted": accepted,
            },
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
        record_event(locked, EventType.INSPECTION_RECORDED, actor, passed=passed, note=note)
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


def allocate_customs_number(office: CustomsOffice, on: dt.datetime | None = None) -> str:
    """The next EAEU-style number `office/DDMMYY/serial` (serial per office, row-locked)."""
    when = on or timezone.now()
    try:
        zone = ZoneInfo(office.location.timezone)
    except Exception:
        zone = ZoneInfo("UTC")
    with transaction.atomic():
        CustomsNumberSeries.objects.get_or_create(office_code=office.code)
        series = CustomsNumberSeries.objects.select_for_update().get(office_code=office.code)
        series.last_serial += 1
        series.save(update_fields=["last_serial"])
    return f"{office.code}/{timezone.localtime(when, zone):%d%m%y}/{series.last_serial:07d}"


@transaction.atomic
def mark_distributed(
    declaration: Declaration, *, fully: bool, actor: str = "system"
) -> Declaration:
    """Record that released goods were (partly or wholly) split into regional shipments."""
    declaration = _lock(declaration)
    old = declaration.status
    new = assert_transition(old, Action.DISTRIBUTE_FULLY if fully else Action.DISTRIBUTE_PARTIALLY)
    if new == old:
        return declaration
    declaration.status = new
    declaration.save()
    event = record_event(declaration, STATUS_EVENTS[new], actor, status=new, previous_status=old)
    _announce(declaration, old, new, event)
    return declaration


@transaction.atomic
def attach_document_file(
    declaration: Declaration, *, position: int, file: Any, actor: str
) -> Document:
    """Store the scan of the document at `position` (1-based, in the order documents are listed),
    replacing any earlier file; PDF/PNG/JPEG up to 10 MB, checked on its content."""
    from django.core.exceptions import ValidationError as DjangoValidationError

    from .validators import validate_document_file

    declaration = _lock(declaration)
    assert_transition(declaration.status, Action.ATTACH_DOCUMENT_FILE)
    documents = list(declaration.documents.order_by("id"))
    if not 1 <= position <= len(documents):
        raise DeclarationInvalid(
            [{"pointer": "/", "code": "not_found", "detail": f"No document {position}."}]
        )
    document = documents[position - 1]
    try:
        validate_document_file(file)
    except DjangoValidationError as exc:
        raise DeclarationInvalid(
            [{"pointer": "/file", "code": exc.code or "invalid", "detail": exc.messages[0]}]
        ) from exc
    name = str(getattr(file, "name", "document")).rsplit("/", 1)[-1]
    document.file.save(name, file, save=True)
    record_event(
        declaration,
        EventType.DOCUMENT_FILE_ATTACHED,
        actor,
        document=position,
        type=document.type,
        number=document.number,
        file=name,
        size=getattr(file, "size", None),
    )
    Declaration.objects.filter(pk=declaration.pk).update(updated_at=timezone.now())
    return document
