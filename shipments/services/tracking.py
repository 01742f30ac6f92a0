"""Tracking events: idempotent bulk intake and status/ETA derivation from actual events."""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from shipments.alerts.services import rescan_shipment
from shipments.choices import (
    FINISHED_STATUSES,
    EventClassifier,
    ShipmentStatus,
    TrackingEventType,
)
from shipments.exceptions import EventConflict
from shipments.models import Leg, Shipment, TrackingEvent
from tradehub.db import insert_ignoring_duplicates
from tradehub.notifications.choices import WebhookEvent
from tradehub.notifications.services import publish_event
from tradehub.times import iso_time

from .documents import assert_may_depart
from .shelf import refresh_conditions
from .transit import link_transit_events


@dataclass(frozen=True)
class IntakeResult:
    """How many rows of a batch were new, already known, or known with other content."""

    accepted: int
    duplicates: int
    conflicts: int = 0


@dataclass(frozen=True, kw_only=True)
class TrackingEventInput:
    """One tracking event as a partner reported it (its location resolved to an id)."""

    event_id: str
    type: str
    classifier: str
    occurred_at: dt.datetime
    location_id: int | None = None
    details: dict[str, Any] = field(default_factory=dict)


CONTENT_FIELDS = ("type", "classifier", "occurred_at", "location_id", "details")


def stored_event(event: TrackingEvent) -> dict[str, Any]:
    """An event as it was recorded, for a conflict answer."""
    return {
        "event_id": event.event_id,
        "type": event.type,
        "classifier": event.classifier,
        "occurred_at": iso_time(event.occurred_at),
        "location": event.location.code if event.location is not None else None,
        "details": event.details,
        "received_at": iso_time(event.received_at),
    }


def _content(row: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(row.get(name) for name in CONTENT_FIELDS)


def record_events(shipment: Shipment, events: list[TrackingEventInput]) -> IntakeResult:
    """Append new events ignoring known event ids, then re-derive the status
    after commit. Repeating an event id with the same content, within the batch or across
    batches, is a duplicate; with other content it is a conflict: EventConflict, nothing
    stored (the check runs after the insert, under the same transaction, so a concurrent
    sender cannot slip between them).

    A shipment that has not moved yet cannot be reported moving while a document on its
    checklist is not ready: the whole batch is refused (409 naming the documents).
    """
    now = timezone.now()
    rows: dict[str, dict[str, Any]] = {}
    conflicts: list[dict[str, Any]] = []
    for index, event in enumerate(events):
        row = {
            "shipment_id": shipment.pk,
            "event_id": event.event_id,
            "type": event.type,
            "classifier": event.classifier,
            "occurred_at": event.occurred_at,
            "location_id": event.location_id,
            "details": event.details or {},
            "received_at": now,
        }
        earlier = rows.get(event.event_id)
        if earlier is None:
            rows[event.event_id] = {**row, "index": index}
        elif _content(earlier) != _content(row):
            conflicts.append(
                {
                    "index": index,
                    "event_id": event.event_id,
                    "stored": None,
                    "same_as_index": earlier["index"],
                }
            )
    with transaction.atomic():
        assert_may_depart(shipment, events)
        inserted = insert_ignoring_duplicates(
            TrackingEvent,
            [{k: v for k, v in row.items() if k != "index"} for row in rows.values()],
            ["shipment", "event_id"],
        )
        if inserted < len(rows):
            stored = shipment.events.filter(event_id__in=list(rows)).select_related("location")
            for known in stored:
                sent = rows[known.event_id]
                if _content(sent) != (
                    known.type,
                    known.classifier,
                    known.occurred_at,
                    known.location_id,
                    known.details,
                ):
                    conflicts.append(
                        {
                            "index": sent["index"],
                            "event_id": known.event_id,
                            "stored": stored_event(known),
                            "same_as_index": None,
                        }
                    )
        if conflicts:
            raise EventConflict(sorted(conflicts, key=lambda c: c["index"]))
        from shipments.tasks import derive_shipment_status_task

        # Owed also when every event was a duplicate: a retry must not strand a derivation whose
        # first publish was lost. Durable: the outbox row commits with the events.
        derive_shipment_status_task.enqueue_durably(shipment.pk)
    return IntakeResult(accepted=inserted, duplicates=len(events) - inserted)


def _leg_for(legs: list[Leg], location_id: int | None, *, departing: bool) -> Leg | None:
    """The leg an actual departure/arrival at a place belongs to (first one not yet done)."""
    attr = "actual_departure" if departing else "actual_arrival"
    loc_attr = "from_location_id" if departing else "to_location_id"
    pending = [leg for leg in legs if getattr(leg, attr) is None]
    if location_id is not None:
        return next((leg for leg in pending if getattr(leg, loc_attr) == location_id), None)
    if not departing:
        # An arrival without a place ends the leg that has departed and not yet arrived.
        departed = [leg for leg in pending if leg.actual_departure is not None]
        if departed:
            return departed[0]
    return pending[0] if pending else None


@dataclass
class Derived:
    """What a replay of actual events concludes."""

    status: str
    actual_departure: dt.datetime | None
    actual_arrival: dt.datetime | None
    cause: TrackingEvent | None = None  # the event that set the status last


def replay(shipment: Shipment, legs: list[Leg], events: list[TrackingEvent]) -> Derived:
    """Replay actual events in event-time order from scratch; sets leg times in place (pure on the
    objects given, no queries). Replaying everything is what lets late events land correctly."""
    for each in legs:
        each.actual_departure = None
        each.actual_arrival = None
    status: str = ShipmentStatus.BOOKED
    departure: dt.datetime | None = None
    arrival: dt.datetime | None = None
    at_destination = False
    last_leg = legs[-1] if legs else None
    cause: TrackingEvent | None = None
    for event in events:
        if status == ShipmentStatus.DELIVERED:
            break  # delivery is final; later actual events do not move the cargo back
        at, loc = event.occurred_at, event.location_id
        leg: Leg | None
        if event.type == TrackingEventType.DEPARTED:
            leg = _leg_for(legs, loc, departing=True)
            if leg is not None:
                leg.actual_departure = at
            departure = departure or at
            at_destination = False
            status = ShipmentStatus.IN_TRANSIT
        elif event.type == TrackingEventType.ARRIVED:
            leg = _leg_for(legs, loc, departing=False)
            if leg is not None:
                leg.actual_arrival = at
            final = loc == shipment.destination_id if loc is not None else leg is last_leg
            if final:
                at_destination = True
                arrival = at
                status = ShipmentStatus.ARRIVED
            else:
                status = ShipmentStatus.IN_TRANSIT
        elif event.type == TrackingEventType.TRANSSHIPPED:
            inbound = _leg_for(legs, loc, departing=False) if loc is not None else None
            if inbound is not None:
                inbound.actual_arrival = at
            outbound = _leg_for(legs, loc, departing=True) if loc is not None else None
            if outbound is not None:
                outbound.actual_departure = at
            departure = departure or at
            status = ShipmentStatus.IN_TRANSIT
        elif event.type == TrackingEventType.BORDER_CROSSED:
            departure = departure or at
            status = ShipmentStatus.AT_BORDER
        elif event.type == TrackingEventType.CUSTOMS_HOLD:
            status = ShipmentStatus.CUSTOMS_HOLD
        elif event.type == TrackingEventType.CUSTOMS_RELEASED:
            status = ShipmentStatus.ARRIVED if at_destination else ShipmentStatus.IN_TRANSIT
        elif event.type == TrackingEventType.DELIVERED:
            if last_leg is not None and last_leg.actual_arrival is None:
                last_leg.actual_arrival = at
            arrival = arrival or at
            status = ShipmentStatus.DELIVERED
        elif event.type == TrackingEventType.EXCEPTION:
            status = ShipmentStatus.EXCEPTION
        # door_opened changes nothing about where the cargo is.
        if event.type != TrackingEventType.DOOR_OPENED:
            cause = event
    return Derived(status=status, actual_departure=departure, actual_arrival=arrival, cause=cause)


def estimated_arrival(shipment: Shipment, derived: Derived) -> dt.datetime | None:
    """Actual arrival once arrived; else the latest estimate of arrival at the destination; else
    the planned arrival."""
    if (
        derived.status in (ShipmentStatus.ARRIVED, ShipmentStatus.DELIVERED)
        and derived.actual_arrival
    ):
        return derived.actual_arrival
    estimate = (
        shipment.events.filter(
            Q(location__isnull=True) | Q(location_id=shipment.destination_id),
            classifier=EventClassifier.ESTIMATED,
            type__in=[TrackingEventType.ARRIVED, TrackingEventType.DELIVERED],
        )
        .order_by("-received_at", "-id")
        .values_list("occurred_at", flat=True)
        .first()
    )
    return estimate or shipment.planned_arrival


def publish_status_change(
    shipment: Shipment,
    old_status: str,
    cause: TrackingEvent | None,
    now: dt.datetime,
    reason: str | None = None,
) -> None:
    """The partner's `shipment.status_changed` webhooks go into the outbox in this transaction."""
    occurred_at = cause.occurred_at if cause is not None else now
    publish_event(
        WebhookEvent.SHIPMENT_STATUS_CHANGED,
        shipment.partner,
        {
            "reference": shipment.reference,
            "partner_reference": shipment.partner_reference,
            "status": shipment.status,
            "previous_status": old_status,
            "estimated_arrival": iso_time(shipment.estimated_arrival),
            "occurred_at": iso_time(occurred_at),
            "event_id": cause.event_id if cause is not None else None,
            "reason": reason,
        },
        source_key=(
            f"shipment:{shipment.reference}:status:{shipment.status}:"
            + (f"event:{cause.pk}" if cause is not None else f"at:{now.isoformat()}")
        ),
    )


@transaction.atomic
def derive_status(shipment_id: int, now: dt.datetime | None = None) -> str | None:
    """Recompute status, actual leg times and ETA of a shipment from all its events."""
    now = now or timezone.now()
    shipment = Shipment.objects.select_for_update().filter(pk=shipment_id).first()
    if shipment is None:
        return None
    old_status = shipment.status
    legs = list(shipment.legs.order_by("sequence"))
    cause: TrackingEvent | None = None
    if old_status != ShipmentStatus.CANCELLED:
        events = list(
            shipment.events.filter(classifier=EventClassifier.ACTUAL).order_by("occurred_at", "id")
        )
        derived = replay(shipment, legs, events)
        cause = derived.cause
        shipment.status = derived.status
        shipment.actual_departure = derived.actual_departure
        shipment.actual_arrival = derived.actual_arrival
        shipment.estimated_arrival = estimated_arrival(shipment, derived)
        Leg.objects.bulk_update(legs, ["actual_departure", "actual_arrival"])
        link_transit_events(shipment, events)
    eta = shipment.estimated_arrival
    shipment.is_overdue = shipment.status not in FINISHED_STATUSES and eta is not None and eta < now
    if shipment.status != old_status:
        # The event time of the event that moved it (staff read "in this status for …").
        shipment.status_since = cause.occurred_at if cause is not None else now
    shipment.save()
    refresh_conditions(shipment, now)
    if shipment.status != old_status:
        publish_status_change(shipment, old_status, cause, now)
    rescan_shipment(shipment.pk)
    return shipment.status
