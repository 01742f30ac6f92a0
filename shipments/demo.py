"""Demo shipments on the corridor (idempotent by partner reference): an inbound rail shipment
Urumqi -> Khorgos -> Almaty carrying the released demo declaration, its distribution to Tashkent,
Bishkek, Dushanbe, Ashgabat and Shymkent, and a rail-sea-rail kiwifruit shipment across the
Caspian via Aktau and Alat to Tbilisi. Telemetry is realistic (reefer cycling, a day/night swing) and holds
one warm excursion (reefer unplugged for hours at the Khorgos border)."""

import datetime as dt
import math
import random
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from declarations.models import Declaration
from tradehub.partners.models import Partner
from tradehub.reference.models import Location

from .choices import ShipmentKind
from .models import Shipment
from .products import load_products
from .services import distribution, shelf, telemetry, tracking
from .services.shipments import LegInput, LotInput, ShipmentInput, create_shipment

DEMO_PARTNER = "Xinjiang Fresh Export Co"
DEMO_DECLARATION_LRN = "XFE-DEMO-0001"
INBOUND_REF = "DEMO-IN-URC-ALA-01"
INBOUND_GRAPES_REF = "DEMO-IN-URC-ALA-02"
CASPIAN_REF = "DEMO-CASPIAN-01"
READING_STEP = dt.timedelta(minutes=15)

# destination, consignee, (goods item, kg, packages) per line. Goods released for free
# circulation in Kazakhstan go only where free circulation allows: Kazakhstan itself and EAEU
# buyers (Bishkek). Shymkent's truck mixes tomatoes with grapes on purpose: it shows the
# mixed-load warning.
DISTRIBUTION: list[tuple[str, str, list[tuple[int, str, int]]]] = [
    ("KGFRU", "Bishkek Green Trade", [(2, "1000.000", 200)]),
    ("KZCIT", "Shymkent Fresh Hub", [(1, "1400.000", 280), (2, "900.000", 180)]),
]


def _loc(code: str) -> Location:
    return Location.objects.select_related("country").get(code=code)


def _series(
    shipment: Shipment,
    start: dt.datetime,
    end: dt.datetime,
    setpoint: float,
    rng: random.Random,
    warm: tuple[dt.datetime, dt.datetime, float] | None = None,
    swing: float = 0.4,
    noise: float = 0.25,
) -> list[dict[str, Any]]:
    """A reefer trace: setpoint, defrost/compressor cycling, a small day/night swing, and an
    optional warm spell (reefer off) that climbs towards ambient and recovers."""
    rows = []
    at = start
    while at <= end:
        hours = (at - start).total_seconds() / 3600
        value = setpoint + swing * math.sin(hours / 24 * 2 * math.pi) + rng.uniform(-noise, noise)
        if warm and warm[0] <= at <= warm[1]:
            spell = (at - warm[0]).total_seconds() / 3600
            value = setpoint + (warm[2] - setpoint) * (1 - math.exp(-spell / 1.5))
        rows.append(
            {
                "shipment_id": shipment.pk,
                "sensor_id": f"{shipment.partner_reference}-T1",
                "recorded_at": at,
                "temperature_c": round(value, 2),
                "humidity_pct": round(90 + rng.uniform(-2, 2), 1),
            }
        )
        at += READING_STEP
    return rows


def _events(shipment: Shipment, events: list[tuple[str, str, dt.datetime, str | None]]) -> None:
    tracking.record_events(
        shipment,
        [
            {
                "event_id": f"{shipment.partner_reference}-{i}",
                "type": type_,
                "classifier": classifier,
                "occurred_at": at,
                "location_id": _loc(code).pk if code else None,
                "details": {"source": "demo"},
            }
            for i, (type_, classifier, at, code) in enumerate(events, start=1)
        ],
    )


def _finish(shipment: Shipment, readings: list[dict[str, Any]]) -> None:
    """Store readings and derive everything now, so the demo is complete without a worker."""
    if readings:
        telemetry.ingest_readings(readings)
    tracking.derive_status(shipment.pk)
    shelf.process_readings(shipment.pk)


def _inbound(
    partner: Partner,
    declaration: Declaration | None,
    now: dt.datetime,
    reference: str,
    product_code: str,
    item: int,
    quantity: tuple[str, int],
    setpoint: float,
    container: str,
    warm: bool,
) -> Shipment:
    """One reefer container of the consignment by rail Urumqi -> Khorgos -> Almaty."""
    from .models import Product

    start = now - dt.timedelta(days=6)
    items = {i.sequence: i for i in declaration.goods_items.all()} if declaration else {}
    product = Product.objects.get(code=product_code)
    wagon = f"Wagon 6151 00{item}2"
    shipment = create_shipment(
        partner,
        ShipmentInput(
            kind=ShipmentKind.INBOUND,
            partner_reference=reference,
            origin=_loc("CNURM"),
            destination=_loc("KZALA"),
            declaration=declaration,
            setpoint_c=setpoint,
            planned_departure=start,
            planned_arrival=start + dt.timedelta(days=4, hours=12),
            consignee={"name": "Almaty Fresh Distribution LLP", "country": "KZ"},
            legs=[
                LegInput(
                    1,
                    "rail",
                    _loc("CNURM"),
                    _loc("KZHOR"),
                    start,
                    start + dt.timedelta(days=2),
                    wagon,
                    container,
                ),
                LegInput(
                    2,
                    "rail",
                    _loc("KZHOR"),
                    _loc("KZALA"),
                    start + dt.timedelta(days=3),
                    start + dt.timedelta(days=4, hours=12),
                    wagon,
                    container,
                ),
            ],
            lots=[
                LotInput(
                    product,
                    Decimal(quantity[0]),
                    quantity[1],
                    f"XFE-{product_code[:2].upper()}-07",
                    (start - dt.timedelta(days=item)).date(),
                    items.get(item),
                )
            ],
        ),
    )
    border = start + dt.timedelta(days=2, hours=2)
    arrived = start + dt.timedelta(days=5)
    _events(
        shipment,
        [
            ("departed", "actual", start + dt.timedelta(hours=1), "CNURM"),
            ("arrived", "actual", start + dt.timedelta(days=2), "KZHOR"),
            ("border_crossed", "actual", border, "KZHOR"),
            ("customs_hold", "actual", border + dt.timedelta(hours=1), "KZHOR"),
            ("customs_released", "actual", border + dt.timedelta(hours=20), "KZHOR"),
            ("departed", "actual", border + dt.timedelta(hours=22), "KZHOR"),
            ("arrived", "estimated", arrived, "KZALA"),
            ("arrived", "actual", arrived + dt.timedelta(hours=2), "KZALA"),
        ],
    )
    rng = random.Random(40 + item)
    # The excursion: the tomato reefer was unplugged for 6 hours while waiting at the border.
    spell = (border + dt.timedelta(hours=3), border + dt.timedelta(hours=9), 24.0) if warm else None
    swing, noise = (0.4, 0.25) if setpoint > 5 else (0.1, 0.1)
    end = arrived + dt.timedelta(hours=2)
    _finish(shipment, _series(shipment, start, end, setpoint, rng, spell, swing, noise))
    return shipment


def _distribute(declaration: Declaration, now: dt.datetime) -> list[Shipment]:
    items = {i.sequence: i for i in declaration.goods_items.all()}
    requests = []
    for code, consignee, lines in DISTRIBUTION:
        destination = _loc(code)
        departure = now + dt.timedelta(hours=6)
        requests.append(
            distribution.DistributionShipment(
                destination=destination,
                consignee={"name": consignee, "country": destination.country.code},
                partner_reference=f"DEMO-DIST-{code}",
                planned_departure=departure,
                planned_arrival=departure + dt.timedelta(hours=30),
                lines=[
                    LotInput(
                        distribution.infer_product(items[item]),  # type: ignore[arg-type]
                        Decimal(kg),
                        packages,
                        goods_item=items[item],
                    )
                    for item, kg, packages in lines
                ],
            )
        )
    return distribution.distribute(declaration, requests, None)


def _caspian(partner: Partner, now: dt.datetime) -> Shipment:
    from .models import Product

    start = now - dt.timedelta(days=9)
    kiwi = Product.objects.get(code="kiwifruit")
    aktau, alat = start + dt.timedelta(days=5), start + dt.timedelta(days=7)
    shipment = create_shipment(
        partner,
        ShipmentInput(
            kind=ShipmentKind.DIRECT,
            partner_reference=CASPIAN_REF,
            origin=_loc("CNURM"),
            destination=_loc("GETBS"),
            setpoint_c=-0.25,
            planned_departure=start,
            planned_arrival=start + dt.timedelta(days=15),
            consignee={"name": "Tbilisi Fruit Import LLC", "country": "GE"},
            legs=[
                LegInput(
                    1,
                    "rail",
                    _loc("CNURM"),
                    _loc("KZAAU"),
                    start,
                    aktau,
                    "Block train TMTM-12",
                    "TGHU7654320",
                ),
                LegInput(
                    2,
                    "sea",
                    _loc("KZAAU"),
                    _loc("AZALA"),
                    aktau + dt.timedelta(days=1),
                    alat,
                    "Ro-Pax Professor Gul",
                    "TGHU7654320",
                ),
                LegInput(
                    3,
                    "rail",
                    _loc("AZALA"),
                    _loc("GETBS"),
                    alat + dt.timedelta(days=1),
                    start + dt.timedelta(days=15),
                    "ADY wagon 5520",
                    "TGHU7654320",
                ),
            ],
            lots=[
                LotInput(
                    kiwi,
                    Decimal("4500.000"),
                    900,
                    "XFE-KW-0705",
                    (start - dt.timedelta(days=3)).date(),
                )
            ],
        ),
    )
    _events(
        shipment,
        [
            ("departed", "actual", start + dt.timedelta(hours=2), "CNURM"),
            ("border_crossed", "actual", start + dt.timedelta(days=1), "KZHOR"),
            ("arrived", "actual", aktau, "KZAAU"),
            ("transshipped", "actual", aktau + dt.timedelta(days=1), "KZAAU"),
            ("arrived", "estimated", start + dt.timedelta(days=16), "GETBS"),
        ],
    )
    rng = random.Random(7)
    end = now - dt.timedelta(hours=1)
    _finish(shipment, _series(shipment, start, end, -0.25, rng, swing=0.1, noise=0.1))
    return shipment


def load(stdout: Any) -> None:
    """Create the demo shipments once (existing partner references are left alone)."""
    result = load_products()
    stdout.write(f"Products: {result.created} created, {result.unchanged} already there.")
    partner = Partner.objects.filter(name=DEMO_PARTNER).first()
    if partner is None or not Location.objects.filter(code="KZALA").exists():
        stdout.write("Demo shipments skipped: demo partner or reference data missing.")
        return
    now = timezone.now().replace(second=0, microsecond=0)
    declaration = Declaration.objects.filter(partner=partner, lrn=DEMO_DECLARATION_LRN).first()
    created = []
    with transaction.atomic():
        for reference, code, item, quantity, setpoint, container, warm in (
            (INBOUND_REF, "cherry-tomato", 1, ("6000.000", 1200), 11.0, "CSQU3054383", True),
            (INBOUND_GRAPES_REF, "table-grape", 2, ("4000.000", 800), -0.5, "MSKU1234565", False),
        ):
            if not Shipment.objects.filter(partner=partner, partner_reference=reference).exists():
                created.append(
                    _inbound(
                        partner,
                        declaration,
                        now,
                        reference,
                        code,
                        item,
                        quantity,
                        setpoint,
                        container,
                        warm,
                    )
                )
        if not Shipment.objects.filter(partner=partner, partner_reference=CASPIAN_REF).exists():
            created.append(_caspian(partner, now))
    if declaration is not None and declaration.status == "released":
        with transaction.atomic():
            created += _distribute(declaration, now)
    stdout.write(f"Demo shipments: {len(created)} created.")
