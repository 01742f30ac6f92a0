"""Re-route advice: where a lot that will not arrive sellable could still go (advice only).

For a lot, the candidates are the destinations its partner already ships to (destinations of the
partner's shipments) that have a known lead time from the lot's shipment origin: the median
door-to-door time of delivered shipments of that origin, destination and mode where any were
delivered in the last year, else the `LeadTime` table (planning figures with their sources,
`data/lead_times.json`, editable in the admin). The lot is assumed to leave now (or at its actual departure, if it has left)
and to be kept at its optimum on the way; an option is reachable when shelf life is left at arrival.
Options are ranked by the shelf life left at arrival, each with the onward customs procedure and
documents the route data requires (`tradehub.reference.selectors.onward_route`). Nothing moves: a
person decides and re-books.
"""

import datetime as dt
import json
import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.db.models import F

from shipments.choices import ShipmentStatus
from shipments.models import LeadTime, Lot, Shipment
from shipments.services.shelf import remaining_hours, shipment_arrival
from tradehub.reference.choices import LegMode
from tradehub.reference.models import Location
from tradehub.reference.selectors import onward_route

LEAD_TIME_TABLE = Path(__file__).resolve().parent / "data" / "lead_times.json"
# Delivered shipments count as lead-time observations for this many days after arrival.
OBSERVED_LEAD_TIME_DAYS = 365


@dataclass(frozen=True)
class KnownLeadTime:
    """A lead time and where it comes from."""

    hours: float
    source: str
    observed: int = 0


@dataclass(frozen=True)
class RerouteOption:
    """One destination the lot could go to instead."""

    destination: Location
    mode: str
    lead_time: KnownLeadTime
    arrival_at: dt.datetime
    remaining_at_arrival_hours: float
    procedure: str
    documents: tuple[str, ...]
    transit_countries: tuple[str, ...]

    @property
    def reachable(self) -> bool:
        return self.remaining_at_arrival_hours > 0


@dataclass(frozen=True)
class RerouteAdvice:
    """The advice for one lot."""

    lot: Lot
    remaining_shelf_life_hours: float
    planned_arrival: dt.datetime | None
    expires_before_arrival: bool
    options: list[RerouteOption] = field(default_factory=list)

    @property
    def reachable(self) -> list[RerouteOption]:
        return [o for o in self.options if o.reachable]

    @property
    def summary(self) -> str:
        best = self.reachable[:3]
        if not best:
            return "No known destination can be reached with shelf life left: sell locally."
        listing = "; ".join(
            f"{o.destination.code} ({o.destination.name}) by {o.mode}, "
            f"{o.remaining_at_arrival_hours:.0f} h left at arrival"
            for o in best
        )
        return f"Could still reach sellable: {listing}."


def observed_lead_times(
    origin: Location, since: dt.datetime, destinations: Iterable[int] | None = None
) -> dict[tuple[int, str], KnownLeadTime]:
    """Median door-to-door hours of shipments from `origin` delivered since `since`, per
    (destination, first-leg mode); only `destinations` when given. Older deliveries are left out:
    lead times drift, and the scan stays bounded by a window of deliveries, not all history."""
    rows = Shipment.objects.filter(
        origin=origin,
        status__in=[ShipmentStatus.DELIVERED, ShipmentStatus.ARRIVED],
        actual_departure__isnull=False,
        actual_arrival__gte=since,
        actual_arrival__gt=F("actual_departure"),
        legs__sequence=1,
    )
    if destinations is not None:
        rows = rows.filter(destination_id__in=list(destinations))
    durations: dict[tuple[int, str], list[float]] = defaultdict(list)
    for destination, mode, departed, arrived in rows.values_list(
        "destination_id", "legs__mode", "actual_departure", "actual_arrival"
    ).order_by():
        if departed is not None and arrived is not None:
            hours = (arrived - departed).total_seconds() / 3600.0
            durations[(destination, mode)].append(hours)
    return {
        key: KnownLeadTime(
            statistics.median(values),
            f"median of {len(values)} delivered shipment(s)",
            observed=len(values),
        )
        for key, values in durations.items()
    }


def known_lead_times(
    origin: Location, now: dt.datetime, destinations: Iterable[int] | None = None
) -> dict[tuple[int, str], KnownLeadTime]:
    """(destination, mode) -> lead time from `origin`: observed where delivered within
    `OBSERVED_LEAD_TIME_DAYS`, else the table."""
    table = LeadTime.objects.filter(origin=origin)
    if destinations is not None:
        destinations = set(destinations)
        table = table.filter(destination_id__in=destinations)
    known = {(lt.destination_id, lt.mode): KnownLeadTime(lt.hours, lt.source) for lt in table}
    since = now - dt.timedelta(days=OBSERVED_LEAD_TIME_DAYS)
    known.update(observed_lead_times(origin, since, destinations))
    return known


def advise(lot: Lot, now: dt.datetime) -> RerouteAdvice:
    """Re-route options for a lot, ranked by the shelf life left at arrival (best first)."""
    shipment = lot.shipment
    left = remaining_hours(lot, now)
    arrival = shipment_arrival(shipment)
    start = max(now, shipment.actual_departure or now)
    partner_destinations = set(
        Shipment.objects.filter(partner_id=shipment.partner_id)
        .exclude(destination_id=shipment.origin_id)
        .values_list("destination_id", flat=True)
        .distinct()
        .order_by()
    )
    leads = known_lead_times(shipment.origin, now, partner_destinations)
    places = Location.objects.select_related("country").in_bulk({d for d, _ in leads})
    options = []
    for (destination_id, mode), lead in leads.items():
        destination = places[destination_id]
        arrival_at = start + dt.timedelta(hours=lead.hours)
        spent = (arrival_at - now).total_seconds() / 3600.0
        route = onward_route(
            shipment.origin.country.code, destination.country.code, now.date(), mode
        )
        options.append(
            RerouteOption(
                destination=destination,
                mode=mode,
                lead_time=lead,
                arrival_at=arrival_at,
                remaining_at_arrival_hours=left - spent,
                procedure=route.procedure if route else "",
                documents=tuple(d.type for d in route.documents) if route else (),
                transit_countries=route.transit_countries if route else (),
            )
        )
    options.sort(key=lambda o: (-o.remaining_at_arrival_hours, o.destination.code, o.mode))
    return RerouteAdvice(
        lot=lot,
        remaining_shelf_life_hours=left,
        planned_arrival=arrival,
        expires_before_arrival=arrival is not None and lot.shelf_life_ends_at < arrival,
        options=options,
    )


@transaction.atomic
def load_lead_times(path: Path = LEAD_TIME_TABLE) -> int:
    """Create the seeded lead times whose places exist (never overwrites staff edits); returns created."""
    created = 0
    for row in json.loads(path.read_text(encoding="utf-8")):
        places = dict(
            Location.objects.filter(code__in=[row["origin"], row["destination"]]).values_list(
                "code", "pk"
            )
        )
        if len(places) < 2 or row["mode"] not in LegMode.values:
            continue
        _, was_created = LeadTime.objects.get_or_create(
            origin_id=places[row["origin"]],
            destination_id=places[row["destination"]],
            mode=row["mode"],
            defaults={"hours": row["hours"], "source": row["source"]},
        )
        created += was_created
    return created
