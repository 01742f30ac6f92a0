"""The inbound shipment and its customs transit: its `border_crossed` and `arrived` events link to
the transit, and its actual arrival at the office of destination marks the transit arrived."""

from __future__ import annotations

from declarations import services as declaration_services
from declarations.choices import TransitStatus
from declarations.exceptions import ProcedureNotAllowed
from declarations.models import Transit
from shipments.choices import EventClassifier, ShipmentKind, TrackingEventType
from shipments.models import Shipment, TrackingEvent

LINKED_EVENTS = (TrackingEventType.BORDER_CROSSED, TrackingEventType.ARRIVED)


def transit_of(shipment: Shipment) -> Transit | None:
    """The transit an inbound shipment travels under (its declaration's), if any."""
    if shipment.kind != ShipmentKind.INBOUND or shipment.declaration_id is None:
        return None
    return (
        Transit.objects.select_related("declaration", "destination_office__location")
        .filter(declaration_id=shipment.declaration_id)
        .first()
    )


def link_transit_events(shipment: Shipment, events: list[TrackingEvent]) -> Transit | None:
    """Link the shipment's border crossings and arrivals to its transit, and report the first
    actual arrival at the office of destination's location as the transit's arrival."""
    transit = transit_of(shipment)
    if transit is None:
        return None
    unlinked = [e.pk for e in events if e.type in LINKED_EVENTS and e.transit_id != transit.pk]
    if unlinked:
        TrackingEvent.objects.filter(pk__in=unlinked).update(transit=transit)
    destination = transit.destination_office.location_id
    arrival = next(
        (
            e
            for e in events
            if e.type == TrackingEventType.ARRIVED
            and e.classifier == EventClassifier.ACTUAL
            and e.location_id == destination
        ),
        None,
    )
    if arrival is not None and transit.status == TransitStatus.OPENED:
        try:
            declaration_services.record_transit_arrival(
                transit.declaration,
                occurred_at=arrival.occurred_at,
                source=f"shipment {shipment.reference} event {arrival.event_id}",
                actor="tracking",
            )
        except ProcedureNotAllowed:
            return transit  # not opened after all (a race with customs): nothing to report
    return transit
