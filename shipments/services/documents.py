"""The checklist of documents a distributed shipment needs before it may depart.

Made from the route data when the shipment is distributed (tradehub.reference.selectors.
onward_route): the onward procedure's documents, the quarantine papers when the goods are
regulated products, and the transit document of each country on the route. A customs declaration
on the list follows that declaration's status; partners and staff set the others.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db import transaction

from declarations.choices import DeclarationStatus
from declarations.models import Declaration
from shipments.choices import MOVEMENT_EVENTS, EventClassifier, RequiredDocumentStatus
from shipments.exceptions import ShipmentConflict, ShipmentInvalid
from shipments.models import RequiredDocument, Shipment
from tradehub.reference.choices import RequiredDocumentType
from tradehub.reference.selectors import OnwardRoute

if TYPE_CHECKING:
    from .tracking import TrackingEventInput

# Checklist entries that are TradeHub declarations: the one the goods leave customs control under.
DECLARATION_DOCUMENTS = frozenset(
    {RequiredDocumentType.IMPORT_DECLARATION, RequiredDocumentType.REEXPORT_DECLARATION}
)
LODGED = frozenset(
    {DeclarationStatus.SUBMITTED, DeclarationStatus.ACCEPTED, DeclarationStatus.UNDER_CONTROL}
)
RELEASED = frozenset(
    {
        DeclarationStatus.RELEASED,
        DeclarationStatus.PARTIALLY_DISTRIBUTED,
        DeclarationStatus.DISTRIBUTED,
    }
)


def status_of_declaration(declaration: Declaration) -> str:
    """A declaration as a checklist entry: released is accepted, lodged is provided."""
    if declaration.status in RELEASED:
        return RequiredDocumentStatus.ACCEPTED
    if declaration.status in LODGED:
        return RequiredDocumentStatus.PROVIDED
    return RequiredDocumentStatus.MISSING


def create_checklist(
    shipment: Shipment,
    route: OnwardRoute,
    *,
    declaration: Declaration | None,
    regulated: bool,
) -> list[RequiredDocument]:
    """Write the shipment's checklist from its route; the customs declaration entry follows
    `declaration` (the release or re-export it leaves under)."""
    entries = []
    for sequence, spec in enumerate(route.documents_for(regulated), start=1):
        entry = RequiredDocument(
            shipment=shipment,
            sequence=sequence,
            type=spec.type,
            country=spec.country,
            source=spec.source,
            updated_by="system",
        )
        if spec.type in DECLARATION_DOCUMENTS and declaration is not None:
            entry.declaration = declaration
            entry.reference = declaration.reference
            entry.status = status_of_declaration(declaration)
        entries.append(entry)
    return RequiredDocument.objects.bulk_create(entries)


def checklist_of(shipment: Shipment) -> list[RequiredDocument]:
    """A shipment's checklist in order."""
    return list(shipment.required_documents.order_by("sequence"))


@transaction.atomic
def set_document(
    document: RequiredDocument, *, status: str, reference: str | None, actor: str
) -> RequiredDocument:
    """A partner or staff member records where a document stands (409 for an entry TradeHub
    keeps from a declaration's status; 400 when provided or accepted without its number)."""
    locked = RequiredDocument.objects.select_for_update().get(pk=document.pk)
    if locked.managed:
        raise ShipmentConflict(
            f"The {locked.type} entry follows declaration {locked.reference}: it is released, "
            "lodged or missing as that declaration is, and cannot be set by hand.",
            code="managed_document",
            declaration=locked.reference,
        )
    number = locked.reference if reference is None else reference.strip()
    if status != RequiredDocumentStatus.MISSING and not number:
        detail = "Give the document's number when it is provided or accepted."
        raise ShipmentInvalid(
            [{"pointer": "/reference", "code": "invalid", "detail": detail}], detail
        )
    locked.status = status
    locked.reference = number
    locked.updated_by = actor
    locked.save(update_fields=["status", "reference", "updated_by", "updated_at"])
    Shipment.objects.filter(pk=locked.shipment_id).update(updated_at=locked.updated_at)
    return locked


def sync_declaration_entries(declaration: Declaration) -> int:
    """Bring every checklist entry following `declaration` up to its status (after a change)."""
    status = status_of_declaration(declaration)
    entries = RequiredDocument.objects.filter(declaration=declaration).exclude(status=status)
    shipments = list(entries.values_list("shipment_id", flat=True))
    changed = entries.update(status=status, updated_by="customs")
    if changed:
        from django.utils import timezone

        Shipment.objects.filter(pk__in=shipments).update(updated_at=timezone.now())
    return changed


def departure_blockers(shipment: Shipment) -> list[RequiredDocument]:
    """Entries that keep the shipment from departing: missing documents, and the customs
    declaration until customs released the goods under it."""
    return [
        entry
        for entry in checklist_of(shipment)
        if entry.status == RequiredDocumentStatus.MISSING
        or (entry.managed and entry.status != RequiredDocumentStatus.ACCEPTED)
    ]


def has_moved(shipment: Shipment) -> bool:
    """Whether an actual movement of the shipment was already recorded."""
    return shipment.events.filter(
        classifier=EventClassifier.ACTUAL, type__in=MOVEMENT_EVENTS
    ).exists()


def assert_may_depart(shipment: Shipment, events: Iterable[TrackingEventInput]) -> None:
    """Refuse (409, naming each document) actual movement events of a shipment that has not
    moved yet while a document it needs is not ready."""
    moving = [
        e for e in events if e.classifier == EventClassifier.ACTUAL and e.type in MOVEMENT_EVENTS
    ]
    if not moving or not shipment.required_documents.exists():
        return
    # Under the shipment's row lock: two batches racing to be the first movement queue here.
    Shipment.objects.select_for_update().filter(pk=shipment.pk).first()
    if has_moved(shipment):
        return
    blockers = departure_blockers(shipment)
    if not blockers:
        return
    listing = ", ".join(
        f"{entry.type}{f' ({entry.country})' if entry.country else ''}: {entry.status}"
        + (f" {entry.reference}" if entry.reference else "")
        for entry in blockers
    )
    raise ShipmentConflict(
        f"Shipment {shipment.reference} cannot depart before its documents are ready ({listing}).",
        code="documents_missing",
        documents=[
            {
                "sequence": entry.sequence,
                "type": entry.type,
                "country": entry.country or None,
                "status": entry.status,
                "reference": entry.reference or None,
            }
            for entry in blockers
        ],
    )


def on_declaration_status_changed(sender: Any, declaration: Declaration, **kwargs: Any) -> None:
    """Checklists follow the declarations on them (connected to declarations.hooks)."""
    sync_declaration_entries(declaration)
