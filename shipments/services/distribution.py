"""Distribution: take declared goods on to regional destinations as the law of the route says.

For each destination the route data (tradehub.reference.selectors.onward_route) names the onward
procedure: release for free circulation (Kazakhstan), release then EAEU mutual trade (Kyrgyzstan
and other EAEU members), or re-export under transit (Uzbekistan, Tajikistan, Turkmenistan, any
third country). The declaration's procedure (declarations.procedures) decides what may follow:

- goods released for free circulation (`import`) go only where free circulation allows (409
  naming the procedure another destination needs);
- a released re-export goes only out of the Union;
- a stock under customs control (a customs warehouse, a completed transit) is drawn on by one
  child declaration per shipment: an `import` or a `reexport` draft, the lots then draw on it.

Every shipment gets the checklist of documents its route needs. Nothing is over-allocated: one
mechanism (declarations.services.lock_and_check_allocation) counts child declarations and lots.
"""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from declarations import services as declaration_services
from declarations.choices import DeclarationStatus
from declarations.exceptions import DeclarationInvalid, ProcedureNotAllowed
from declarations.models import Declaration, GoodsItem
from declarations.procedures import may_draw_on, rule_for
from declarations.selectors import needs_phytosanitary_certificate
from shipments.choices import ShipmentKind
from shipments.exceptions import ProductRequired, ShipmentConflict
from shipments.models import Product, Shipment
from tradehub.partners.models import Partner
from tradehub.reference.choices import RouteMode
from tradehub.reference.models import Location
from tradehub.reference.selectors import OnwardRoute, onward_route, route_options

from .documents import create_checklist
from .shipments import (
    LegInput,
    LotInput,
    ShipmentInput,
    create_shipment,
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
    # Road or rail: the route (and its transit countries) depends on it. Default: the first
    # leg's mode, else road.
    transport_mode: str = ""
    # The LRN of the release or re-export drawn for it from a stock (default `<lrn>/NN`).
    declaration_lrn: str = ""
    # The transit countries of the route asked for, in order (None: the usual route; [] a
    # direct border). Dushanbe by road: ["UZ"] (usual) or ["KG"].
    via: list[str] | None = None


@dataclass
class _Plan:
    """What one requested shipment needs: its route, and the child procedure (stock only)."""

    request: DistributionShipment
    route: OnwardRoute
    child_procedure: str | None


def products_matching(commodity_code: str) -> list[Product]:
    """Products whose HS subheading is the first six digits of a commodity code."""
    return list(Product.objects.filter(hs_code=commodity_code[:6]).order_by("code"))


def infer_product(goods_item: GoodsItem) -> Product | None:
    """The one product a goods item's commodity code designates, or None when zero or several do.

    Where several products share the HS subheading, the one marked `default_for_hs` is meant;
    without one, the product itself rather than its cultivar overrides (a staff-added override
    names one cultivar, which a commodity code cannot tell apart)."""
    matches = products_matching(goods_item.commodity_code)
    if len(matches) > 1:
        defaults = [p for p in matches if p.default_for_hs]
        matches = defaults or [p for p in matches if p.parent_id is None]
    return matches[0] if len(matches) == 1 else None


def resolve_product(goods_item: GoodsItem, product: Product | None = None) -> Product:
    """The product of a line drawing on a goods item: the one given, else the one its commodity
    code designates (ProductRequired when none or several do)."""
    if product is not None:
        return product
    inferred = infer_product(goods_item)
    if inferred is None:
        raise ProductRequired(goods_item, products_matching(goods_item.commodity_code))
    return inferred


def distribution_origin(declaration: Declaration) -> Location:
    """Where regional shipments leave from: where the goods are held (Almaty) - the office of
    declaration, or a transit's office of destination."""
    return declaration_services.stock_office(declaration).location


def route_mode(request: DistributionShipment) -> str:
    """The mode the route rule is read for: asked, else the first leg's, else road."""
    mode = request.transport_mode or (request.legs[0].mode if request.legs else "")
    return mode if mode in RouteMode.values else RouteMode.ROAD


def _check_via(
    request: DistributionShipment, office_country: str, on: dt.date, pointer: str
) -> None:
    """A route asked for by its transit countries must be one the route data has that day."""
    if request.via is None:
        return
    destination = request.destination.country.code
    mode = route_mode(request)
    options = route_options(office_country, destination, on, mode)
    if tuple(request.via) in options:
        return
    shown = "; ".join("via " + ", ".join(o) if o else "direct" for o in options) or "none"
    raise DeclarationInvalid(
        [
            {
                "pointer": pointer,
                "code": "no_such_route",
                "detail": f"No {mode} route from {office_country} to {destination} on {on} "
                f"goes {'via ' + ', '.join(request.via) if request.via else 'direct'}. Routes "
                f"that day: {shown}.",
                "options": [list(o) for o in options],
            }
        ]
    )


def plan_for(
    declaration: Declaration, request: DistributionShipment, now: dt.datetime, index: int = 0
) -> _Plan:
    """The route of one shipment and what the declaration's procedure allows on it."""
    office_country = declaration_services.stock_office(declaration).location.country.code
    destination = request.destination
    on = (request.planned_departure or now).date()
    _check_via(request, office_country, on, f"/shipments/{index}/via")
    route = onward_route(
        office_country, destination.country.code, on, route_mode(request), via=request.via
    )
    if route is None:
        raise ProcedureNotAllowed(
            f"No route rule covers goods declared in {office_country} going to "
            f"{destination.country.code} ({destination.code}) on {on}.",
            code="no_route_rule",
            destination=destination.code,
        )
    rule = rule_for(declaration.procedure)
    if rule.stock_from is not None:
        if not may_draw_on(route.child_procedure, declaration.procedure):
            raise ProcedureNotAllowed(
                f"{destination.code} needs {route.procedure} ({route.child_procedure}), which "
                f"cannot draw on a {declaration.procedure} declaration.",
                code="procedure_required",
                procedure=route.procedure,
                destination=destination.code,
            )
        return _Plan(request, route, route.child_procedure)
    if route.procedure in rule.serves:
        return _Plan(request, route, None)
    raise ProcedureNotAllowed(
        f"{destination.code} ({destination.country.code}) needs {route.procedure}: the goods of "
        f"{declaration.procedure} declaration {declaration.reference} cannot go there"
        + (
            " (released for free circulation, sending them out of the customs union would be an "
            "export with duty and VAT already paid; declare them into a customs warehouse and "
            "re-export them instead)."
            if rule.serves and not route.from_free_circulation
            else "."
        ),
        code="procedure_required",
        procedure=route.procedure,
        destination=destination.code,
        declared_procedure=declaration.procedure,
    )


def _regulated(lines: list[LotInput], on: dt.date) -> bool:
    """Whether any goods of the shipment are regulated (quarantine) products on that day."""
    return any(
        line.goods_item is not None
        and needs_phytosanitary_certificate(line.goods_item.commodity_code, on)
        for line in lines
    )


def _draw_child(
    declaration: Declaration, plan: _Plan, actor: str
) -> tuple[Declaration, list[LotInput]]:
    """The release or re-export draft drawn from the stock for one shipment, and its lines
    re-pointed at the child's goods items."""
    request = plan.request
    assert plan.child_procedure is not None
    lines = request.lines
    child = declaration_services.draw_from_stock(
        declaration,
        partner=declaration.partner,
        procedure=plan.child_procedure,
        lines=[
            (line.goods_item.sequence, line.net_kg, line.packages)
            for line in lines
            if line.goods_item is not None
        ],
        actor=actor,
        lrn=request.declaration_lrn,
        consignee=request.consignee,
        transport_mode=plan.route.mode,
    )
    items = list(child.goods_items.order_by("sequence"))
    drawn = [
        LotInput(
            product=line.product,
            net_kg=line.net_kg,
            packages=line.packages,
            lot_code=line.lot_code,
            packed_on=line.packed_on,
            goods_item=item,
        )
        for line, item in zip(lines, items, strict=True)
    ]
    return child, drawn


@transaction.atomic
def distribute(
    declaration: Declaration, shipments: list[DistributionShipment], *, actor: str
) -> list[Shipment]:
    """Create regional shipments from a declaration, all or nothing.

    Locks the declaration, plans every shipment from the route data (409 when a destination
    needs a procedure this declaration cannot give, or the stock is not available), then either
    draws one child declaration per shipment from the stock or checks the lines against what
    remains of the goods items (row locks, in id order), creates the shipments with their
    checklists and moves the declaration to partially distributed or distributed.
    """
    declaration = (
        # of=("self",): never lock the shared office/location/country rows of the join.
        Declaration.objects.select_for_update(of=("self",))
        .select_related("office__location__country", "partner")
        .get(pk=declaration.pk)
    )
    if declaration.status not in DISTRIBUTABLE:
        raise ShipmentConflict(
            f"Declaration {declaration.reference} is {declaration.status}; only a released "
            "declaration can be distributed.",
            code="invalid_status",
            status=declaration.status,
        )
    all_lines = [line for shipment in shipments for line in shipment.lines]
    for line in all_lines:
        if line.goods_item is not None and line.goods_item.declaration_id != declaration.pk:
            raise ValueError("distribution lines must name goods items of this declaration")
    now = timezone.now()
    plans = [plan_for(declaration, request, now, index) for index, request in enumerate(shipments)]
    stock = rule_for(declaration.procedure).stock_from is not None
    if stock:
        reason = declaration_services.stock_unavailable_reason(declaration)
        if reason is not None:
            raise ProcedureNotAllowed(reason, code="stock_not_available")
    else:
        lock_and_check_allocation(declaration, all_lines)
    origin_default = distribution_origin(declaration)
    created = []
    for plan in plans:
        request = plan.request
        if plan.child_procedure is not None:
            governing, lots = _draw_child(declaration, plan, actor)
        else:
            governing, lots = declaration, request.lines
        shipment = create_shipment(
            declaration.partner,
            ShipmentInput(
                kind=ShipmentKind.DISTRIBUTION,
                origin=request.origin or origin_default,
                destination=request.destination,
                partner_reference=request.partner_reference,
                declaration=declaration,
                setpoint_c=request.setpoint_c,
                planned_departure=request.planned_departure,
                planned_arrival=request.planned_arrival,
                consignee=request.consignee,
                onward_formalities=plan.route.procedure,
                onward_route={
                    "mode": plan.route.mode,
                    "transit_countries": list(plan.route.transit_countries),
                    "exit_point": plan.route.exit_point,
                },
                onward_declaration=governing if governing.pk != declaration.pk else None,
                lots=lots,
                legs=request.legs,
            ),
            check_allocation=False,
        )
        on = (request.planned_departure or now).date()
        create_checklist(
            shipment,
            plan.route,
            declaration=governing,
            regulated=_regulated(request.lines, on),
        )
        created.append(shipment)
    declaration_services.sync_distribution_status(declaration, actor=actor)
    return created


def create_or_distribute(partner: Partner, shipment: ShipmentInput, *, actor: str) -> Shipment:
    """Create a shipment; one that draws declared goods to a regional destination (kind
    `distribution`, a declaration, lots naming its goods items) is a distribution: the same
    locks, route rules, checklist and declaration status change as `distribute`."""
    if (
        shipment.kind == ShipmentKind.DISTRIBUTION
        and shipment.declaration is not None
        and any(lot.goods_item is not None for lot in shipment.lots)
    ):
        request = DistributionShipment(
            destination=shipment.destination,
            origin=shipment.origin,
            lines=shipment.lots,
            consignee=shipment.consignee,
            planned_departure=shipment.planned_departure,
            planned_arrival=shipment.planned_arrival,
            setpoint_c=shipment.setpoint_c,
            partner_reference=shipment.partner_reference,
            legs=shipment.legs,
        )
        return distribute(shipment.declaration, [request], actor=actor)[0]
    return create_shipment(partner, shipment)
