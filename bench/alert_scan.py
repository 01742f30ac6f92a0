"""Alert scan: the full scan with 50 live candidate lots, under 0, 10,000 and 100,000 historical lots.

Run: python bench/alert_scan.py   (or bin/bench alert_scan; needs the migrated bench database)

Claim checked (issue 5): the scan reads indexes and touches only candidates, so its cost follows
the lots near a threshold, not all lots ever shipped.

Data: one bench partner with K=50 live lots (10 shipments in transit, 5 lots each) whose shelf life
ends within the expiring-soon thresholds, plus H historical lots (shipments delivered long ago,
10 lots each, shelf life over months ago, one in ten marked expired), which no rule may pick up.
The scan is `shipments.alerts.services.scan_alerts(now=NOW)` (what `manage.py scan_alerts` and the
beat task run) in its steady state: a warm-up scan raised the alerts once, so every timed scan
finds the same candidates and writes nothing.

Pairing: each round times the scan with no history (baseline), again (noise), then adds history
untimed and times the scan at 10,000 and at 100,000 historical lots, dividing each by that round's
baseline; history is deleted and the tables vacuumed and analysed before the next round (and
analysed after every load, as autovacuum would). Also prints the SQL queries per scan for each H,
which must be equal.
"""

import datetime as dt
import statistics
import sys
from decimal import Decimal
from pathlib import Path
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _setup import print_ratios, setup_django, timed

setup_django()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from shipments.alerts.services import scan_alerts  # noqa: E402
from shipments.choices import LotCondition, ShipmentKind, ShipmentStatus  # noqa: E402
from shipments.models import Lot, Product, Shipment  # noqa: E402
from shipments.products import load_products  # noqa: E402
from tradehub.partners.models import Partner  # noqa: E402
from tradehub.reference.models import Location  # noqa: E402

K_SHIPMENTS = 10
LOTS_PER_LIVE = 5  # K = 50 live lots
LOTS_PER_HISTORIC = 10
LEVELS = [10_000, 100_000]
ROUNDS = 5
HISTORY_MARK = "bench-alert-history"
NOW = timezone.now().replace(microsecond=0)


def reference_data() -> tuple[Partner, Product, Location, Location]:
    """The bench partner, a product and two locations (loads reference data when missing)."""
    if not Location.objects.filter(code="KZALA").exists():
        call_command("load_reference_data", verbosity=0)
    if not Product.objects.exists():
        load_products()
    partner, _ = Partner.objects.get_or_create(
        name="Bench alert scan", defaults={"kind": "forwarder", "contact_email": ""}
    )
    product = Product.objects.order_by("code").first()
    assert product is not None
    origin = Location.objects.get(code="CNURM")
    destination = Location.objects.get(code="KZALA")
    return partner, product, origin, destination


def reset(partner: Partner) -> None:
    """Remove what an earlier run of this bench left (shipments cascade to lots and alerts)."""
    Shipment.objects.filter(partner=partner).delete()


def live_set(partner: Partner, product: Product, origin: Location, destination: Location) -> None:
    """K shipments in transit whose lots run out within the expiring-soon thresholds."""
    for s in range(K_SHIPMENTS):
        shipment = Shipment.objects.create(
            partner=partner,
            kind=ShipmentKind.INBOUND,
            origin=origin,
            destination=destination,
            status=ShipmentStatus.IN_TRANSIT,
            planned_departure=NOW - dt.timedelta(days=3),
            planned_arrival=NOW + dt.timedelta(days=2),
            estimated_arrival=NOW + dt.timedelta(days=2),
        )
        Lot.objects.bulk_create(
            Lot(
                shipment=shipment,
                product=product,
                lot_code=f"LIVE-{s}-{i}",
                net_kg=Decimal("1000.000"),
                packages=100,
                packed_on=(NOW - dt.timedelta(days=10)).date(),
                expires_at=NOW + dt.timedelta(days=5),
                # From 6 h to 70 h left: under the 72 h threshold, some under 24 h as well.
                shelf_life_ends_at=NOW + dt.timedelta(hours=6 + (s * LOTS_PER_LIVE + i) * 1.3),
                condition=LotCondition.AT_RISK,
            )
            for i in range(LOTS_PER_LIVE)
        )


def add_history(
    partner: Partner, product: Product, origin: Location, destination: Location, lots: int
) -> None:
    """`lots` historical lots on shipments delivered long ago (none is a candidate of any rule)."""
    long_ago = NOW - dt.timedelta(days=400)
    with transaction.atomic():
        shipments = Shipment.objects.bulk_create(
            Shipment(
                partner=partner,
                partner_reference=HISTORY_MARK,
                kind=ShipmentKind.INBOUND,
                origin=origin,
                destination=destination,
                status=ShipmentStatus.DELIVERED,
                planned_departure=long_ago + dt.timedelta(hours=n),
                planned_arrival=long_ago + dt.timedelta(hours=n + 120),
                estimated_arrival=long_ago + dt.timedelta(hours=n + 120),
                actual_arrival=long_ago + dt.timedelta(hours=n + 120),
                is_overdue=False,
            )
            for n in range(lots // LOTS_PER_HISTORIC)
        )
        Lot.objects.bulk_create(
            (
                Lot(
                    shipment=shipment,
                    product=product,
                    lot_code=f"H{shipment.pk}-{i}",
                    net_kg=Decimal("500.000"),
                    packages=50,
                    packed_on=(long_ago + dt.timedelta(hours=n)).date(),
                    expires_at=long_ago + dt.timedelta(hours=n + 300),
                    shelf_life_ends_at=long_ago + dt.timedelta(hours=n + 200 + i),
                    condition=LotCondition.EXPIRED if i == 0 else LotCondition.OK,
                )
                for n, shipment in enumerate(shipments)
                for i in range(LOTS_PER_HISTORIC)
            ),
            batch_size=5_000,
        )
    analyse()


def analyse(vacuum: bool = False) -> None:
    """Fresh planner statistics, as autovacuum would give a table that grew or shrank."""
    verb = "VACUUM ANALYZE" if vacuum else "ANALYZE"
    with connection.cursor() as cur:
        for model in (Lot, Shipment):
            cur.execute(f"{verb} {model._meta.db_table}")


def drop_history(partner: Partner) -> None:
    """Delete the historical shipments and their lots, then vacuum so the next round starts clean."""
    lots, shipments = Lot._meta.db_table, Shipment._meta.db_table
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(
            f"DELETE FROM {lots} WHERE shipment_id IN "
            f"(SELECT id FROM {shipments} WHERE partner_reference = %s)",
            [HISTORY_MARK],
        )
        cur.execute(f"DELETE FROM {shipments} WHERE partner_reference = %s", [HISTORY_MARK])
    analyse(vacuum=True)


def history_count(partner: Partner) -> int:
    return Lot.objects.filter(shipment__partner_reference=HISTORY_MARK).count()


def scan() -> tuple[int, int, int]:
    result = scan_alerts(now=NOW)
    return len(result.raised), len(result.reopened), len(result.resolved)


def queries_per_scan() -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert scan() == (0, 0, 0), "the steady-state scan must change nothing"
    return len(ctx.captured_queries)


def main() -> None:
    if connection.vendor != "postgresql":
        raise SystemExit("alert_scan needs PostgreSQL (DATABASE_URL=postgres://...)")
    partner, product, origin, destination = reference_data()
    reset(partner)
    live_set(partner, product, origin, destination)
    analyse(vacuum=True)
    # Warm-up: raise the alerts once. Delivery of their outbox messages is not scheduled (no
    # broker traffic from a bench); the messages themselves are written as in production.
    with mock.patch("tradehub.notifications.services.outbox.schedule_delivery"):
        raised, _, _ = scan()
    assert raised > 0, "the live lots should raise alerts"

    def grow_to(total: int) -> None:
        add_history(partner, product, origin, destination, total - history_count(partner))

    # As in paired_ratios: the baseline line is the H=0 scan timed again over the round's baseline.
    labels = ["baseline (H=0)"] + [f"H={h:,} historical lots" for h in LEVELS]
    ratios: dict[str, list[float]] = {label: [] for label in labels}
    queries: dict[str, int] = {}
    for round_ in range(ROUNDS):
        drop_history(partner)
        base = timed(scan)
        ratios[labels[0]].append(timed(scan) / base)
        if round_ == 0:
            queries[labels[0]] = queries_per_scan()
        for label, level in zip(labels[1:], LEVELS, strict=True):
            grow_to(level)
            assert history_count(partner) == level
            ratios[label].append(timed(scan) / base)
            if round_ == 0:
                queries[label] = queries_per_scan()
    drop_history(partner)
    print(
        f"alert scan, {K_SHIPMENTS * LOTS_PER_LIVE} live lots near a threshold, "
        f"median of {ROUNDS} paired rounds, PostgreSQL"
    )
    print_ratios(
        "full scan (scan_alerts) vs the scan with no history:",
        {label: statistics.median(values) for label, values in ratios.items()},
    )
    print("SQL queries per scan:")
    for label, n in queries.items():
        print(f"  {label:<36} {n:6d}")
    if len(set(queries.values())) != 1:
        print("  NOT EQUAL: the number of queries depends on the history")
    reset(partner)


if __name__ == "__main__":
    main()
