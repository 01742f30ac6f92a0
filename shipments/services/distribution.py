"""Distribution: split a released declaration into regional shipments, never over-allocating."""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from declarations.choices import DeclarationStatus
from declarations.models import Declaration, GoodsItem
from declarations.services import mark_distributed
from shipments.choices import ShipmentKind
from shipments.models import Product, Shipment
from tradehub.api.exceptions import Conflict
from tradehub.partners.principals import actor_label
from tradehub.reference.models import Location

from .shipments import (
    LegInput,
    LotInput,
    ShipmentInput,
    allocated_quantities,
    create_shipment,
    formalities_for,
    lock_and_check_allocation,
)

DISTRIBUTABLE = (DeclarationStatus.RELEASED, DeclarationStatus.PARTIALLY_DISTRIBUTED)


@dataclass
class DistributionShipment:
    """One regional shipment requested in a distribution."""

    destination: Location
    lines: list[LotInput]
    consignee: dict[str, Any] = field(default_factory=dict)
    planned_departure: dt.datetime | None = None
    planned_arrival: dt.datetime | None = None
    origin: Location | None = None
    setpoint_c: float | None = None
    partner_reference: str = ""
    legs: list[LegInput] = field(default_factory=list)


def products_matching(commodity_code: str) -> list[Product]:
    """Products whose HS subheading is the first six digits of a commodity code."""
    return list(Product.objects.filter(hs_code=commodity_code[:6]).order_by("code"))


def infer_product(goods_item: GoodsItem) -> Product | None:
    """The one product a goods item's commodity code designates, or None when zero or several do."""
    matches = products_matching(goods_item.commodity_code)
    return matches[0] if len(matches) == 1 else None


def distribution_origin(declaration: Declaration) -> Location:
    """Where regional shipments leave from: the office of declaration's location (Almaty)."""
    return declaration.office.location


@transaction.atomic
def distribute(
    declaration: Declaration, shipments: list[DistributionShipment], user: Any
) -> list[Shipment]:
    """Create regional shipments from a released declaration, all or nothing.

    Locks the declaration, then its goods items (in id order), checks every line against what
    remains, creates the shipments and moves the declaration to partially distributed or
    distributed. Raises Conflict (409) when the declaration is not released or a goods item would
    be over-allocated (the body names what remains).
    """
    declaration = (
        # of=("self",): never lock the shared office/location/country rows of the join.
        Declaration.objects.select_for_update(of=("self",))
        .select_related("office__location__country")
        .get(pk=declaration.pk)
    )
    if declaration.status not in DISTRIBUTABLE:
        raise Conflict(
            f"Declaration {declaration.reference} is {declaration.status}; only a released "
            "declaration can be distributed.",
            code="invalid_status",
            status=declaration.status,
        )
    all_lines = [line for shipment in shipments for line in shipment.lines]
    for line in all_lines:
        if line.goods_item is not None and line.goods_item.declaration_id != declaration.pk:
            raise ValueError("distribution lines must name goods items of this declaration")
    lock_and_check_allocation(declaration, all_lines)
    now = timezone.now()
    default_origin = distribution_origin(declaration)
    created = []
    for request in shipments:
        origin = request.origin or default_origin
        on = (request.planned_departure or now).date()
        created.append(
            create_shipment(
                declaration.partner,
                ShipmentInput(
                    kind=ShipmentKind.DISTRIBUTION,
                    origin=origin,
                    destination=request.destination,
                    partner_reference=request.partner_reference,
                    declaration=declaration,
                    setpoint_c=request.setpoint_c,
                    planned_departure=request.planned_departure,
                    planned_arrival=request.planned_arrival,
                    consignee=request.consignee,
                    # From the declaring office's customs union, wherever the truck starts.
                    onward_formalities=formalities_for(default_origin, request.destination, on),
                    lots=request.lines,
                    legs=request.legs,
                ),
                check_allocation=False,
            )
        )
    items = list(declaration.goods_items.all())
    allocated = allocated_quantities(items)
    fully = all(allocated.get(item.pk, (Decimal("0"), 0))[0] >= item.net_kg for item in items)
    mark_distributed(declaration, fully=fully, actor=actor_label(user))
    return created
