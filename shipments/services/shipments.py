"""Creating shipments with their legs and lots, and the allocation rule shared with distribution."""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import QuerySet, Sum
from django.utils import timezone

from declarations import services as declaration_services
from declarations.models import Declaration, GoodsItem
from declarations.services import Quantity
from shipments import shelf_life
from shipments.cargo import static_expiry
from shipments.choices import ShipmentKind, ShipmentStatus
from shipments.models import Leg, Lot, Product, Shipment
from tradehub.prepared_queries import RowsByIds
from tradehub.reference.models import Location
from tradehub.reference.selectors import onward_formalities

from .shelf import apply_state, shipment_arrival, with_field_heat


@dataclass
class LegInput:
    """One leg to create."""

    sequence: int
    mode: str
    from_location: Location
    to_location: Location
    planned_departure: dt.datetime | None = None
    planned_arrival: dt.datetime | None = None
    vehicle: str = ""
    container: str = ""


@dataclass
class LotInput:
    """One lot to create; `goods_item` is resolved by the caller from the declaration."""

    product: Product
    net_kg: Decimal
    packages: int = 0
    lot_code: str = ""
    packed_on: dt.date | None = None
    goods_item: GoodsItem | None = None
    harvested_at: dt.datetime | None = None
    precooled_at: dt.datetime | None = None
    field_temp_c: float | None = None


@dataclass
class ShipmentInput:
    """A shipment to create."""

    kind: str
    origin: Location
    destination: Location
    partner_reference: str = ""
    declaration: Declaration | None = None
    setpoint_c: float | None = None
    package_kind: str = "pallet_cartons"
    planned_departure: dt.datetime | None = None
    planned_arrival: dt.datetime | None = None
    consignee: dict[str, Any] = field(default_factory=dict)
    onward_formalities: str | None = None
    onward_route: dict[str, Any] = field(default_factory=dict)
    onward_declaration: Declaration | None = None
    legs: list[LegInput] = field(default_factory=list)
    lots: list[LotInput] = field(default_factory=list)


def allocated_quantities(goods_items: list[GoodsItem]) -> dict[int, tuple[Decimal, int]]:
    """Net kg and packages already allocated to distribution shipments, per goods item id.

    Lots of inbound or direct shipments carry the declared goods themselves and do not count;
    cancelled shipments free their allocation.
    """
    return {
        item_id: (quantity.net_kg, quantity.packages)
        for item_id, quantity in lot_drawings([item.pk for item in goods_items]).items()
    }


def _lot_drawing_rows(item_ids: list[int]) -> QuerySet[Lot, tuple[Any, ...]]:
    # No ordering: a default one would be compiled and dropped.
    return (
        Lot.objects.filter(goods_item_id__in=item_ids, shipment__kind=ShipmentKind.DISTRIBUTION)
        .exclude(shipment__status=ShipmentStatus.CANCELLED)
        .order_by()
        .values("goods_item")
        .annotate(kg=Sum("net_kg"), packages=Sum("packages"))
        .values_list("goods_item", "kg", "packages")
    )


# Every distribution summary (each declaration list and detail) reads these drawings.
_LOT_DRAWINGS = RowsByIds(_lot_drawing_rows)


def lot_drawings(item_ids: list[int]) -> dict[int, Quantity]:
    """What the lots of regional shipments draw on each goods item (the shipments app's share of
    the declarations' allocation invariant, registered in apps.py)."""
    return {
        item_id: Quantity(kg or Decimal("0"), packages or 0)
        for item_id, kg, packages in _LOT_DRAWINGS.rows(item_ids)
    }


def lock_and_check_allocation(declaration: Declaration, lots: list[LotInput]) -> list[GoodsItem]:
    """Lock the goods items the lots draw on and make sure none ends up over-allocated.

    The one mechanism of `declarations.services.lock_and_check_allocation` (row locks in id
    order, every drawing summed after the lock: child declarations and regional lots alike).
    Raises AllocationExceeded (the API answers 409) with what remains of each over-allocated item.
    """
    requested: dict[int, Quantity] = {}
    for lot in lots:
        if lot.goods_item is not None:
            requested[lot.goods_item.pk] = requested.get(lot.goods_item.pk, Quantity()) + Quantity(
                lot.net_kg, lot.packages
            )
    return declaration_services.lock_and_check_allocation(requested)


def _inbound_lot(goods_item: GoodsItem | None) -> Lot | None:
    """The lot that carried a goods item into Almaty, whose shelf-life history a split inherits.

    Goods drawn from a stock (a release or re-export of a warehouse item, a warehouse item of a
    transit) came in on the lot of the item they were drawn from: follow the chain back.
    """
    seen: set[int] = set()
    while goods_item is not None and goods_item.pk not in seen:
        seen.add(goods_item.pk)
        lot = (
            Lot.objects.filter(goods_item=goods_item)
            .exclude(shipment__kind=ShipmentKind.DISTRIBUTION)
            .order_by("id")
            .first()
        )
        if lot is not None:
            return lot
        goods_item = goods_item.source_item
    return None


def _build_lot(shipment: Shipment, data: LotInput, now: dt.datetime) -> Lot:
    inbound = _inbound_lot(data.goods_item)
    packed_on = data.packed_on or (inbound.packed_on if inbound else None) or now.date()
    lot = Lot(
        shipment=shipment,
        product=data.product,
        lot_code=data.lot_code or (inbound.lot_code if inbound else ""),
        net_kg=data.net_kg,
        packages=data.packages,
        packed_on=packed_on,
        goods_item=data.goods_item,
        expires_at=static_expiry(packed_on, data.product.storage_life_days),
        harvested_at=data.harvested_at,
        precooled_at=data.precooled_at,
        field_temp_c=data.field_temp_c,
    )
    # A split of an inbound lot of the same product keeps the temperature history it already had.
    state = shelf_life.LotState()
    if (
        inbound is not None
        and inbound.product_id == data.product.pk
        and inbound.packed_on == packed_on
    ):
        state = shelf_life.LotState.from_dict(inbound.shelf_state)
    state = with_field_heat(lot, state)
    lot.initial_shelf_state = state.to_dict()
    apply_state(lot, state, shipment_arrival(shipment), now)
    return lot


def formalities_for(origin: Location, destination: Location, on: dt.date) -> str:
    """The onward procedure between two places, from the route data ("" when none applies)."""
    return onward_formalities(origin.country.code, destination.country.code, on)


@transaction.atomic
def create_shipment(
    partner: Any, data: ShipmentInput, *, check_allocation: bool = True
) -> Shipment:
    """Create a shipment with its legs and lots in one transaction.

    Lots of a distribution shipment that draw on a declaration's goods items are checked against
    what remains of them under row locks (see `lock_and_check_allocation`).
    """
    now = timezone.now()
    if check_allocation and data.kind == ShipmentKind.DISTRIBUTION and data.declaration:
        lock_and_check_allocation(data.declaration, data.lots)
    on = (data.planned_departure or now).date()
    shipment = Shipment(
        partner=partner,
        partner_reference=data.partner_reference,
        kind=data.kind,
        origin=data.origin,
        destination=data.destination,
        declaration=data.declaration,
        setpoint_c=data.setpoint_c,
        package_kind=data.package_kind,
        planned_departure=data.planned_departure,
        planned_arrival=data.planned_arrival,
        estimated_arrival=data.planned_arrival,
        consignee=data.consignee,
        # Only a regional distribution goes on under an onward procedure; inbound and direct
        # shipments carry goods to where they are declared.
        onward_formalities=data.onward_formalities
        or (
            formalities_for(data.origin, data.destination, on)
            if data.kind == ShipmentKind.DISTRIBUTION
            else ""
        ),
        onward_route=data.onward_route,
        onward_declaration=data.onward_declaration,
    )
    shipment.full_clean(exclude=["partner", "origin", "destination", "declaration"])
    shipment.save()
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
        for leg in data.legs
    )
    Lot.objects.bulk_create(_build_lot(shipment, lot, now) for lot in data.lots)
    return shipment
