"""The transit of a `transit` declaration: written with the declaration, opened by its release,
arrived when the goods are presented at the office of destination (reported by customs, by the
carrier, or by the inbound shipment's tracking event), completed by the office of destination."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from tradehub.reference.models import CustomsOffice

from ..choices import DeclarationEventType, Procedure, TransitStatus
from ..exceptions import DeclarationInvalid, ProcedureNotAllowed
from ..inputs import TransitInput
from ..models import Declaration, Transit
from ..states import TRANSIT_ORDER, CustomsState, transit_status
from .common import _lock, record_event

TRANSIT_EVENTS: dict[str, str] = {
    TransitStatus.OPENED: DeclarationEventType.TRANSIT_OPENED,
    TransitStatus.ARRIVED: DeclarationEventType.TRANSIT_ARRIVED,
    TransitStatus.COMPLETED: DeclarationEventType.TRANSIT_COMPLETED,
}


def write_transit(declaration: Declaration, data: TransitInput | None) -> Transit | None:
    """Create or change the transit block of a declaration (drafts and amendments); a `transit`
    declaration must have one, any other must not."""
    existing = getattr(declaration, "transit", None) if declaration.pk else None
    if declaration.procedure != Procedure.TRANSIT:
        if data:
            raise DeclarationInvalid(
                [
                    {
                        "pointer": "/transit",
                        "code": "not_a_transit",
                        "detail": "Only a `transit` declaration has a transit block.",
                    }
                ]
            )
        if existing is not None:
            existing.delete()
        return None
    if data is None:
        if existing is None:
            raise DeclarationInvalid(
                [
                    {
                        "pointer": "/transit",
                        "code": "required",
                        "detail": "A transit declaration names its office of destination, "
                        "route and requested delivery deadline (`transit`).",
                    }
                ]
            )
        return existing
    office: CustomsOffice = data.destination_office
    if office.pk == declaration.office_id:
        raise DeclarationInvalid(
            [
                {
                    "pointer": "/transit/destination_office",
                    "code": "same_office",
                    "detail": "The office of destination must differ from the office of "
                    "departure (the declaration's office).",
                }
            ]
        )
    transit = existing or Transit(declaration=declaration)
    transit.destination_office = office
    transit.route = [location.code for location in data.route]
    transit.navigation_seals = list(data.navigation_seals)
    transit.requested_deadline = data.delivery_deadline
    transit.save()
    return transit


def _set_status(transit: Transit, actor: str) -> None:
    """Store the status the facts give and record the steps it took."""
    old = transit.status
    new = transit_status(transit.opened_at, transit.arrived_at, transit.completed_at)
    transit.status = new
    transit.save()
    if TRANSIT_ORDER[new] <= TRANSIT_ORDER[old]:
        return
    for status, order in TRANSIT_ORDER.items():
        if TRANSIT_ORDER[old] < order <= TRANSIT_ORDER[new]:
            record_event(
                transit.declaration,
                TRANSIT_EVENTS[status],
                actor,
                transit_status=status,
                delivery_deadline=transit.delivery_deadline.isoformat()
                if transit.delivery_deadline
                else None,
                arrived_at=transit.arrived_at.isoformat() if transit.arrived_at else None,
                completed_at=transit.completed_at.isoformat() if transit.completed_at else None,
            )


def apply_transit_facts(
    declaration: Declaration, state: CustomsState, storage_place: str, actor: str
) -> None:
    """Carry the customs fold's transit facts onto the transit (inside the message transaction):
    release opens it with the deadline customs set (else the one asked); arrival and completion
    as the office of destination recorded them. The earliest arrival known counts."""
    transit = getattr(declaration, "transit", None)
    if transit is None:
        return
    transit.opened_at = state.released_at
    if state.released_at is not None:
        transit.delivery_deadline = state.delivery_deadline or transit.requested_deadline
    if state.transit_arrived_at is not None and (
        transit.arrived_at is None or state.transit_arrived_at < transit.arrived_at
    ):
        transit.arrived_at = state.transit_arrived_at
        transit.arrival_source = "customs"
    transit.completed_at = state.transit_completed_at
    if transit.completed_at is not None and storage_place:
        # The goods wait in temporary storage at the office of destination.
        declaration.goods_items.filter(storage_place="").update(storage_place=storage_place)
    _set_status(transit, actor)


@transaction.atomic
def record_transit_arrival(
    declaration: Declaration,
    *,
    occurred_at: dt.datetime | None = None,
    source: str,
    actor: str,
) -> Transit:
    """The goods of an opened transit are presented at the office of destination (reported by
    the carrier or the inbound shipment's `arrived` event). Idempotent: the earliest arrival
    counts; the office of destination's gateway is told so it can complete the transit."""
    declaration = _lock(declaration)
    transit = getattr(declaration, "transit", None)
    if transit is None:
        raise ProcedureNotAllowed(
            f"Declaration {declaration.reference} is not a transit.", code="not_a_transit"
        )
    if transit.status == TransitStatus.DECLARED:
        raise ProcedureNotAllowed(
            f"The transit of {declaration.reference} is not opened: customs has not released "
            "the goods for transit yet.",
            code="transit_not_opened",
            status=transit.status,
        )
    at = occurred_at or timezone.now()
    first = transit.arrived_at is None
    if first or at < transit.arrived_at:  # type: ignore[operator]
        transit.arrived_at = at
        transit.arrival_source = source[:200]
    _set_status(transit, actor)
    if first:
        from ..gateway import gateway_for_office

        # The office of destination's gateway decides what follows (completion).
        gateway_for_office(transit.destination_office).transit_arrived(declaration)
    return transit
