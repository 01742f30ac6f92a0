"""The corridor told right (idempotent: each part is created once, keyed by LRN or partner
reference), through the same services as the API:

1. Rail from Urumqi crosses at Khorgos: at Altynkol the containers are transshipped at the gauge
   break onto 1520 mm wagons, under an EAEU transit declaration (office of departure 50913,
   navigation seals, delivery deadline) to Almaty; the inbound shipments' border crossing and
   arrival link to the transit, the arrival at Almaty marks it arrived, the office completes it.
2. A customs-warehouse declaration draws the whole consignment from the completed transit: a
   stock under customs control at Almaty.
3. Distribution from the stock: release for free circulation for Shymkent; release plus SNT
   (mutual EAEU trade) for Bishkek; re-export under transit to Tashkent, Dushanbe (via
   Uzbekistan, TIR carnet) and Ashgabat (rail via Bolashak - Serhetyaka). Shymkent's truck has
   every document and has left; Bishkek waits for the buyer's indirect-tax application.
   Ashgabat's cherry tomatoes will not last the week by rail: the expiry alert and the admin give
   re-route advice (Bishkek or Tashkent can still be reached sellable; advice only).
4. A second transit (dragon fruit by truck through Khorgos) is overdue: an alert.
5. Rail-sea-rail Beijing -> Khorgos -> Aktau -> ferry -> Alat -> Baku, about 15 days; the onward
   leg to Georgia is its own shipment.

Telemetry is realistic (reefer cycling, a day/night swing) and holds one warm excursion (a reefer
unplugged for hours during the transshipment at Altynkol).
"""

import datetime as dt
import math
import random
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from stdnum import iso6346

from declarations import services as declaration_services
from declarations.choices import CustomsMessageType, RiskChannel
from declarations.demo import DEMO_CONSIGNOR, DEMO_PARTNER, GRAPES, TOMATOES, with_codes
from declarations.demo import DRAGON_FRUIT as DRAGON_FRUIT_ITEM
from declarations.inputs import (
    DeclarationInput,
    DocumentInput,
    GoodsItemInput,
    TransitInput,
    TransportDocumentInput,
)
from declarations.models import Declaration
from tradehub.partners.models import Partner
from tradehub.partners.principals import actor_label
from tradehub.reference.models import CustomsOffice, Location

from .choices import ShipmentKind
from .models import Product, RequiredDocument, Shipment
from .products import load_products
from .reroute import load_lead_times
from .services import distribution, documents, shelf, telemetry, tracking
from .services.shipments import LegInput, LotInput, ShipmentInput, create_shipment

ACTOR = "demo"
TRANSIT_LRN = "XFE-DEMO-TR-01"
OVERDUE_TRANSIT_LRN = "XFE-DEMO-TR-02"
WAREHOUSE_LRN = "XFE-DEMO-WH-01"
INBOUND_REF = "DEMO-IN-URC-ALA-01"
INBOUND_GRAPES_REF = "DEMO-IN-URC-ALA-02"
INBOUND_TRUCK_REF = "DEMO-IN-URC-ALA-03"
CASPIAN_REF = "DEMO-CASPIAN-01"
GEORGIA_REF = "DEMO-BAKU-TBILISI-01"
READING_STEP = dt.timedelta(minutes=15)
IMPORTER = {
    "name": "Almaty Fresh Distribution LLP",
    "country": "KZ",
    "tax_id": "123456789012",
}
STORAGE = "Customs warehouse 'Almaty-Terminal' (licence KZ-0505), zone B, Almaty"

# destination, consignee, mode, (goods item, kg, packages) per line. Shymkent's truck mixes
# tomatoes with grapes on purpose: it shows the mixed-load warning.
DISTRIBUTION: list[tuple[str, dict[str, Any], str, list[tuple[int, str, int]]]] = [
    (
        "KZCIT",
        {"name": "Shymkent Fresh Hub LLP", "country": "KZ", "tax_id": "987654321098"},
        "road",
        [(1, "1400.000", 280), (2, "900.000", 180)],
    ),
    ("KGFRU", {"name": "Bishkek Green Trade", "country": "KG"}, "road", [(2, "1000.000", 200)]),
    (
        "UZTAS",
        {"name": "Tashkent Fresh Market LLC", "country": "UZ"},
        "road",
        [(1, "1200.000", 240)],
    ),
    ("TJDYU", {"name": "Dushanbe Agro Import", "country": "TJ"}, "road", [(1, "800.000", 160)]),
    (
        "TMASB",
        {"name": "Ashgabat Food Distribution", "country": "TM"},
        "rail",
        [(1, "600.000", 120)],
    ),
]
# Planned door-to-door hours per destination (30 h unless named). Ashgabat by rail takes about a
# week (`data/lead_times.json`): its cherry tomatoes, six days of life left after the warm spell at
# Altynkol, will rot on the way, so the alert and the admin offer nearer destinations instead.
TRANSIT_HOURS = {"TMASB": 8 * 24}


def _loc(code: str) -> Location:
    return Location.objects.select_related("country").get(code=code)


def _office(code: str) -> CustomsOffice:
    return CustomsOffice.objects.select_related("location__country").get(code=code)


def _container(prefix: str) -> str:
    return prefix + iso6346.calc_check_digit(prefix)


def _series(
    shipment: Shipment,
    start: dt.datetime,
    end: dt.datetime,
    setpoint: float,
    rng: random.Random,
    warm: tuple[dt.datetime, dt.datetime, float] | None = None,
    swing: float = 0.4,
    noise: float = 0.25,
    defrost: bool = False,
) -> list[dict[str, Any]]:
    """A reefer trace: setpoint, compressor cycling, a small day/night swing, and an optional warm
    spell (reefer off) that climbs towards ambient and recovers. With `defrost` the trace is return
    air with a defrost every 6 hours (+5 °C for about 20 minutes), which must open no excursion."""
    rows = []
    at = start
    while at <= end:
        hours = (at - start).total_seconds() / 3600
        value = setpoint + swing * math.sin(hours / 24 * 2 * math.pi) + rng.uniform(-noise, noise)
        if defrost and 3.0 <= hours % 6 < 3.34:
            value += 5.0
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
                "sensor_kind": "return_air" if defrost else "",
            }
        )
        at += READING_STEP
    return rows


def _events(shipment: Shipment, events: list[tuple[str, str, dt.datetime, str | None]]) -> None:
    tracking.record_events(
        shipment,
        [
            tracking.TrackingEventInput(
                event_id=f"{shipment.partner_reference}-{i}",
                type=type_,
                classifier=classifier,
                occurred_at=at,
                location_id=_loc(code).pk if code else None,
                details={"source": "demo"},
            )
            for i, (type_, classifier, at, code) in enumerate(events, start=1)
        ],
    )


def _finish(shipment: Shipment, readings: list[dict[str, Any]]) -> None:
    """Store readings and derive everything now, so the demo is complete without a worker."""
    if readings:
        telemetry.ingest_readings(readings)
    tracking.derive_status(shipment.pk)
    shelf.process_readings(shipment.pk)


def _decide(declaration: Declaration, kind: str, at: dt.datetime, **extra: Any) -> Declaration:
    return declaration_services.record_customs_decision(
        declaration, type=kind, actor=ACTOR, occurred_at=at, **extra
    )


def _release(declaration: Declaration, at: dt.datetime) -> Declaration:
    """Lodge a declaration and have customs register (green) and release it at `at`."""
    declaration = declaration_services.submit(declaration, actor=ACTOR)
    declaration = _decide(declaration, CustomsMessageType.ACCEPTED, at, channel=RiskChannel.GREEN)
    return _decide(declaration, CustomsMessageType.RELEASED, at + dt.timedelta(minutes=40))


def _transit_data(
    lrn: str,
    items: list[GoodsItemInput],
    *,
    office: str,
    border: str,
    mode: str,
    containers: list[str],
    route: list[str],
    deadline: dt.datetime,
) -> DeclarationInput:
    departure = _office(office)
    return DeclarationInput(
        lrn=lrn,
        procedure="transit",
        office=departure,
        border_crossing=_loc(border),
        transport_mode=mode,
        transport_document=TransportDocumentInput(
            type="smgs" if mode == "rail" else "cmr",
            number=f"{'SMGS' if mode == 'rail' else 'CMR'} {lrn[-2:]} 118 773",
        ),
        containers=containers,
        seals=[f"KZ 0{lrn[-2:]}4501"],
        consignor=dict(DEMO_CONSIGNOR),
        consignee=dict(IMPORTER),
        declarant=dict(IMPORTER),
        goods_items=with_codes(items, departure),
        documents=[
            DocumentInput(
                type="phytosanitary_certificate",
                number=f"CN-PH-{lrn[-5:]}",
                issued_by="GACC Urumqi",
            ),
            DocumentInput(type="invoice", number=f"INV-{lrn}"),
            DocumentInput(
                type="certificate_of_origin", number=f"CO-{lrn}", issued_by="CCPIT Xinjiang"
            ),
        ],
        transit=TransitInput(
            destination_office=_office("50510"),
            route=[_loc(code) for code in route],
            navigation_seals=[f"KZ-ENP-0{lrn[-2:]}0112", f"KZ-ENP-0{lrn[-2:]}0113"],
            delivery_deadline=deadline,
        ),
    )


def _inbound(
    partner: Partner,
    transit: Declaration,
    start: dt.datetime,
    reference: str,
    product_code: str,
    item: int,
    quantity: tuple[str, int],
    setpoint: float,
    container: str,
    warm: bool,
) -> Shipment:
    """One reefer container by rail Urumqi -> Khorgos -> Altynkol (transshipped onto 1520 mm
    wagons at the gauge break) -> Almaty, under the transit."""
    items = {i.sequence: i for i in transit.goods_items.all()}
    product = Product.objects.get(code=product_code)
    border = start + dt.timedelta(days=2, hours=2)
    arrived = start + dt.timedelta(days=5)
    shipment = create_shipment(
        partner,
        ShipmentInput(
            kind=ShipmentKind.INBOUND,
            partner_reference=reference,
            origin=_loc("CNURM"),
            destination=_loc("KZALA"),
            declaration=transit,
            setpoint_c=setpoint,
            planned_departure=start,
            planned_arrival=start + dt.timedelta(days=4, hours=12),
            consignee=dict(IMPORTER),
            legs=[
                LegInput(
                    1,
                    "rail",
                    _loc("CNURM"),
                    _loc("KZ9AK"),
                    start,
                    start + dt.timedelta(days=2),
                    f"China Railway wagon 6151 00{item}2 (1435 mm)",
                    container,
                ),
                LegInput(
                    2,
                    "rail",
                    _loc("KZ9AK"),
                    _loc("KZALA"),
                    start + dt.timedelta(days=3),
                    start + dt.timedelta(days=4, hours=12),
                    f"KTZ platform wagon 9470 31{item}8 (1520 mm)",
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
    _events(
        shipment,
        [
            ("departed", "actual", start + dt.timedelta(hours=1), "CNURM"),
            ("arrived", "actual", start + dt.timedelta(days=2), "CNHRS"),
            ("border_crossed", "actual", border, "KZ9AK"),
            ("customs_hold", "actual", border + dt.timedelta(hours=1), "KZ9AK"),
            ("customs_released", "actual", border + dt.timedelta(hours=6), "KZ9AK"),
            ("transshipped", "actual", border + dt.timedelta(hours=20), "KZ9AK"),
            ("arrived", "estimated", arrived, "KZALA"),
            ("arrived", "actual", arrived + dt.timedelta(hours=2), "KZALA"),
        ],
    )
    rng = random.Random(40 + item)
    # The excursion: the tomato reefer was unplugged for 6 hours during the transshipment.
    spell = (
        (border + dt.timedelta(hours=8), border + dt.timedelta(hours=14), 24.0) if warm else None
    )
    swing, noise = (0.4, 0.25) if setpoint > 5 else (0.1, 0.1)
    end = arrived + dt.timedelta(hours=2)
    _finish(shipment, _series(shipment, start, end, setpoint, rng, spell, swing, noise))
    return shipment


def _fill(shipment: Shipment, missing: set[str] = frozenset()) -> None:  # type: ignore[assignment]
    """The partner records the checklist's documents (all but `missing`)."""
    for entry in shipment.required_documents.order_by("sequence"):
        if entry.managed or entry.type in missing:
            continue
        number = f"{entry.type.upper()[:6]}-{shipment.reference[-6:]}"
        documents.set_document(entry, status="provided", reference=number, actor=ACTOR)


def _distribute(warehouse: Declaration, now: dt.datetime) -> list[Shipment]:
    items = {i.sequence: i for i in warehouse.goods_items.all()}
    departure = now - dt.timedelta(hours=20)
    requests = [
        distribution.DistributionShipment(
            destination=_loc(code),
            consignee=consignee,
            partner_reference=f"DEMO-DIST-{code}",
            planned_departure=departure,
            planned_arrival=departure + dt.timedelta(hours=TRANSIT_HOURS.get(code, 30)),
            transport_mode=mode,
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
        for code, consignee, mode, lines in DISTRIBUTION
    ]
    shipments = {
        s.destination.code: s
        for s in distribution.distribute(warehouse, requests, actor=actor_label(None))
    }
    # Shymkent and Bishkek: released for free circulation in Almaty.
    for code in ("KZCIT", "KGFRU"):
        child = shipments[code].onward_declaration
        assert child is not None
        _release(child, now - dt.timedelta(hours=22))
    # Tashkent: the re-export is lodged; Dushanbe and Ashgabat are still drafts.
    tashkent = shipments["UZTAS"].onward_declaration
    assert tashkent is not None
    declaration_services.submit(tashkent, actor=ACTOR)
    _fill(shipments["KZCIT"])
    _fill(shipments["KGFRU"], missing={"indirect_tax_application"})
    _fill(shipments["UZTAS"], missing={"phytosanitary_reexport_certificate"})
    shymkent = shipments["KZCIT"]
    _events(shymkent, [("departed", "actual", departure, "KZALA")])
    _finish(shymkent, [])
    return list(shipments.values())


def _corridor(partner: Partner, now: dt.datetime) -> list[Shipment]:
    """Transit -> customs warehouse -> distribution, for the main consignment."""
    start = now - dt.timedelta(days=6)
    border = start + dt.timedelta(days=2, hours=2)
    data = _transit_data(
        TRANSIT_LRN,
        [TOMATOES, GRAPES],
        office="50913",
        border="KZ9AK",
        mode="rail",
        containers=[_container("CSQU305438"), _container("MSKU123456")],
        route=["CNHRS", "KZ9AK", "KZALA"],
        deadline=border + dt.timedelta(days=3, hours=12),
    )
    transit = declaration_services.create_declaration(partner=partner, data=data, actor=ACTOR)
    transit = _release(transit, border + dt.timedelta(hours=3))
    created = [
        _inbound(partner, transit, start, *spec)
        for spec in (
            (INBOUND_REF, "cherry-tomato", 1, ("6000.000", 1200), 11.0, "CSQU3054383", True),
            (INBOUND_GRAPES_REF, "table-grape", 2, ("4000.000", 800), -0.5, "MSKU1234565", False),
        )
    ]
    transit.refresh_from_db()
    arrived = transit.transit.arrived_at or now
    _decide(
        transit,
        CustomsMessageType.TRANSIT_COMPLETED,
        arrived + dt.timedelta(hours=3),
        storage_place=STORAGE,
    )
    warehouse = declaration_services.draw_from_stock(
        transit,
        partner=partner,
        procedure="customs_warehouse",
        lines=[(1, Decimal("6000.000"), 1200), (2, Decimal("4000.000"), 800)],
        actor=ACTOR,
        lrn=WAREHOUSE_LRN,
        consignee=IMPORTER,
        transport_mode="rail",
    )
    warehouse = _release(warehouse, arrived + dt.timedelta(hours=5))
    return created + _distribute(warehouse, now)


def _overdue_transit(partner: Partner, now: dt.datetime) -> Shipment:
    """Dragon fruit by truck through Khorgos, opened two days ago and overdue since this morning."""
    start = now - dt.timedelta(days=3)
    border = start + dt.timedelta(days=1)
    data = _transit_data(
        OVERDUE_TRANSIT_LRN,
        [DRAGON_FRUIT_ITEM],
        office="50903",
        border="KZHOR",
        mode="road",
        containers=[_container("TGHU765432")],
        route=["KZHOR", "KZALA"],
        deadline=now - dt.timedelta(hours=6),
    )
    transit = declaration_services.create_declaration(partner=partner, data=data, actor=ACTOR)
    transit = _release(transit, border)
    product = Product.objects.get(code="dragon-fruit")
    shipment = create_shipment(
        partner,
        ShipmentInput(
            kind=ShipmentKind.INBOUND,
            partner_reference=INBOUND_TRUCK_REF,
            origin=_loc("CNURM"),
            destination=_loc("KZALA"),
            declaration=transit,
            setpoint_c=10.0,
            planned_departure=start,
            planned_arrival=border + dt.timedelta(hours=18),
            consignee=dict(IMPORTER),
            legs=[
                LegInput(1, "road", _loc("CNURM"), _loc("KZHOR"), start, border, "XJ A7731X"),
                LegInput(2, "road", _loc("KZHOR"), _loc("KZALA"), border, None, "XJ A7731X"),
            ],
            lots=[
                LotInput(
                    product,
                    Decimal("2500.000"),
                    500,
                    "XFE-DF-07",
                    (start - dt.timedelta(days=2)).date(),
                    transit.goods_items.get(),
                )
            ],
        ),
    )
    _events(
        shipment,
        [
            ("departed", "actual", start + dt.timedelta(hours=2), "CNURM"),
            ("border_crossed", "actual", border, "KZHOR"),
        ],
    )
    _finish(shipment, _series(shipment, start, now, 10.0, random.Random(9)))
    return shipment


def _caspian(partner: Partner, now: dt.datetime) -> list[Shipment]:
    """Beijing -> Khorgos -> Aktau -> ferry -> Alat -> Baku, about 15 days; on to Tbilisi."""
    kiwi = Product.objects.get(code="kiwifruit")
    start = now - dt.timedelta(days=9)
    khorgos, aktau, alat = (start + dt.timedelta(days=d) for d in (4, 9, 12))
    container = "TGHU7654320"
    shipment = create_shipment(
        partner,
        ShipmentInput(
            kind=ShipmentKind.DIRECT,
            partner_reference=CASPIAN_REF,
            origin=_loc("CNBJS"),
            destination=_loc("AZBAK"),
            setpoint_c=0.0,
            planned_departure=start,
            planned_arrival=start + dt.timedelta(days=15),
            consignee={"name": "Baku Fruit Import LLC", "country": "AZ"},
            legs=[
                LegInput(
                    1, "rail", _loc("CNBJS"), _loc("CNHRS"), start, khorgos, "TMTM-12", container
                ),
                LegInput(
                    2,
                    "rail",
                    _loc("CNHRS"),
                    _loc("KZAAU"),
                    khorgos,
                    aktau,
                    "KTZ TMTM-12",
                    container,
                ),
                LegInput(
                    3,
                    "sea",
                    _loc("KZAAU"),
                    _loc("AZALA"),
                    aktau + dt.timedelta(days=1),
                    alat,
                    "Ro-Pax Professor Gul",
                    container,
                ),
                LegInput(
                    4,
                    "rail",
                    _loc("AZALA"),
                    _loc("AZBAK"),
                    alat + dt.timedelta(days=1),
                    start + dt.timedelta(days=15),
                    "ADY wagon 5520",
                    container,
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
            ("departed", "actual", start + dt.timedelta(hours=2), "CNBJS"),
            ("border_crossed", "actual", khorgos, "KZ9AK"),
            ("transshipped", "actual", khorgos + dt.timedelta(hours=8), "KZ9AK"),
            ("arrived", "actual", aktau, "KZAAU"),
            ("transshipped", "actual", aktau + dt.timedelta(days=1), "KZAAU"),
            ("arrived", "estimated", start + dt.timedelta(days=15), "AZBAK"),
        ],
    )
    end = now - dt.timedelta(hours=1)
    # Kiwifruit at its 0 °C optimum, logged as return air with defrost cycles: no excursion.
    trace = _series(shipment, start, end, 0.0, random.Random(7), swing=0.1, noise=0.1, defrost=True)
    _finish(shipment, trace)
    # The onward leg to Georgia is a shipment of its own, from Baku.
    georgia = create_shipment(
        partner,
        ShipmentInput(
            kind=ShipmentKind.DIRECT,
            partner_reference=GEORGIA_REF,
            origin=_loc("AZBAK"),
            destination=_loc("GETBS"),
            setpoint_c=0.0,
            planned_departure=start + dt.timedelta(days=16),
            planned_arrival=start + dt.timedelta(days=17),
            consignee={"name": "Tbilisi Fruit Import LLC", "country": "GE"},
            legs=[
                LegInput(
                    1,
                    "rail",
                    _loc("AZBAK"),
                    _loc("GETBS"),
                    start + dt.timedelta(days=16),
                    start + dt.timedelta(days=17),
                    "ADY/GR wagon",
                    container,
                )
            ],
            lots=[LotInput(kiwi, Decimal("1500.000"), 300, "XFE-KW-0705")],
        ),
    )
    return [shipment, georgia]


def load(stdout: Any) -> None:
    """Create the corridor demo once (existing parts are left alone)."""
    result = load_products()
    stdout.write(f"Products: {result.created} created, {result.unchanged} already there.")
    stdout.write(f"Lead times: {load_lead_times()} created.")
    partner = Partner.objects.filter(name=DEMO_PARTNER).first()
    if partner is None or not Location.objects.filter(code="KZALA").exists():
        stdout.write("Demo shipments skipped: demo partner or reference data missing.")
        return
    now = timezone.now().replace(second=0, microsecond=0)
    created: list[Shipment] = []
    if not Declaration.objects.filter(partner=partner, lrn=TRANSIT_LRN).exists():
        with transaction.atomic():
            created += _corridor(partner, now)
    if not Declaration.objects.filter(partner=partner, lrn=OVERDUE_TRANSIT_LRN).exists():
        with transaction.atomic():
            created.append(_overdue_transit(partner, now))
    if not Shipment.objects.filter(partner=partner, partner_reference=CASPIAN_REF).exists():
        with transaction.atomic():
            created += _caspian(partner, now)
    checklists = RequiredDocument.objects.filter(shipment__partner=partner).count()
    stdout.write(f"Demo shipments: {len(created)} created ({checklists} checklist entries).")
