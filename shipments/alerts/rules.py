"""Alert rules: each returns the conditions that hold now, as candidates with a dedup key.

Every rule reads only candidate rows through indexes: lots whose shelf life ends within the
largest threshold, lots and excursions of shipments still on their way (status index), shipments
on customs hold, declarations under control and opened transits past their deadline (partial
index on opened transits). Finished shipments are never read, so the cost
follows the cargo in flight, not the history kept.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import F, Max, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from declarations.choices import DeclarationEventType, DeclarationStatus
from declarations.models import Declaration
from declarations.selectors import overdue_transits
from shipments import reroute
from shipments.choices import (
    EventClassifier,
    ExcursionKind,
    ShipmentKind,
    ShipmentStatus,
    TrackingEventType,
)
from shipments.models import Excursion, Lot, Shipment
from shipments.shelf_life import HUMIDITY_KINDS
from tradehub.notifications.choices import Severity
from tradehub.reference.selectors import is_fresh_produce
from tradehub.times import iso_time, text_time

from .choices import AlertKind, AlertSubjectType

OPEN_STATUSES = [
    ShipmentStatus.BOOKED,
    ShipmentStatus.IN_TRANSIT,
    ShipmentStatus.AT_BORDER,
    ShipmentStatus.CUSTOMS_HOLD,
    ShipmentStatus.EXCEPTION,
]


@dataclass
class Candidate:
    """A condition that holds now and deserves an alert."""

    dedup_key: str
    kind: str
    severity: str
    subject_type: str
    subject_reference: str
    partner_id: int
    message: str
    shipment: Shipment | None = None
    lot: Lot | None = None
    declaration: Declaration | None = None
    threshold_hours: int | None = None
    details: dict[str, Any] = field(default_factory=dict)


def hours_left(moment: dt.datetime, now: dt.datetime) -> float:
    """Hours from now until `moment` (negative when past)."""
    return (moment - now).total_seconds() / 3600


def lot_reference(lot: Lot) -> str:
    """The public name of a lot: `<shipment reference>/<lot code>` (or its position)."""
    code = lot.lot_code
    if not code:
        position = Lot.objects.filter(shipment_id=lot.shipment_id, pk__lte=lot.pk).count()
        code = f"lot-{position}"
    return f"{lot.shipment.reference}/{code}"


def _lot_label(lot: Lot) -> str:
    return f"Lot {lot.lot_code or '(no code)'} of {lot.product.name} on {lot.shipment.reference}"


def _lot_candidate(lot: Lot, kind: str, key_suffix: str, message: str, **extra: Any) -> Candidate:
    """A candidate whose subject is a lot (the lot rules differ only in kind, key and message)."""
    return Candidate(
        dedup_key=f"{kind}:lot:{lot.pk}{key_suffix}",
        kind=kind,
        severity=Severity.HIGH,
        subject_type=AlertSubjectType.LOT,
        subject_reference=lot_reference(lot),
        partner_id=lot.shipment.partner_id,
        message=message,
        shipment=lot.shipment,
        lot=lot,
        **extra,
    )


def _open_lots(shipment_ids: Iterable[int] | None) -> QuerySet[Lot]:
    lots = Lot.objects.filter(shipment__status__in=OPEN_STATUSES).select_related(
        "shipment", "product", "shipment__destination", "shipment__origin__country"
    )
    if shipment_ids is not None:
        lots = lots.filter(shipment_id__in=list(shipment_ids))
    return lots


def _open_shipments(shipment_ids: Iterable[int] | None) -> QuerySet[Shipment]:
    shipments = Shipment.objects.filter(status__in=OPEN_STATUSES).select_related("destination")
    if shipment_ids is not None:
        shipments = shipments.filter(pk__in=list(shipment_ids))
    return shipments


def thresholds() -> list[int]:
    """Configured expiring-soon thresholds, largest first."""
    return sorted(
        {int(h) for h in settings.ALERT_EXPIRING_THRESHOLDS_HOURS if int(h) > 0}, reverse=True
    )


def expiring_soon(now: dt.datetime, shipment_ids: Iterable[int] | None = None) -> list[Candidate]:
    """Lots with remaining shelf life under a threshold (one alert per threshold crossed)."""
    limits = thresholds()
    if not limits:
        return []
    lots = _open_lots(shipment_ids).filter(
        shelf_life_ends_at__gt=now, shelf_life_ends_at__lte=now + dt.timedelta(hours=limits[0])
    )
    out = []
    for lot in lots.order_by("shelf_life_ends_at"):
        left = hours_left(lot.shelf_life_ends_at, now)
        for limit in limits:
            if left <= limit:
                # Every threshold crossed is a call to act on perishable cargo: high severity,
                # so mailed at once (one email per threshold and recipient).
                out.append(
                    _lot_candidate(
                        lot,
                        AlertKind.EXPIRING_SOON,
                        f":{limit}h",
                        f"{_lot_label(lot)} has {left:.1f} h of shelf life left "
                        f"(under the {limit} h threshold).",
                        threshold_hours=limit,
                    )
                )
    return out


def expires_before_arrival(
    now: dt.datetime, shipment_ids: Iterable[int] | None = None
) -> list[Candidate]:
    """Lots whose shelf life runs out before the estimated arrival plus the safety margin."""
    margin = dt.timedelta(hours=settings.ALERT_ARRIVAL_MARGIN_HOURS)
    lots = (
        _open_lots(shipment_ids)
        .filter(shelf_life_ends_at__gt=now)
        .annotate(arrival=Coalesce("shipment__estimated_arrival", "shipment__planned_arrival"))
        .filter(arrival__isnull=False, shelf_life_ends_at__lt=F("arrival") + margin)
    )
    out = []
    for lot in lots.order_by("shelf_life_ends_at"):
        arrival = lot.arrival  # type: ignore[attr-defined]
        short = hours_left(arrival + margin, lot.shelf_life_ends_at)
        advice = reroute.advise(lot, now)
        where = (
            f" Options: GET /api/v1/lots/{lot.lot_code}/reroute-options/"
            f"?shipment={lot.shipment.reference}"
            if lot.lot_code
            else ""
        )
        out.append(
            _lot_candidate(
                lot,
                AlertKind.EXPIRES_BEFORE_ARRIVAL,
                "",
                f"{_lot_label(lot)} runs out at {text_time(lot.shelf_life_ends_at)}, "
                f"{short:.1f} h short of the arrival ({text_time(arrival)}) plus the "
                f"{settings.ALERT_ARRIVAL_MARGIN_HOURS} h margin: re-route or sell early. "
                f"Re-route advice: {advice.summary}{where}",
                details={
                    "arrival": iso_time(arrival),
                    "reroute_options": [
                        {
                            "destination": o.destination.code,
                            "mode": o.mode,
                            "remaining_at_arrival_hours": round(o.remaining_at_arrival_hours, 1),
                            "procedure": o.procedure,
                        }
                        for o in advice.reachable[:3]
                    ],
                },
            )
        )
    return out


def expired(now: dt.datetime, shipment_ids: Iterable[int] | None = None) -> list[Candidate]:
    """Lots of shipments still on their way whose shelf life has run out."""
    return [
        _lot_candidate(
            lot,
            AlertKind.EXPIRED,
            "",
            f"{_lot_label(lot)} has expired "
            f"({-hours_left(lot.shelf_life_ends_at, now):.1f} h ago).",
        )
        for lot in _open_lots(shipment_ids).filter(shelf_life_ends_at__lte=now).order_by("id")
    ]


def temperature_excursion(
    now: dt.datetime, shipment_ids: Iterable[int] | None = None
) -> list[Candidate]:
    """Unacknowledged temperature excursions on shipments still on their way."""
    excursions = Excursion.objects.filter(
        acknowledged=False, shipment__status__in=OPEN_STATUSES
    ).select_related("shipment", "shipment__destination", "lot", "lot__product", "product")
    if shipment_ids is not None:
        excursions = excursions.filter(shipment_id__in=list(shipment_ids))
    out = []
    for exc in excursions.order_by("id"):
        severe = exc.kind in (ExcursionKind.FREEZING, ExcursionKind.CHILLING)
        product = exc.product.name if exc.product else "cargo"
        state = "ongoing" if exc.ended_at is None else f"ended {text_time(exc.ended_at)}"
        lot = exc.lot
        if lot is not None:
            lot.shipment = exc.shipment
        # Humidity excursions hold % RH in peak_c and degree_hours (one vocabulary, two units).
        humidity = exc.kind in HUMIDITY_KINDS
        what, unit = ("humidity excursion", "% RH") if humidity else ("temperature excursion", "°C")
        out.append(
            Candidate(
                dedup_key=f"{AlertKind.TEMPERATURE_EXCURSION}:excursion:{exc.pk}",
                kind=AlertKind.TEMPERATURE_EXCURSION,
                severity=Severity.HIGH if severe else Severity.MEDIUM,
                subject_type=AlertSubjectType.LOT if lot else AlertSubjectType.SHIPMENT,
                subject_reference=lot_reference(lot) if lot else exc.shipment.reference,
                partner_id=exc.shipment.partner_id,
                message=f"{exc.get_kind_display()} {what} for {product} on "
                f"{exc.shipment.reference} since {text_time(exc.started_at)} ({state}): "
                f"peak {exc.peak_c:.1f} {unit}, {exc.degree_hours:.1f} {unit}·h.",
                shipment=exc.shipment,
                lot=lot,
                details={"excursion_kind": exc.kind, "peak_c": exc.peak_c},
            )
        )
    return out


def customs_hold_overdue(
    now: dt.datetime, shipment_ids: Iterable[int] | None = None
) -> list[Candidate]:
    """Shipments on customs hold, and perishable declarations under control, for too long."""
    limit = dt.timedelta(hours=settings.ALERT_CUSTOMS_HOLD_HOURS)
    out = []
    shipments = (
        _open_shipments(shipment_ids)
        .filter(status=ShipmentStatus.CUSTOMS_HOLD)
        .annotate(
            hold_since=Max(
                "events__occurred_at",
                filter=Q(
                    events__type=TrackingEventType.CUSTOMS_HOLD,
                    events__classifier=EventClassifier.ACTUAL,
                ),
            )
        )
    )
    for shipment in shipments.order_by("id"):
        since = shipment.hold_since or shipment.updated_at  # type: ignore[attr-defined]
        if now - since <= limit:
            continue
        out.append(
            Candidate(
                dedup_key=f"{AlertKind.CUSTOMS_HOLD_OVERDUE}:shipment:{shipment.pk}",
                kind=AlertKind.CUSTOMS_HOLD_OVERDUE,
                severity=Severity.HIGH,
                subject_type=AlertSubjectType.SHIPMENT,
                subject_reference=shipment.reference,
                partner_id=shipment.partner_id,
                message=f"Shipment {shipment.reference} has been on customs hold for "
                f"{hours_left(now, since):.1f} h (limit {settings.ALERT_CUSTOMS_HOLD_HOURS} h).",
                shipment=shipment,
                details={"hold_since": iso_time(since)},
            )
        )
    if shipment_ids is not None:
        return out
    declarations = Declaration.objects.filter(status=DeclarationStatus.UNDER_CONTROL).annotate(
        control_since=Max(
            "events__occurred_at", filter=Q(events__type=DeclarationEventType.UNDER_CONTROL)
        )
    )
    for declaration in declarations.prefetch_related("goods_items").order_by("id"):
        codes = [item.commodity_code for item in declaration.goods_items.all()]
        if not _perishable(codes, now):
            continue
        since = (
            declaration.control_since  # type: ignore[attr-defined]
            or declaration.accepted_at
            or declaration.updated_at
        )
        if now - since <= limit:
            continue
        out.append(
            Candidate(
                dedup_key=f"{AlertKind.CUSTOMS_HOLD_OVERDUE}:declaration:{declaration.pk}",
                kind=AlertKind.CUSTOMS_HOLD_OVERDUE,
                severity=Severity.HIGH,
                subject_type=AlertSubjectType.DECLARATION,
                subject_reference=declaration.reference,
                partner_id=declaration.partner_id,
                message=f"Declaration {declaration.reference} (LRN {declaration.lrn}) with fresh "
                f"produce has been under customs control for {hours_left(now, since):.1f} h "
                f"(limit {settings.ALERT_CUSTOMS_HOLD_HOURS} h).",
                declaration=declaration,
                details={"control_since": iso_time(since)},
            )
        )
    return out


def arrival_late(now: dt.datetime, shipment_ids: Iterable[int] | None = None) -> list[Candidate]:
    """Shipments past their estimated arrival, or whose estimate slipped beyond the plan."""
    margin = dt.timedelta(hours=settings.ALERT_ARRIVAL_MARGIN_HOURS)
    shipments = _open_shipments(shipment_ids).filter(
        Q(estimated_arrival__lt=now)
        | Q(estimated_arrival__isnull=True, planned_arrival__lt=now)
        | Q(estimated_arrival__gt=F("planned_arrival") + margin)
    )
    out = []
    for shipment in shipments.order_by("id"):
        eta = shipment.estimated_arrival or shipment.planned_arrival
        assert eta is not None
        if eta < now:
            why = f"was due {text_time(eta)} and has not arrived"
        else:
            assert shipment.planned_arrival is not None
            slip = hours_left(eta, shipment.planned_arrival)
            why = f"is estimated {slip:.1f} h after its planned arrival"
        out.append(
            Candidate(
                dedup_key=f"{AlertKind.ARRIVAL_LATE}:shipment:{shipment.pk}",
                kind=AlertKind.ARRIVAL_LATE,
                severity=Severity.MEDIUM,
                subject_type=AlertSubjectType.SHIPMENT,
                subject_reference=shipment.reference,
                partner_id=shipment.partner_id,
                message=f"Shipment {shipment.reference} to {shipment.destination.code} {why}.",
                shipment=shipment,
            )
        )
    return out


# An overdue transit of perishable goods is urgent (they rot while the goods are held); other
# goods can wait for the digest.
TRANSIT_OVERDUE_SEVERITY = {True: Severity.HIGH, False: Severity.MEDIUM}


def _perishable(codes: Iterable[str], now: dt.datetime) -> bool:
    """Whether any of the goods is fresh produce (`tradehub.reference.selectors.is_fresh_produce`)."""
    day = timezone.localdate(now)
    return any(is_fresh_produce(code, day) for code in codes)


def transit_overdue(now: dt.datetime, shipment_ids: Iterable[int] | None = None) -> list[Candidate]:
    """Opened transits past their delivery deadline: the goods have not been presented at the
    office of destination in time (high for perishables). Linked to the inbound shipment."""
    transits = overdue_transits(now).prefetch_related("declaration__goods_items")
    if shipment_ids is not None:
        transits = transits.filter(declaration__shipments__in=list(shipment_ids)).distinct()
    out = []
    for transit in transits.order_by("delivery_deadline", "id"):
        declaration = transit.declaration
        deadline = transit.delivery_deadline
        assert deadline is not None
        codes = [item.commodity_code for item in declaration.goods_items.all()]
        inbound = (
            Shipment.objects.filter(declaration=declaration, kind=ShipmentKind.INBOUND)
            .select_related("destination")
            .order_by("id")
            .first()
        )
        out.append(
            Candidate(
                dedup_key=f"{AlertKind.TRANSIT_OVERDUE}:declaration:{declaration.pk}",
                kind=AlertKind.TRANSIT_OVERDUE,
                severity=TRANSIT_OVERDUE_SEVERITY[_perishable(codes, now)],
                subject_type=AlertSubjectType.DECLARATION,
                subject_reference=declaration.reference,
                partner_id=declaration.partner_id,
                message=f"Transit {declaration.number or declaration.reference} from "
                f"{declaration.office.code} to {transit.destination_office.code} was due "
                f"{text_time(deadline)} and the goods have not been presented "
                f"({hours_left(now, deadline):.1f} h overdue).",
                shipment=inbound,
                declaration=declaration,
                details={"delivery_deadline": iso_time(deadline)},
            )
        )
    return out


RULES = {
    AlertKind.EXPIRING_SOON: expiring_soon,
    AlertKind.EXPIRES_BEFORE_ARRIVAL: expires_before_arrival,
    AlertKind.EXPIRED: expired,
    AlertKind.TEMPERATURE_EXCURSION: temperature_excursion,
    AlertKind.CUSTOMS_HOLD_OVERDUE: customs_hold_overdue,
    AlertKind.ARRIVAL_LATE: arrival_late,
    AlertKind.TRANSIT_OVERDUE: transit_overdue,
}
