"""Data of the end-to-end bench, built once in its own database and reused by later runs.

Run by `bench/e2e/run.py` as `python -m bench.e2e.data` under the production settings. Objects
are created through the project's services (the same code the API's POSTs run), so lists and
details answer real, nested representations: 60 shipments with 3 lots and 2 legs each, 60 import
declarations with 3 goods items and 3 documents each, 60 alerts (on the shipments' lots), and one
shipment per telemetry round, and two for the chart workloads (1,000,000 and 10,000 readings).
Prints one JSON line: the API key and the references to request.

With `--declarations N` (the pagination figures of issue #15: `bin/bench e2e --declarations
1000000`) it also makes sure the database holds N bulk declarations, a tenth of them of one
partner ("Bench E2E Bulk Partner", with its own API key) and the rest spread over nine others,
written by `INSERT … SELECT … generate_series` copies of a declaration the services made (three
goods items each for the bulk partner's, none for the others'), one every 30 seconds back from
now, so cursors and `updated_since` walk real index ranges. Built once; later runs reuse them.
"""

import json
import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
KEY_FILE = ROOT / "var" / "bench-e2e.json"
PARTNER = "Bench E2E Partner"
PER_LIST = 60  # more than one page of 50
BULK_PARTNER = "Bench E2E Bulk Partner"
BULK_PREFIX = "BULK-"


def setup() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tradehub.settings.production")
    import django

    django.setup()


def build(charts: bool = True) -> dict[str, Any]:
    """The data (and the state file); `charts=False` leaves the chart shipments out (the in-process
    request bench, `bench/request_stack.py`, needs none of their 1,010,000 readings)."""
    from django.core.management import call_command

    from declarations.models import Declaration
    from shipments.alerts.rules import lot_reference
    from shipments.models import Alert, Product, Shipment
    from shipments.products import load_products
    from tests.declarations.factories import GRAPES, MACHINE_PARTS, TOMATOES, create_declaration
    from tests.shipments.factories import make_shipment
    from tradehub.partners.models import Partner, PartnerAPIKey
    from tradehub.partners.services import create_partner, issue_api_key
    from tradehub.reference.models import CustomsOffice

    if not CustomsOffice.objects.exists():
        call_command("load_reference_data", verbosity=0)
    if not Product.objects.exists():
        load_products()
    # Partitions made before the chart data gave them their own shipment checks (beat gives every
    # partition it makes one) get them now, as beat's next run would.
    from django.db import connection

    from shipments.services.telemetry import guard_reading_partitions

    guard_reading_partitions(connection)
    partner = Partner.objects.filter(name=PARTNER).first() or create_partner(PARTNER)

    state: dict[str, Any] = json.loads(KEY_FILE.read_text()) if KEY_FILE.exists() else {}
    key = state.get("key")
    if not key or not PartnerAPIKey.objects.is_valid(key):
        _, key = issue_api_key(partner, "bench")
    lots = [
        {"product": "cherry-tomato", "net_kg": "6000.000", "packages": 1200},
        {"product": "table-grape", "net_kg": "4000.000", "packages": 800},
        {"product": "kiwifruit", "net_kg": "2000.000", "packages": 400},
    ]
    legs = [("rail", "CNURM", "KZALA"), ("road", "KZALA", "KZSCO")]
    for _ in range(PER_LIST - Shipment.objects.filter(partner=partner).count()):
        make_shipment(partner, lots=lots, legs=legs, origin="CNURM", destination="KZSCO")
    for _ in range(PER_LIST - Declaration.objects.filter(partner=partner).count()):
        create_declaration(partner, goods_items=[TOMATOES, GRAPES, MACHINE_PARTS])
    if Alert.objects.filter(partner=partner).count() < PER_LIST:
        shipments = list(Shipment.objects.filter(partner=partner).prefetch_related("lots")[:20])
        Alert.objects.bulk_create(
            [
                Alert(
                    partner=partner,
                    kind="expiring_soon",
                    severity="warning",
                    subject_type="lot",
                    subject_reference=lot_reference(lot),
                    shipment=shipment,
                    lot=lot,
                    threshold_hours=72,
                    dedup_key=f"bench:expiring_soon:{lot.pk}:72",
                    message=f"Lot {lot_reference(lot)} expires within 72 hours.",
                    details={"remaining_hours": 60.5},
                )
                for shipment in shipments
                for lot in shipment.lots.all()
            ],
            ignore_conflicts=True,
        )
    references = list(
        Shipment.objects.filter(partner=partner).order_by("id").values_list("reference", flat=True)
    )
    declarations = list(
        Declaration.objects.filter(partner=partner)
        .order_by("id")
        .values_list("reference", flat=True)
    )
    state = {
        **state,
        "key": key,
        "shipment": references[0],
        "declaration": declarations[0],
        "telemetry_shipment": references[-1],
        **(chart_shipments(state.get("chart_key")) if charts else {}),
    }
    KEY_FILE.parent.mkdir(exist_ok=True)
    KEY_FILE.write_text(json.dumps(state))
    return state


def build_bulk(state: dict[str, Any], total: int) -> dict[str, Any]:
    """`total` bulk declarations (a tenth the bulk partner's), built with SQL, reused."""
    from django.db import connection, transaction

    from declarations.models import Declaration
    from tradehub.partners.models import Partner, PartnerAPIKey
    from tradehub.partners.services import create_partner, issue_api_key

    bulk = Partner.objects.filter(name=BULK_PARTNER).first() or create_partner(BULK_PARTNER)
    others = [
        Partner.objects.filter(name=f"{BULK_PARTNER} {n}").first()
        or create_partner(f"{BULK_PARTNER} {n}")
        for n in range(1, 10)
    ]
    key = state.get("bulk_key")
    if not key or not PartnerAPIKey.objects.is_valid(key):
        _, key = issue_api_key(bulk, "bench-bulk")
    have = Declaration.objects.filter(reference__startswith=BULK_PREFIX).count()
    if have < total:
        template = Declaration.objects.exclude(reference__startswith=BULK_PREFIX).order_by("id")[0]
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = %s "
                "ORDER BY ordinal_position",
                ["declarations_declaration"],
            )
            columns = [row[0] for row in cursor.fetchall() if row[0] != "id"]
            made = {
                "reference": f"'{BULK_PREFIX}' || lpad(n::text, 9, '0')",
                "lrn": f"'{BULK_PREFIX}' || n",
                "number": "NULL",
                "parent_id": "NULL",
                "created_at": "now() - make_interval(secs => 30 * n)",
                "updated_at": "now() - make_interval(secs => 30 * n)",
                "partner_id": (
                    f"CASE WHEN n %% 10 = 0 THEN {bulk.pk} "
                    f"ELSE (ARRAY[{','.join(str(p.pk) for p in others)}])[n %% 10] END"
                ),
            }
            select = ", ".join(made.get(column, f"t.{column}") for column in columns)
            goods_columns = [
                column
                for column in _columns(cursor, "declarations_goodsitem")
                if column not in {"id", "declaration_id", "source_item_id", "updated_at"}
            ]
            with transaction.atomic():
                cursor.execute(
                    f"INSERT INTO declarations_declaration ({', '.join(columns)}) "
                    f"SELECT {select} FROM declarations_declaration t, "
                    "generate_series(%s, %s) AS n WHERE t.id = %s",
                    [have + 1, total, template.pk],
                )
                cursor.execute(
                    "INSERT INTO declarations_goodsitem "
                    f"(declaration_id, source_item_id, updated_at, {', '.join(goods_columns)}) "
                    f"SELECT d.id, NULL, d.updated_at, {', '.join('g.' + c for c in goods_columns)} "
                    "FROM declarations_declaration d JOIN declarations_goodsitem g "
                    "ON g.declaration_id = %s "
                    "WHERE d.partner_id = %s AND d.reference LIKE %s "
                    "AND NOT EXISTS (SELECT 1 FROM declarations_goodsitem x "
                    "WHERE x.declaration_id = d.id)",
                    [template.pk, bulk.pk, BULK_PREFIX + "%"],
                )
            cursor.execute("ANALYZE declarations_declaration")
            cursor.execute("ANALYZE declarations_goodsitem")
    state = {**state, "bulk_key": key, "bulk_total": total}
    KEY_FILE.write_text(json.dumps(state))
    return state


def _columns(cursor: Any, table: str) -> list[str]:
    cursor.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = %s "
        "ORDER BY ordinal_position",
        [table],
    )
    return [row[0] for row in cursor.fetchall()]


CHART_SIZES = {"chart_big": 1_000_000, "chart_small": 10_000}


def chart_shipments(key: str | None) -> dict[str, Any]:
    """Two shipments for the chart workloads, of a partner of their own (so the list workloads
    do not change): BIG with 1,000,000 readings (347 days) and SMALL with 10,000, two sensors a
    minute each, both ending at the same minute (`bench/_chart_data.py`). Built once."""
    import datetime as dt

    from django.db import connection

    sys.path.insert(0, str(ROOT / "bench"))
    from _chart_data import fill_readings

    from shipments.models import ReadingHour, Shipment, TemperatureReading
    from tradehub.partners.models import Partner, PartnerAPIKey
    from tradehub.partners.services import create_partner, issue_api_key
    from tradehub.reference.models import Location

    name = "Bench E2E Charts"
    partner = Partner.objects.filter(name=name).first() or create_partner(name)
    if not key or not PartnerAPIKey.objects.is_valid(key):
        _, key = issue_api_key(partner, "bench-charts")

    khorgos, almaty = Location.objects.get(code="KZHOR"), Location.objects.get(code="KZALA")
    end = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
    state: dict[str, Any] = {"chart_key": key}
    for label, size in CHART_SIZES.items():
        reference = f"E2E-{label.upper().replace('_', '-')}"  # at most 20 characters
        shipment = Shipment.objects.filter(reference=reference).first() or Shipment.objects.create(
            partner=partner,
            reference=reference,
            kind="inbound",
            origin=khorgos,
            destination=almaty,
            status="delivered",
        )
        if TemperatureReading.objects.filter(shipment=shipment).count() != size:
            TemperatureReading.objects.filter(shipment=shipment).delete()
            ReadingHour.objects.filter(shipment=shipment).delete()
            fill_readings(connection, shipment.pk, size, end)
        last = TemperatureReading.objects.filter(shipment=shipment).latest("recorded_at")
        state[label] = reference
        state[f"{label}_end"] = (last.recorded_at + dt.timedelta(minutes=1)).isoformat()
    return state


if __name__ == "__main__":
    setup()
    built = build()
    if "--declarations" in sys.argv:
        built = build_bulk(built, int(sys.argv[sys.argv.index("--declarations") + 1]))
    print(json.dumps(built))
