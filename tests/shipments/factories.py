"""Test data for shipments: products from the shipped table, shipments through the service."""

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any, cast

from declarations.choices import DeclarationStatus
from declarations.models import Declaration, GoodsItem
from shipments.models import Product, Shipment, TemperatureReading
from shipments.products import load_products
from shipments.services import shipments as services
from tests.declarations.factories import DeclarationFactory
from tests.factories import PartnerFactory
from tradehub.reference.models import Location

UTC = dt.UTC


def product(code: str) -> Product:
    """A product of the shipped catalogue (loaded on first use)."""
    if not Product.objects.filter(code=code).exists():
        load_products()
    return Product.objects.get(code=code)


def location(code: str) -> Location:
    return Location.objects.select_related("country").get(code=code)


def make_shipment(
    partner: Any = None,
    *,
    kind: str = "inbound",
    origin: str = "CNURM",
    destination: str = "KZALA",
    lots: list[dict[str, Any]] | None = None,
    legs: list[tuple[str, str, str]] | None = None,
    planned_departure: dt.datetime | None = None,
    planned_arrival: dt.datetime | None = None,
    setpoint_c: float | None = None,
    declaration: Declaration | None = None,
) -> Shipment:
    """A shipment created through the service; lots as dicts (product code, net_kg, packed_on...)."""
    partner = partner or PartnerFactory()
    lots = [{"product": "cherry-tomato"}] if lots is None else lots
    legs = legs if legs is not None else [("rail", origin, destination)]
    data = services.ShipmentInput(
        kind=kind,
        origin=location(origin),
        destination=location(destination),
        declaration=declaration,
        setpoint_c=setpoint_c,
        planned_departure=planned_departure,
        planned_arrival=planned_arrival,
        legs=[
            services.LegInput(
                sequence=i + 1, mode=mode, from_location=location(a), to_location=location(b)
            )
            for i, (mode, a, b) in enumerate(legs)
        ],
        lots=[
            services.LotInput(
                product=product(lot["product"]),
                net_kg=Decimal(lot.get("net_kg", "1000.000")),
                packages=lot.get("packages", 100),
                lot_code=lot.get("lot_code", ""),
                packed_on=lot.get("packed_on"),
                goods_item=lot.get("goods_item"),
            )
            for lot in lots
        ],
    )
    return services.create_shipment(partner, data)


def released_declaration(
    partner: Any, items: list[tuple[str, str, int]] | None = None, status: str = "released"
) -> Declaration:
    """A released declaration with goods items (commodity code, net kg, packages)."""
    items = items or [("0702000000", "6000.000", 1200), ("080610", "4000.000", 800)]
    declaration = cast(Declaration, DeclarationFactory(partner=partner, status=status))
    for sequence, (code, net_kg, packages) in enumerate(items, start=1):
        GoodsItem.objects.create(
            declaration=declaration,
            sequence=sequence,
            description=f"Goods {sequence}",
            commodity_code=code,
            origin_country="CN",
            packages_count=packages,
            packages_kind="CT",
            gross_kg=Decimal(net_kg) + 100,
            net_kg=Decimal(net_kg),
            invoice_value=Decimal("1000.00"),
            currency="USD",
        )
    return declaration


__all__ = ["DeclarationStatus", "location", "make_shipment", "product", "released_declaration"]


def store_readings(readings: Iterable[TemperatureReading]) -> list[TemperatureReading]:
    """Store readings as ingest does: with their hourly rollups, which every reader of a window
    takes the shipment's sensors from (`shipments.selectors.sensors_between`)."""
    from shipments.services.telemetry import recompute_rollups

    stored = TemperatureReading.objects.bulk_create(readings)
    recompute_rollups(
        [
            {"shipment_id": r.shipment_id, "sensor_id": r.sensor_id, "recorded_at": r.recorded_at}
            for r in stored
        ]
    )
    return stored
