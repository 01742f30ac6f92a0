"""Control tower: the admin's landing page counted over a million history rows per table vs none.

Run: python bench/control_tower.py [--rows N]   (or bin/bench control_tower; default N = 1,000,000)

Claim checked (issue 12, item 1): each tile is one query that an index leads to the rows of its
queue, so counting the tower costs what is in the queues, not the history kept.

Data: a live set with a few rows in every queue (submitted, registered, under control red and
yellow, released, an opened transit past its deadline, a shipment at risk, one overdue, one on
customs hold, open alerts, an unacknowledged excursion, a failing delivery). History: N rows in
each big table the tiles read, all out of every queue — distributed declarations with a completed
transit each, delivered shipments, OK lots and customs-hold events (all under one delivered
shipment: the planner's worst case for a per-shipment lookup), resolved alerts, acknowledged
excursions, delivered outbox messages — written with INSERT … SELECT generate_series, then
ANALYZE (as autovacuum would).

Timing: the tower (`tradehub.workplace.queues.tower`, all tiles, as the admin index counts them)
is timed ROUNDS times with the live set only (baseline), then with the history loaded, then again
with the history deleted; the ratio is the loaded median over the mean of the two empty medians.
The number of SQL queries must be the same (one per tile) with and without history.
"""

import argparse
import datetime as dt
import statistics
import sys
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _setup import print_ratios, setup_django, timed

setup_django()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from declarations.models import Declaration, Transit  # noqa: E402
from shipments.models import Alert, Excursion, Lot, Product, Shipment, TrackingEvent  # noqa: E402
from shipments.products import load_products  # noqa: E402
from tradehub.notifications.models import OutboundMessage  # noqa: E402
from tradehub.partners.models import Partner  # noqa: E402
from tradehub.reference.models import CustomsOffice, Location  # noqa: E402
from tradehub.workplace.queues import configured, count, tower  # noqa: E402

ROUNDS = 15
NOW = timezone.now().replace(microsecond=0)
MARK = "bench-tower"


def ago(**delta: float) -> dt.datetime:
    return NOW - dt.timedelta(**delta)


def reset() -> None:
    """Remove what an earlier run left (the bench partner's rows and the bench messages)."""
    partner = Partner.objects.filter(name=MARK).first()
    if partner is not None:
        Alert.objects.filter(partner=partner).delete()
        Shipment.objects.filter(partner=partner).delete()
        Transit.objects.filter(declaration__partner=partner).delete()
        Declaration.objects.filter(partner=partner).delete()
    OutboundMessage.objects.filter(dedup_key__startswith=MARK).delete()


def live_set() -> tuple[Partner, Declaration, Shipment, Lot]:
    """A few rows in every queue; returns the templates the history copies."""
    if not Location.objects.filter(code="KZALA").exists():
        call_command("load_reference_data", verbosity=0)
    if not Product.objects.exists():
        load_products()
    partner, _ = Partner.objects.get_or_create(name=MARK, defaults={"kind": "forwarder"})
    office = CustomsOffice.objects.get(code="50510")
    khorgos, almaty = Location.objects.get(code="KZHOR"), Location.objects.get(code="KZALA")
    product = Product.objects.order_by("code").first()
    assert product is not None

    def declaration(lrn: str, **fields: object) -> Declaration:
        return Declaration.objects.create(
            partner=partner, lrn=lrn, office=office, transport_mode="rail", **fields
        )

    declaration("L-sub", status="submitted", submitted_at=ago(hours=2))
    declaration("L-acc", status="accepted", channel="green", accepted_at=ago(hours=1))
    declaration("L-red", status="under_control", channel="red", accepted_at=ago(hours=30))
    declaration("L-yel", status="under_control", channel="yellow", accepted_at=ago(hours=3))
    declaration("L-rel", status="released", released_at=ago(hours=7))
    transit = declaration("L-tr", status="released", procedure="transit")
    Transit.objects.create(
        declaration=transit,
        destination_office=office,
        requested_deadline=ago(hours=3),
        delivery_deadline=ago(hours=3),
        status="opened",
    )
    template = declaration("H-template", status="distributed", released_at=ago(days=30))

    def shipment(reference: str, **fields: object) -> Shipment:
        return Shipment.objects.create(
            partner=partner,
            reference=reference,
            kind="inbound",
            origin=khorgos,
            destination=almaty,
            **fields,
        )

    risky = shipment("BT-risk", status="in_transit")
    Lot.objects.create(
        shipment=risky,
        product=product,
        net_kg=Decimal("100"),
        packed_on=NOW.date(),
        condition="at_risk",
        expires_at=NOW + dt.timedelta(days=5),
        shelf_life_ends_at=NOW + dt.timedelta(hours=10),
    )
    shipment("BT-late", status="in_transit", is_overdue=True, estimated_arrival=ago(hours=13))
    held = shipment("BT-hold", status="customs_hold")
    TrackingEvent.objects.create(
        shipment=held,
        event_id="BT-hold-1",
        type="customs_hold",
        classifier="actual",
        occurred_at=ago(hours=5),
    )
    old = shipment("BT-template", status="delivered", estimated_arrival=ago(days=30))
    lot = Lot.objects.create(
        shipment=old,
        product=product,
        net_kg=Decimal("100"),
        packed_on=ago(days=40).date(),
        expires_at=ago(days=20),
        shelf_life_ends_at=ago(days=20),
    )
    for index, severity in enumerate(["high", "medium", "low"]):
        Alert.objects.create(
            partner=partner,
            kind="arrival_late",
            severity=severity,
            subject_type="shipment",
            subject_reference="BT-late",
            dedup_key=f"{MARK}-live-{index}",
            message="late",
        )
    Excursion.objects.create(shipment=risky, kind="high", started_at=ago(minutes=20), peak_c=14)
    OutboundMessage.objects.create(
        channel="email",
        event_type="alert",
        recipient_email="ops@example.com",
        dedup_key=f"{MARK}-live",
        status="failed",
        attempts=8,
    )
    return partner, template, old, lot


def columns(table: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = %s "
            "ORDER BY ordinal_position",
            [table],
        )
        return [row[0] for row in cursor.fetchall() if row[0] != "id"]


def copy_rows(table: str, template_where: str, rows: int, replace: dict[str, str]) -> None:
    """INSERT `rows` copies of one template row, unique columns replaced per copy (`g`)."""
    names = columns(table)
    select = ", ".join(replace.get(name, f"t.{name}") for name in names)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({', '.join(names)}) "
            f"SELECT {select} FROM {table} t, generate_series(1, %s) g WHERE {template_where}",
            [rows],
        )


def load_history(rows: int, template: Declaration, old: Shipment, lot: Lot) -> None:
    """N rows per big table, none of them in any queue."""
    copy_rows(
        "declarations_declaration",
        f"t.id = {template.pk}",
        rows,
        {"reference": "'HD' || g", "lrn": f"'{MARK}-H-' || g"},
    )
    copy_rows("shipments_shipment", f"t.id = {old.pk}", rows, {"reference": "'HS' || g"})
    # Every history lot and customs-hold event sits under the one delivered template shipment:
    # the planner's worst case for a per-shipment lookup (its statistics then say a shipment has
    # a million lots), which is what made the at-risk tile read the whole lot table until shipments 0023.
    copy_rows("shipments_lot", f"t.id = {lot.pk}", rows, {})
    copy_rows(
        "shipments_trackingevent",
        "t.event_id = 'BT-hold-1'",
        rows,
        {
            "shipment_id": str(old.pk),
            "event_id": "'HE' || g",
            "occurred_at": "t.occurred_at - g * interval '1 minute'",
        },
    )
    # Completed transits, one per history declaration (a transit's declaration is unique).
    names = columns("declarations_transit")
    select = ", ".join(
        {"declaration_id": "d.id", "status": "'completed'"}.get(name, f"t.{name}") for name in names
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO declarations_transit ({', '.join(names)}) SELECT {select} "
            "FROM declarations_transit t, declarations_declaration d "
            "WHERE t.declaration_id = (SELECT id FROM declarations_declaration "
            "WHERE partner_id = %s AND lrn = 'L-tr') AND d.partner_id = %s AND d.lrn LIKE %s",
            [template.partner_id, template.partner_id, f"{MARK}-H-%"],
        )
    copy_rows(
        "shipments_alert",
        "t.dedup_key = 'bench-tower-live-0'",
        rows,
        {
            "reference": "'HA' || g",
            "dedup_key": f"'{MARK}-H-' || g",
            "state": "'resolved'",
            "shipment_id": str(old.pk),
        },
    )
    copy_rows(
        "shipments_excursion",
        "t.shipment_id = (SELECT id FROM shipments_shipment WHERE reference = 'BT-risk')",
        rows,
        {
            "shipment_id": str(old.pk),
            "acknowledged": "true",
            "started_at": "t.started_at - g * interval '1 minute'",
        },
    )
    copy_rows(
        "notifications_outboundmessage",
        f"t.dedup_key = '{MARK}-live'",
        rows,
        {
            "reference": "'HM' || g",
            "dedup_key": f"'{MARK}-H-' || g",
            "status": "'delivered'",
            "delivered_at": "t.created_at",
            "attempts": "1",
        },
    )
    analyse()


def drop_history(template: Declaration, old: Shipment) -> None:
    """Delete the history. Nothing references those rows, so the per-row foreign-key checks
    (minutes for a million shipments) are skipped for this one transaction (needs a superuser,
    as the bench database's owner is)."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("DELETE FROM shipments_alert WHERE dedup_key LIKE %s", [f"{MARK}-H-%"])
        cursor.execute("DELETE FROM shipments_excursion WHERE shipment_id = %s", [old.pk])
        cursor.execute("DELETE FROM shipments_trackingevent WHERE shipment_id = %s", [old.pk])
        cursor.execute(
            "DELETE FROM declarations_transit WHERE declaration_id IN "
            "(SELECT id FROM declarations_declaration WHERE lrn LIKE %s)",
            [f"{MARK}-H-%"],
        )
        cursor.execute(
            "DELETE FROM shipments_lot WHERE shipment_id = %s AND id <> (SELECT min(id) FROM shipments_lot WHERE shipment_id = %s)",
            [old.pk, old.pk],
        )
        cursor.execute("DELETE FROM shipments_shipment WHERE reference LIKE 'HS%%'")
        cursor.execute("DELETE FROM declarations_declaration WHERE lrn LIKE %s", [f"{MARK}-H-%"])
        cursor.execute(
            "DELETE FROM notifications_outboundmessage WHERE dedup_key LIKE %s", [f"{MARK}-H-%"]
        )
    analyse()


def analyse() -> None:
    with connection.cursor() as cursor:
        for table in (
            "declarations_declaration",
            "declarations_transit",
            "shipments_shipment",
            "shipments_lot",
            "shipments_alert",
            "shipments_excursion",
            "notifications_outboundmessage",
            "shipments_trackingevent",
        ):
            cursor.execute(f"ANALYZE {table}")


def per_tile() -> dict[str, float]:
    """Median time of each tile's one query (to find a tile that grows with the history)."""
    return {
        queue.key: statistics.median(
            timed(lambda q=queue, lim=limits: count(q, lim, NOW))  # type: ignore[misc]
            for _ in range(ROUNDS)
        )
        for queue, limits in configured()
    }


def tile_plans() -> dict[str, tuple[int, float]]:
    """Each tile's query under EXPLAIN (ANALYZE, BUFFERS): the shared buffers it touched (its
    plan's total, subplans included) and PostgreSQL's execution time. The buffer count does not
    depend on the machine's load, so it shows a tile that reads the history when timings are noisy."""
    plans = {}
    for queue, limits in configured():
        with CaptureQueriesContext(connection) as queries:
            count(queue, limits, NOW)
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + queries[-1]["sql"])
            plan = cursor.fetchone()[0][0]
        top = plan["Plan"]
        plans[queue.key] = (
            top["Shared Hit Blocks"] + top["Shared Read Blocks"],
            plan["Execution Time"],
        )
    return plans


def measure(user: object) -> tuple[float, int, list[int]]:
    times = [timed(lambda: tower(user, NOW)) for _ in range(ROUNDS)]
    with CaptureQueriesContext(connection) as queries:
        tiles = tower(user, NOW)
    return statistics.median(times), len(queries), [tile.count for tile in tiles]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    rows = parser.parse_args().rows
    reset()
    _partner, template, old, lot = live_set()
    analyse()
    user = get_user_model()(username="bench", is_staff=True, is_superuser=True, is_active=True)
    tower(user, NOW)  # warm-up
    empty_before, queries_empty, counts_empty = measure(user)
    tiles_empty = per_tile()
    plans_empty = tile_plans()
    load_history(rows, template, old, lot)
    tower(user, NOW)
    loaded, queries_loaded, counts_loaded = measure(user)
    print(f"  with {rows:,} history rows: {loaded * 1000:.1f} ms ({queries_loaded} queries)")
    plans_loaded = tile_plans()
    print("    tile: time with history over without; PostgreSQL buffers and ms without → with")
    for key, seconds in per_tile().items():
        (blocks_empty, ms_empty), (blocks, ms) = plans_empty[key], plans_loaded[key]
        print(
            f"    {key:<28} {seconds / tiles_empty[key]:6.2f}x"
            f"   {blocks_empty:>4} → {blocks:<6} buffers   {ms_empty:.2f} → {ms:.2f} ms"
        )
    drop_history(template, old)
    empty_after, _, _ = measure(user)
    reset()
    baseline = (empty_before + empty_after) / 2
    print(f"control tower: {len(configured())} tiles, {rows:,} history rows per table")
    print(f"  SQL queries per tower: {queries_empty} without history, {queries_loaded} with")
    print(f"  tile counts equal with and without history: {counts_empty == counts_loaded}")
    print(f"  median tower time without history: {baseline * 1000:.1f} ms")
    print_ratios(
        "ratios (lower is faster):",
        {
            "no history (baseline)": 1.0,
            "no history, measured again": empty_after / empty_before,
            f"{rows:,} history rows per table": loaded / baseline,
        },
    )


if __name__ == "__main__":
    main()
