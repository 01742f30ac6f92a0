"""Temperature charts as history grows: a 48-hour window, and the whole-history hourly chart.

Run: python bench/telemetry_charts.py [--big N] [--small N] [--rounds R]   (or bin/bench telemetry_charts)

Claims checked (issue 15, the chart targets):
1. A 48-hour window on a shipment with 1,000,000 readings costs at most 1.5x the same window on a
   shipment with 10,000 (index on (shipment, recorded_at) and monthly partition pruning).
2. The whole-history hourly chart reads the hourly rollups kept at ingest and costs at most 0.25x
   aggregating the raw readings into the same buckets, in the same run.

Data (built once, kept; `--rebuild` starts again): two shipments of a bench partner, each with two
sensors reading once a minute and ending now: BIG readings (1,000,000: 347 days, so about twelve
monthly partitions) and SMALL (10,000: 3.5 days). Partitions are created first (as beat does), the
readings written with INSERT … SELECT generate_series, and the rollups built by the same
aggregation ingest keeps (migration 0020's backfill), then ANALYZE, as autovacuum would.

Timing: the selectors the API and the admin chart call (`shipments.selectors`), measured in paired
rounds (each measurement next to its baseline, which goes first in every other round), medians
of the per-round ratios and their range:
- window, bucketed: `bucketed_readings(from=now-48h, to=now, 15 min)` on BIG vs on SMALL;
- window, raw page: the first 500 readings of `readings_between(now-48h, now)` (a full API page) on
  BIG vs on SMALL; and the whole 48 hours of raw readings (5,760 rows) on BIG vs SMALL;
- the two window shapes again through the API in-process (`GET /api/v1/shipments/{ref}/readings/`
  with an API key: authentication, throttle, scoping, serialization; no HTTP server);
- whole history, hourly: `bucketed_readings(None, None, 1 h)` (rollups) on BIG vs the raw
  readings of BIG aggregated into the same hourly buckets (`_raw_buckets`), checked equal first.
- ingest: the COPY insert of 10,000 readings with the rollup upsert in its statement vs the same
  insert without it, new readings and then all duplicates (each rolled back).
Lower is faster. `--explain` prints the plans of the window and rollup queries.
"""

import argparse
import datetime as dt
import statistics
import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _chart_data import fill_readings
from _setup import setup_django, timed

setup_django()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402

from shipments import selectors  # noqa: E402
from shipments.models import ReadingHour, Shipment, TemperatureReading  # noqa: E402
from tradehub.partners.models import Partner  # noqa: E402
from tradehub.partners.services import issue_api_key  # noqa: E402
from tradehub.reference.models import Location  # noqa: E402

MARK = "bench-charts"
NOW = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
WINDOW = dt.timedelta(hours=48)
TABLE = TemperatureReading._meta.db_table


def shipment(partner: Partner, reference: str) -> Shipment:
    khorgos, almaty = Location.objects.get(code="KZHOR"), Location.objects.get(code="KZALA")
    found = Shipment.objects.filter(reference=reference).first()
    return found or Shipment.objects.create(
        partner=partner,
        reference=reference,
        kind="inbound",
        origin=khorgos,
        destination=almaty,
        status="in_transit",
    )


def build(big: int, small: int, rebuild: bool) -> tuple[Shipment, Shipment]:
    if not Location.objects.filter(code="KZALA").exists():
        call_command("load_reference_data", verbosity=0)
    partner, _ = Partner.objects.get_or_create(name=MARK, defaults={"kind": "exporter"})
    pair = []
    for size in (big, small):
        reference = f"BENCH-CHART-{size}"
        target = shipment(partner, reference)
        have = TemperatureReading.objects.filter(shipment=target).count()
        if have and (rebuild or have != size):
            TemperatureReading.objects.filter(shipment=target).delete()
            ReadingHour.objects.filter(shipment=target).delete()
            have = 0
        if not have:
            print(f"building {size:,} readings for {reference} ...", flush=True)
            fill_readings(connection, target.pk, size, NOW)
        pair.append(target)
    # As autovacuum would: statistics, and no dead rows left by an earlier run's rolled-back inserts.
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {TABLE}")
        cursor.execute("VACUUM ANALYZE shipments_readinghour")
    return pair[0], pair[1]


def paired(
    measure: Callable[[], object], baseline: Callable[[], object], rounds: int
) -> tuple[float, float, float]:
    """Median, lowest and highest of `measure`'s time over `baseline`'s, paired per round."""
    measure(), baseline()  # warm: plans cached, pages in shared buffers
    ratios = []
    for i in range(rounds):
        # Alternate which goes first, so a load change within a round favours neither side.
        if i % 2:
            spent = timed(measure)
            ratios.append(spent / timed(baseline))
        else:
            base = timed(baseline)
            ratios.append(timed(measure) / base)
    return statistics.median(ratios), min(ratios), max(ratios)


class _Undo(Exception):
    pass


def ingest_cost(rounds: int) -> dict[str, tuple[float, float, float]]:
    """What keeping the rollups costs ingest: the COPY insert of 10,000 readings with the rollup
    upsert in its statement vs without, new and then all duplicates (each rolled back)."""
    from django.db import transaction

    from shipments.services.telemetry import rollup_sql
    from tradehub.db import insert_reporting_conflicts

    # A shipment of its own, so the dead rows of the rolled-back inserts touch no chart.
    target = shipment(Partner.objects.get(name=MARK), "BENCH-CHART-INGEST")
    base = NOW - dt.timedelta(days=8)
    batch = [
        {
            "shipment_id": target.pk,
            "sensor_id": "INGEST",
            "recorded_at": base + dt.timedelta(minutes=i),
            "temperature_c": 2.5,
            "humidity_pct": 90.0,
        }
        for i in range(10_000)
    ]

    def insert(rollups: bool) -> Callable[[], object]:
        def run() -> None:
            try:
                with transaction.atomic():
                    insert_reporting_conflicts(
                        TemperatureReading,
                        batch,
                        ["shipment", "sensor_id", "recorded_at"],
                        ["temperature_c", "humidity_pct"],
                        with_inserted=rollup_sql if rollups else None,
                    )
                    raise _Undo
            except _Undo:
                pass

        return run

    result = {"10,000 new readings": paired(insert(True), insert(False), rounds)}
    with transaction.atomic():
        insert(True)()  # rolled back: store them for real below
        insert_reporting_conflicts(
            TemperatureReading, batch, ["shipment", "sensor_id", "recorded_at"]
        )
        result["the same 10,000 again (duplicates)"] = paired(insert(True), insert(False), rounds)
        transaction.set_rollback(True)
    return result


def explain(sql: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING OFF) " + sql)
        for (line,) in cursor.fetchall():
            print("    " + line)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--big", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=21)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--explain", action="store_true")
    args = parser.parse_args()
    big, small = build(args.big, args.small, args.rebuild)

    def window(target: Shipment) -> tuple[dt.datetime, dt.datetime]:
        """The latest 48 hours of the shipment's readings."""
        last = TemperatureReading.objects.filter(shipment=target).latest("recorded_at")
        end = last.recorded_at + dt.timedelta(minutes=1)
        return end - WINDOW, end

    windows = {big.pk: window(big), small.pk: window(small)}

    def window_buckets(target: Shipment) -> Callable[[], object]:
        start, end = windows[target.pk]
        return lambda: selectors.bucketed_readings(target, start, end, 900, 10_000)

    def window_page(target: Shipment, size: int) -> Callable[[], object]:
        start, end = windows[target.pk]
        return lambda: list(selectors.readings_between(target, start, end)[:size])

    start, end = windows[big.pk]
    client = APIClient(HTTP_AUTHORIZATION=f"Api-Key {issue_api_key(big.partner, MARK)[1]}")

    def api_get(target: Shipment, query: dict[str, str]) -> Callable[[], object]:
        start, end = windows[target.pk]
        url = f"/api/v1/shipments/{target.reference}/readings/"
        params = {"from": start.isoformat(), "to": end.isoformat(), **query}

        def get() -> None:
            response = client.get(url, params)
            assert response.status_code == 200, response.content
            assert response.json()["results"]

        return get

    rows = {t.pk: TemperatureReading.objects.filter(shipment=t).count() for t in (big, small)}
    in_window = selectors.readings_between(big, start, end).count()
    fast = selectors.bucketed_readings(big, None, None, 3600, 100_000)
    raw = selectors._raw_buckets(big, None, None, 3600, 100_000, None, 0)
    assert len(fast) == len(raw) and all(
        b["count"] == raw[int(b["start"].timestamp())][3] for b in fast
    ), "rollups and raw aggregation disagree"

    print(
        f"BIG {rows[big.pk]:,} readings, SMALL {rows[small.pk]:,}; 48 h window holds "
        f"{in_window:,} readings; whole history {len(fast):,} hourly buckets; "
        f"{ReadingHour.objects.filter(shipment=big).count():,} rollup rows (hour x sensor)"
    )
    results = {
        "48 h window, 15 min buckets: BIG vs SMALL": paired(
            window_buckets(big), window_buckets(small), args.rounds
        ),
        "48 h window, first 500 raw readings: BIG vs SMALL": paired(
            window_page(big, 500), window_page(small, 500), args.rounds
        ),
        "48 h window, all raw readings: BIG vs SMALL": paired(
            window_page(big, 10_000), window_page(small, 10_000), args.rounds
        ),
        "the same through the API: GET readings?from&to&bucket=15m": paired(
            api_get(big, {"bucket": "15m"}), api_get(small, {"bucket": "15m"}), args.rounds
        ),
        "the same through the API: GET readings?from&to&page_size=500": paired(
            api_get(big, {"page_size": "500"}), api_get(small, {"page_size": "500"}), args.rounds
        ),
        "whole history, 1 h buckets: rollups vs raw aggregation": paired(
            lambda: selectors.bucketed_readings(big, None, None, 3600, 100_000),
            lambda: selectors._raw_buckets(big, None, None, 3600, 100_000, None, 0),
            max(3, args.rounds // 3),
        ),
    }
    for label, ratio in ingest_cost(args.rounds).items():
        results[f"ingest, COPY with rollups vs without: {label}"] = ratio
    print("time ratios (median of paired rounds, range); lower is faster")
    for label, (median, low, high) in results.items():
        print(f"  {label:<58} {median:6.2f}x  (rounds {low:.2f}-{high:.2f})")
    if args.explain:
        for label, queryset in (
            ("window, raw (BIG)", selectors.readings_between(big, start, end)[:500]),
            (
                "window, 15 min buckets (BIG)",
                selectors.readings_between(big, start, end)
                .order_by()
                .annotate(bucket=selectors.EpochBucket("recorded_at", 900))
                .values("bucket")
                .annotate(n=selectors.Count("id")),
            ),
            (
                "whole history from rollups (BIG)",
                ReadingHour.objects.filter(shipment=big)
                .order_by()
                .annotate(bucket=selectors.EpochBucket("hour", 3600))
                .values("bucket")
                .annotate(n=selectors.Sum("count")),
            ),
        ):
            print(f"\n  EXPLAIN {label}:")
            sql, params = queryset.query.sql_with_params()
            explain(connection.ops.compose_sql(sql, params))  # type: ignore[attr-defined]


if __name__ == "__main__":
    main()
