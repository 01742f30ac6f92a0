"""Corrections and cancellation of a booked shipment, each kept as a version of its history.

A shipment can be corrected (planned times, set-point, legs, lots) and cancelled only while it is
`booked`: once an actual movement event moved it on, what happened is history and a 409 says so.
Both run under the locks of distribution (the declaration row, then its goods items in id order),
so a concurrent distribution never counts a drawing that is being changed or given back. The
state before each change is kept as a ShipmentVersion; the partner hears of it by webhook
(`shipment.changed`, and `shipment.status_changed` for a cancellation).
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from declarations import services as declaration_services
from declarations.choices import DeclarationStatus
from declarations.exceptions import AllocationExceeded
from declarations.models import Declaration
from declarations.services import Quantity
from declarations.services.allocation import lock_goods_items
from shipments.alerts.services import rescan_shipment
from shipments.choices import ShipmentChange, ShipmentKind, ShipmentStatus
from shipments.exceptions import ShipmentConflict, ShipmentInvalid
from shipments.models import Leg, Lot, Shipment, ShipmentVersion
from tradehub.inputs import UNSET
from tradehub.notifications.choices import WebhookEvent
from tradehub.notifications.services import publish_event
from tradehub.times import iso_time

from .shipments import LegInput, LotInput, _build_lot
from .tracking import derive_status, publish_status_change

CORRECTABLE_FIELDS = ("planned_departure", "planned_arrival", "setpoint_c")


@dataclass(frozen=True, kw_only=True)
class ShipmentCorrection:
    """What a PATCH changes: the fields given (not UNSET); legs/lots replace all when given."""

    planned_departure: dt.datetime | None = UNSET
    planned_arrival: dt.datetime | None = UNSET
    setpoint_c: float | None = UNSET
    legs: list[LegInput] | None = None
    lots: list[LotInput] | None = None

    def fields(self) -> dict[str, Any]:
        """The correctable fields given, by name."""
        return {
            name: getattr(self, name)
            for name in CORRECTABLE_FIELDS
            if getattr(self, name) is not UNSET
        }


def snapshot(shipment: Shipment) -> dict[str, Any]:
    """The correctable state of a shipment as plain JSON (what a version keeps)."""
    return {
        "version": shipment.version,
        "status": shipment.status,
        "planned_departure": iso_time(shipment.planned_departure),
        "planned_arrival": iso_time(shipment.planned_arrival),
        "estimated_arrival": iso_time(shipment.estimated_arrival),
        "setpoint_c": shipment.setpoint_c,
        "legs": [
            {
                "sequence": leg.sequence,
                "mode": leg.mode,
                "from": leg.from_location.code,
                "to": leg.to_location.code,
                "planned_departure": iso_time(leg.planned_departure),
                "planned_arrival": iso_time(leg.planned_arrival),
                "vehicle": leg.vehicle,
                "container": leg.container,
            }
            for leg in shipment.legs.select_related("from_location", "to_location").order_by(
                "sequence"
            )
        ],
        "lots": [
            {
                "product": lot.product.code,
                "lot_code": lot.lot_code,
                "net_kg": str(lot.net_kg),
                "packages": lot.packages,
                "packed_on": lot.packed_on.isoformat(),
                "goods_item": lot.goods_item.sequence if lot.goods_item else None,
            }
            for lot in shipment.lots.select_related("product", "goods_item").order_by("id")
        ],
    }


def assert_booked(shipment: Shipment, doing: str) -> None:
    """409 naming why, unless the shipment is still booked."""
    if shipment.status == ShipmentStatus.BOOKED:
        return
    if shipment.status == ShipmentStatus.CANCELLED:
        why = "it was cancelled"
    elif shipment.actual_departure is not None:
        why = f"it departed at {iso_time(shipment.actual_departure)} and is {shipment.status}"
    else:
        why = f"it is {shipment.status} (reported by its tracking events)"
    detail = (
        f"Shipment {shipment.reference} cannot be {doing}: {why}. Only a booked shipment "
        f"(not departed yet) can be {doing}."
    )
    raise ShipmentConflict(
        detail,
        code="shipment_not_booked",
        errors=[{"pointer": "/", "code": "shipment_not_booked", "detail": detail}],
        status=shipment.status,
        actual_departure=iso_time(shipment.actual_departure),
    )


def _lock_shipment(shipment: Shipment) -> Shipment:
    return Shipment.objects.select_for_update(of=("self",)).get(pk=shipment.pk)


def _lock_declaration(shipment: Shipment) -> Declaration | None:
    """The declaration whose goods a regional shipment draws on, locked as distribution locks it."""
    if shipment.kind != ShipmentKind.DISTRIBUTION or shipment.declaration_id is None:
        return None
    return Declaration.objects.select_for_update(of=("self",)).get(pk=shipment.declaration_id)


def _keep_version(
    shipment: Shipment, change: str, changed: list[str], actor: str, reason: str = ""
) -> ShipmentVersion:
    version = ShipmentVersion.objects.create(
        shipment=shipment,
        version=shipment.version,
        change=change,
        changed_fields=changed,
        reason=reason,
        actor=actor[:200],
        snapshot=snapshot(shipment),
    )
    shipment.version += 1
    return version


def _same_lot(lot: Lot, data: LotInput) -> bool:
    """Whether a requested lot is an existing one (a lot code or packed date left out match any)."""
    return (
        lot.product_id == data.product.pk
        and lot.goods_item_id == (data.goods_item.pk if data.goods_item else None)
        and (not data.lot_code or lot.lot_code == data.lot_code)
        and (data.packed_on is None or lot.packed_on == data.packed_on)
    )


def _replace_lots(shipment: Shipment, lots: list[LotInput], now: dt.datetime) -> None:
    """Lots matching an existing one (product, goods item, lot code, packed date) keep their
    shelf-life history and alerts with the new quantities; the others are new; the rest go."""
    remaining = list(shipment.lots.order_by("id"))
    kept: list[Lot] = []
    new: list[Lot] = []
    for data in lots:
        match = next((lot for lot in remaining if _same_lot(lot, data)), None)
        if match is None:
            new.append(_build_lot(shipment, data, now))
            continue
        remaining.remove(match)
        match.net_kg, match.packages, match.updated_at = data.net_kg, data.packages, now
        kept.append(match)
    Lot.objects.filter(pk__in=[lot.pk for lot in remaining]).delete()
    Lot.objects.bulk_update(kept, ["net_kg", "packages", "updated_at"])
    Lot.objects.bulk_create(new)


def _replace_legs(shipment: Shipment, legs: list[LegInput]) -> None:
    shipment.legs.all().delete()
    Leg.objects.bulk_create(
        Leg(
            shipment=shipment,
            sequence=leg.sequence,
            mode=leg.mode,
            from_location=leg.from_location,
            to_location=leg.to_location,
            planned_departure=leg.planned_departure,
            planned_arrival=leg.planned_arrival,
            vehicle=leg.vehicle,
            container=leg.container,
        )
        for leg in legs
    )


def _check_allocation(shipment: Shipment, before: set[int]) -> None:
    """After the lots changed: every goods item drawn on before or now stays within what was
    declared (locks in id order, drawings summed after the lock, this shipment's new lots
    included). 409 with what remains otherwise."""
    now_drawn = set(shipment.lots.exclude(goods_item=None).values_list("goods_item_id", flat=True))
    touched = {pk: Quantity() for pk in sorted(before | now_drawn)}
    try:
        declaration_services.lock_and_check_allocation(touched)
    except AllocationExceeded as exc:
        raise AllocationExceeded(exc.remaining, pointer="/lots") from exc


def _publish_changed(shipment: Shipment, version: ShipmentVersion, now: dt.datetime) -> None:
    """`shipment.changed` to the partner's webhooks, in this transaction (outbox)."""
    publish_event(
        WebhookEvent.SHIPMENT_CHANGED,
        shipment.partner,
        {
            "reference": shipment.reference,
            "partner_reference": shipment.partner_reference,
            "change": version.change,
            "version": shipment.version,
            "changed_fields": version.changed_fields,
            "status": shipment.status,
            "planned_departure": iso_time(shipment.planned_departure),
            "planned_arrival": iso_time(shipment.planned_arrival),
            "estimated_arrival": iso_time(shipment.estimated_arrival),
            "setpoint_c": shipment.setpoint_c,
            "reason": version.reason or None,
            "occurred_at": iso_time(now),
        },
        source_key=f"shipment:{shipment.reference}:version:{shipment.version}",
    )


@transaction.atomic
def correct_shipment(shipment: Shipment, change: ShipmentCorrection, *, actor: str) -> Shipment:
    """Correct a booked shipment's planned times, set-point, legs or lots as one new version."""
    shipment = _lock_shipment(shipment)
    assert_booked(shipment, "corrected")
    declaration = _lock_declaration(shipment) if change.lots is not None else None
    onward = shipment.onward_declaration
    if change.lots is not None and onward is not None:
        detail = (
            f"The lots of shipment {shipment.reference} are the goods of its onward declaration "
            f"{onward.reference}: change that declaration instead."
        )
        raise ShipmentConflict(
            detail,
            code="lots_follow_declaration",
            errors=[{"pointer": "/lots", "code": "lots_follow_declaration", "detail": detail}],
            declaration=onward.reference,
        )
    values = change.fields()
    start = values.get("planned_departure", shipment.planned_departure)
    end = values.get("planned_arrival", shipment.planned_arrival)
    if start and end and end < start:
        detail = "planned_arrival must not be before planned_departure."
        raise ShipmentInvalid(
            [
                {
                    "pointer": "/planned_arrival",
                    "code": "invalid",
                    "detail": "Must not be before planned_departure.",
                }
            ],
            detail,
        )
    changed = [name for name, value in values.items() if getattr(shipment, name) != value]
    if change.legs is not None:
        changed.append("legs")
    if change.lots is not None:
        changed.append("lots")
    now = timezone.now()
    version = _keep_version(shipment, ShipmentChange.CORRECTED, changed, actor)
    follows_plan = shipment.estimated_arrival == shipment.planned_arrival
    for name, value in values.items():
        setattr(shipment, name, value)
    if "planned_arrival" in values and follows_plan:
        shipment.estimated_arrival = values["planned_arrival"]
    shipment.save()
    if change.legs is not None:
        _replace_legs(shipment, change.legs)
    if change.lots is not None:
        before = set(shipment.lots.exclude(goods_item=None).values_list("goods_item_id", flat=True))
        _replace_lots(shipment, change.lots, now)
        if declaration is not None:
            _check_allocation(shipment, before)
            declaration_services.sync_distribution_status(declaration, actor=actor)
    derive_status(shipment.pk, now)  # the estimate, lateness and lot conditions follow the plan
    shipment.refresh_from_db()
    _publish_changed(shipment, version, now)
    return shipment


@transaction.atomic
def cancel_shipment(shipment: Shipment, *, reason: str, actor: str) -> Shipment:
    """Cancel a booked shipment: its lots give their allocation back to the declaration (under
    the locks of distribution), a draft onward declaration drawn for it is withdrawn, and the
    partner hears `shipment.status_changed`."""
    shipment = _lock_shipment(shipment)
    assert_booked(shipment, "cancelled")
    declaration = _lock_declaration(shipment)
    if declaration is not None:
        # The goods items whose allocation comes back, locked as distribution locks them.
        drawn = shipment.lots.exclude(goods_item=None).values_list("goods_item_id", flat=True)
        lock_goods_items(set(drawn))
    now = timezone.now()
    old_status = shipment.status
    version = _keep_version(shipment, ShipmentChange.CANCELLED, ["status"], actor, reason)
    shipment.status = ShipmentStatus.CANCELLED
    shipment.is_overdue = False
    shipment.save()
    onward = shipment.onward_declaration
    if onward is not None and onward.status == DeclarationStatus.DRAFT:
        declaration_services.request_cancellation(
            onward, reason=f"Shipment {shipment.reference} cancelled. {reason}".strip(), actor=actor
        )
    if declaration is not None:
        declaration_services.sync_distribution_status(declaration, actor=actor)
    publish_status_change(shipment, old_status, None, now, reason=reason or "cancelled")
    _publish_changed(shipment, version, now)
    rescan_shipment(shipment.pk)
    return shipment
