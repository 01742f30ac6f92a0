"""Writes of a declaration's content and lifecycle by its declarant: create, edit, submit,
amend, cancel, attach document files, and distribution marks."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from tradehub.partners.models import Partner

from ..choices import (
    DeclarationDocumentType,
    DeclarationEventType,
)
from ..exceptions import DeclarationInvalid, DuplicateLrn
from ..inputs import DeclarationInput, DocumentInput, GoodsItemInput
from ..models import (
    Declaration,
    DeclarationVersion,
    Document,
    GoodsItem,
)
from ..procedures import rule_for
from ..selectors import declaration_snapshot
from ..states import (
    DISTRIBUTION_STATUSES,
    Action,
    TransitionNotAllowed,
    assert_transition,
    can,
)
from ..validators import normalize_commodity_code
from .allocation import fully_drawn
from .common import STATUS_EVENTS, S, _announce, _gateway, _lock, record_event
from .stock import check_drawing, check_parentage, lock_parent, resolve_source_items
from .tariff import (
    commodity_code_errors,
    declaration_day,
    phytosanitary_errors,
)
from .transit import write_transit

# Top-level fields a partner may write (everything else is server-owned and ignored).
SCALAR_FIELDS = ("lrn", "procedure", "office", "border_crossing", "transport_mode")
JSON_FIELDS = ("containers", "seals", "consignor", "consignee", "declarant")


# --- content ------------------------------------------------------------------------------------


def _set_fields(declaration: Declaration, data: DeclarationInput) -> list[str]:
    """Copy the partner-writable top-level fields given; returns the names changed."""
    changed: list[str] = []
    given = data.given()
    for name in (*SCALAR_FIELDS, *JSON_FIELDS):
        if name in given:
            value = getattr(data, name)
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
    if "transport_document" in given:
        document = data.transport_document
        new = (document.type, document.number) if document is not None else ("", "")
        if new != (declaration.transport_document_type, declaration.transport_document_number):
            declaration.transport_document_type, declaration.transport_document_number = new
            changed.append("transport_document")
    return changed


def _goods_item_values(data: GoodsItemInput, source: GoodsItem | None) -> dict[str, Any]:
    return {
        "source_item": source,
        "storage_place": data.storage_place or "",
        "description": data.description,
        "commodity_code": normalize_commodity_code(data.commodity_code),
        "origin_country": data.origin_country,
        "packages_count": data.packages_count,
        "packages_kind": data.packages_kind,
        "gross_kg": data.gross_kg,
        "net_kg": data.net_kg,
        "invoice_value": data.invoice_value,
        "currency": data.currency,
    }


def _replace_goods_items(declaration: Declaration, items: list[GoodsItemInput]) -> None:
    """Make the goods items exactly `items` (sequence 1..n), updating rows in place by sequence
    so documents keep their links to the items that stay."""
    existing = {item.sequence: item for item in declaration.goods_items.all()}
    sources = resolve_source_items(declaration, items)
    for sequence, (data, source) in enumerate(zip(items, sources, strict=True), start=1):
        values = _goods_item_values(data, source)
        item = existing.pop(sequence, None)
        if item is None:
            GoodsItem.objects.create(declaration=declaration, sequence=sequence, **values)
        elif any(getattr(item, key) != value for key, value in values.items()):
            for key, value in values.items():
                setattr(item, key, value)
            item.save()
    if existing:
        GoodsItem.objects.filter(pk__in=[item.pk for item in existing.values()]).delete()


def _replace_documents(declaration: Declaration, documents: list[DocumentInput]) -> None:
    """Make the documents exactly `documents`; a document with the same type and number keeps
    its row (and uploaded file)."""
    items_by_sequence = {item.sequence: item for item in declaration.goods_items.all()}
    existing = {(doc.type, doc.number): doc for doc in declaration.documents.all()}
    for data in documents:
        document = existing.pop((data.type, data.number), None) or Document(
            declaration=declaration, type=data.type, number=data.number
        )
        document.issued_by = data.issued_by or ""
        document.issued_on = data.issued_on
        document.valid_until = data.valid_until
        document.save()
        sequences = data.goods_items or []
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


def _missing_documents(declaration: Declaration, present: set[str]) -> list[dict[str, str]]:
    """Documents the declared procedure requires (procedures.py) that are not attached."""
    labels = dict(DeclarationDocumentType.choices)
    return [
        {
            "pointer": "/documents",
            "code": f"{required}_required",
            "detail": f"A {declaration.get_procedure_display().lower()} declaration needs a "
            f"{str(labels[required]).lower()} ({required}) to be submitted.",
        }
        for required in rule_for(declaration.procedure).required_documents
        if required not in present
    ]


def submission_errors(declaration: Declaration, day: dt.date | None = None) -> list[dict[str, Any]]:
    """What stops a declaration from going to customs on its declaration date (`day`, default
    today at the office): a goods item; at an EAEU office, 10-digit EAEU codes valid that day;
    the documents its procedure requires (an import needs the commercial invoice); and for
    regulated products (EAEU list) a phytosanitary certificate covering them, valid that day."""
    day = day or declaration_day(declaration)
    items = list(declaration.goods_items.order_by("sequence"))
    documents = list(declaration.documents.prefetch_related("goods_items").order_by("id"))
    errors: list[dict[str, Any]] = []
    if not items:
        errors.append(
            {"pointer": "/goods_items", "code": "required", "detail": "At least one goods item."}
        )
    errors += commodity_code_errors(declaration, day)
    errors += phytosanitary_errors(items, documents, day)
    errors += _missing_documents(declaration, {doc.type for doc in documents})
    return errors


def _check_commodity_codes(declaration: Declaration) -> None:
    """The codes of a draft (or an amendment) must be declarable at its office today."""
    errors = commodity_code_errors(declaration, declaration_day(declaration))
    if errors:
        raise DeclarationInvalid(errors, "Invalid commodity code: " + errors[0]["detail"])


def _raise_duplicate_lrn(partner: Partner, lrn: str, exclude_pk: int | None = None) -> None:
    others = Declaration.objects.filter(partner=partner, lrn=lrn)
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    existing = others.first()
    if existing is not None:
        raise DuplicateLrn(lrn, existing.reference)


@transaction.atomic
def create_declaration(*, partner: Partner, data: DeclarationInput, actor: str) -> Declaration:
    """Create a draft declaration with its goods items and documents, all or nothing.

    A declaration that names a `parent` draws its goods from the parent's stock: the parent is
    locked, the procedure must be allowed to draw on it, and what is drawn must remain.
    """
    _raise_duplicate_lrn(partner, data.lrn)
    declaration = Declaration(partner=partner)
    _set_fields(declaration, data)
    parent = data.get("parent")
    if parent is not None:
        parent = lock_parent(parent)
        declaration.parent = parent
    check_parentage(declaration, parent)
    try:
        with transaction.atomic():
            declaration.save()
    except IntegrityError:
        # Another request created the same LRN between our check and insert.
        _raise_duplicate_lrn(partner, data.lrn)
        raise
    _replace_goods_items(declaration, list(data.get("goods_items") or []))
    _check_commodity_codes(declaration)
    _replace_documents(declaration, list(data.get("documents") or []))
    write_transit(declaration, data.get("transit"))
    payload: dict[str, Any] = {"lrn": declaration.lrn, "version": declaration.version}
    if parent is not None:
        check_drawing(declaration)
        payload["parent"] = parent.reference
    record_event(declaration, DeclarationEventType.CREATED, actor, **payload)
    if parent is not None:
        sync_distribution_status(parent, actor=actor)
    return declaration


def _apply_changes(declaration: Declaration, data: DeclarationInput) -> list[str]:
    """Apply a PATCH-style input: top-level fields, goods items and documents if given."""
    given = data.given()
    if "lrn" in given and data.lrn != declaration.lrn:
        _raise_duplicate_lrn(declaration.partner, data.lrn, exclude_pk=declaration.pk)
    changed = _set_fields(declaration, data)
    try:
        with transaction.atomic():
            declaration.save()
    except IntegrityError:
        _raise_duplicate_lrn(declaration.partner, data.get("lrn", ""), exclude_pk=declaration.pk)
        raise
    parent = lock_parent(declaration.parent) if declaration.parent is not None else None
    if "procedure" in changed:
        check_parentage(declaration, parent)
    if "goods_items" in given:
        _replace_goods_items(declaration, list(data.goods_items or []))
        changed.append("goods_items")
        check_drawing(declaration)
    if "goods_items" in given or "office" in changed:
        _check_commodity_codes(declaration)
    if "documents" in given:
        _replace_documents(declaration, list(data.documents or []))
        changed.append("documents")
    if "transit" in given or "procedure" in changed:
        write_transit(declaration, data.get("transit"))
        if "transit" in given:
            changed.append("transit")
    return changed


@transaction.atomic
def update_draft(declaration: Declaration, *, data: DeclarationInput, actor: str) -> Declaration:
    """Edit a draft (409 once submitted: use amend)."""
    declaration = _lock(declaration)
    if declaration.status != S.DRAFT:
        raise TransitionNotAllowed(declaration.status, "edit")
    changed = _apply_changes(declaration, data)
    record_event(declaration, DeclarationEventType.UPDATED, actor, fields=changed)
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
        declaration, DeclarationEventType.SUBMITTED, actor, status=new, version=declaration.version
    )
    _announce(declaration, old, new, event)
    _gateway(declaration).declaration_submitted(declaration)
    return declaration


def assert_amendable(declaration: Declaration) -> None:
    """TransitionNotAllowed unless the declaration may still be amended (before release)."""
    assert_transition(declaration.status, Action.AMEND)


@transaction.atomic
def amend(declaration: Declaration, *, data: DeclarationInput, actor: str) -> Declaration:
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
    declaration.save()
    event = record_event(
        declaration,
        DeclarationEventType.AMENDED,
        actor,
        version=declaration.version,
        previous_version=declaration.version - 1,
        previous_status=old,
        status=new,
        fields=changed,
    )
    _announce(declaration, old, new, event)
    _gateway(declaration).declaration_submitted(declaration)
    return declaration


@transaction.atomic
def request_cancellation(declaration: Declaration, *, reason: str, actor: str) -> Declaration:
    """Cancel a draft at once; for a lodged declaration, ask customs (who decides later)."""
    declaration = _lock(declaration)
    old = declaration.status
    if can(old, Action.CANCEL_DRAFT):
        new = assert_transition(old, Action.CANCEL_DRAFT)
        declaration.status = new
        declaration.cancellation_reason = reason
        declaration.cancellation_requested_at = declaration.decided_at = timezone.now()
        declaration.save()
        event = record_event(
            declaration, DeclarationEventType.CANCELLED, actor, reason=reason, status=new
        )
        _announce(declaration, old, new, event)
        return declaration
    assert_transition(old, Action.REQUEST_CANCELLATION)
    declaration.cancellation_requested_at = timezone.now()
    declaration.cancellation_reason = reason
    declaration.save()
    record_event(declaration, DeclarationEventType.CANCELLATION_REQUESTED, actor, reason=reason)
    _gateway(declaration).cancellation_requested(declaration)
    return declaration


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
def sync_distribution_status(declaration: Declaration | int, *, actor: str = "system") -> str:
    """Move a released declaration to partially distributed or distributed as its goods are
    drawn (by child declarations or regional shipments), and a distributed one back to partially
    distributed when a drawing is given back (a shipment or a child cancelled)."""
    locked = _lock(declaration)
    if locked.status not in DISTRIBUTION_STATUSES:
        return locked.status
    anything, everything = fully_drawn(locked)
    if everything or anything or locked.status != S.RELEASED:
        locked = mark_distributed(locked, fully=everything, actor=actor)
    return locked.status


def _document_at(declaration: Declaration, position: int) -> Document:
    """The document at `position` (1-based, in the order documents are listed)."""
    documents = list(declaration.documents.order_by("id"))
    if not 1 <= position <= len(documents):
        raise DeclarationInvalid(
            [{"pointer": "/", "code": "not_found", "detail": f"No document {position}."}]
        )
    return documents[position - 1]


@transaction.atomic
def attach_document_file(
    declaration: Declaration, *, position: int, file: Any, actor: str
) -> Document:
    """Store the scan of the document at `position` (1-based, in the order documents are listed),
    replacing any earlier file; PDF/PNG/JPEG up to 10 MB, checked on its content."""
    from django.core.exceptions import ValidationError as DjangoValidationError

    from ..validators import validate_document_file

    declaration = _lock(declaration)
    assert_transition(declaration.status, Action.ATTACH_DOCUMENT_FILE)
    document = _document_at(declaration, position)
    try:
        validate_document_file(file)
    except DjangoValidationError as exc:
        raise DeclarationInvalid(
            [{"pointer": "/file", "code": exc.code or "invalid", "detail": exc.messages[0]}]
        ) from exc
    name = str(getattr(file, "name", "document")).rsplit("/", 1)[-1]
    replaced = document.file.name.rsplit("/", 1)[-1] if document.file else None
    document.file.save(name, file, save=True)
    record_event(
        declaration,
        DeclarationEventType.DOCUMENT_FILE_ATTACHED,
        actor,
        document=position,
        type=document.type,
        number=document.number,
        file=name,
        size=getattr(file, "size", None),
        **({"replaced": replaced} if replaced else {}),
    )
    Declaration.objects.filter(pk=declaration.pk).update(updated_at=timezone.now())
    return document


@transaction.atomic
def remove_document_file(
    declaration: Declaration, *, position: int, actor: str, reason: str = ""
) -> Document:
    """Take the scan off the document at `position` (until release: once customs released the
    goods, the files it released them on stay); recorded in the timeline."""
    declaration = _lock(declaration)
    assert_transition(declaration.status, Action.ATTACH_DOCUMENT_FILE)
    document = _document_at(declaration, position)
    if not document.file:
        raise DeclarationInvalid(
            [{"pointer": "/file", "code": "no_file", "detail": "This document has no file."}]
        )
    name = document.file.name.rsplit("/", 1)[-1]
    stored = document.file.name
    document.file = None  # type: ignore[assignment]
    document.save(update_fields=["file", "updated_at"])
    record_event(
        declaration,
        DeclarationEventType.DOCUMENT_FILE_REMOVED,
        actor,
        document=position,
        type=document.type,
        number=document.number,
        file=name,
        reason=reason,
    )
    Declaration.objects.filter(pk=declaration.pk).update(updated_at=timezone.now())
    # The bytes go only once the removal is committed (a rollback keeps the file it points at).
    storage = document.file.storage
    transaction.on_commit(lambda: storage.delete(stored))
    return document
