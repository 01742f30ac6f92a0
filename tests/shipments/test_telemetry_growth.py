"""Telemetry built to grow (PostgreSQL): monthly partitions created ahead, retention that drops raw
months and keeps hourly rollups, rollups equal to raw aggregation, COPY across a month boundary."""

import datetime as dt
import random
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction

from shipments import selectors
from shipments.models import ReadingHour, Shipment, TemperatureReading
from shipments.services import telemetry
from tests.shipments.factories import make_shipment
from tradehub.partitions import is_partitioned, month_partitions

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="native partitioning is PostgreSQL only"
    ),
]

TABLE = TemperatureReading._meta.db_table
UTC = dt.UTC


@pytest.fixture
def kiwi(partner, products) -> Shipment:
    return make_shipment(partner, lots=[{"product": "kiwifruit"}])


def rows(
    shipment: Shipment, start: dt.datetime, count: int, step_min: int = 10, sensor: str = "S1"
) -> list[dict[str, Any]]:
    return [
        {
            "shipment": shipment.reference,
            "sensor_id": sensor,
            "recorded_at": (start + dt.timedelta(minutes=step_min * i)).isoformat(),
            "temperature_c": round(0.5 + (i % 7) * 0.25, 2),
            "humidity_pct": 90 if i % 3 else None,
        }
        for i in range(count)
    ]


def post(api, readings: list[dict[str, Any]]) -> dict[str, int]:
    response = api.post("/api/v1/telemetry/", {"readings": readings}, format="json")
    assert response.status_code == 202, response.content
    return response.json()


def partition_of_each(shipment: Shipment) -> dict[str, int]:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT tableoid::regclass::text, count(*) FROM {TABLE} "  # noqa: S608
            "WHERE shipment_id = %s GROUP BY 1",
            [shipment.pk],
        )
        return dict(cursor.fetchall())


def raw_hours(shipment: Shipment) -> list[tuple[Any, ...]]:
    """The hourly aggregation of the raw readings, as the rollups should hold it."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT sensor_id, date_trunc('hour', recorded_at, 'UTC'), count(*), "  # noqa: S608
            "min(temperature_c), max(temperature_c), round(sum(temperature_c)::numeric, 6), "
            f"count(humidity_pct), round(sum(humidity_pct)::numeric, 6) FROM {TABLE} "
            "WHERE shipment_id = %s GROUP BY 1, 2 ORDER BY 2, 1",
            [shipment.pk],
        )
        return [tuple(row) for row in cursor.fetchall()]


def rollup_hours(shipment: Shipment) -> list[tuple[Any, ...]]:
    from decimal import Decimal

    def r6(value: float | None) -> Decimal | None:
        return None if value is None else round(Decimal(value), 6)

    return [
        (
            h.sensor_id,
            h.hour,
            h.count,
            h.temperature_min,
            h.temperature_max,
            r6(h.temperature_sum),
            h.humidity_count,
            r6(h.humidity_sum),
        )
        for h in ReadingHour.objects.filter(shipment=shipment).order_by("hour", "sensor_id")
    ]


def test_the_readings_table_is_partitioned_with_this_and_next_month_and_a_default():
    assert is_partitioned(connection, TABLE)
    now = dt.datetime.now(UTC)
    this_month = dt.datetime(now.year, now.month, 1, tzinfo=UTC)
    assert this_month in month_partitions(connection, TABLE)
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [f"{TABLE}_default"])
        assert cursor.fetchone()[0] is not None


def test_partitions_are_created_ahead_once(settings):
    settings.TELEMETRY_PARTITIONS_AHEAD = 3
    created = telemetry.ensure_reading_partitions(dt.datetime(2031, 11, 20, tzinfo=UTC))
    assert created == [f"{TABLE}_p{m}" for m in ("203111", "203112", "203201", "203202")]
    assert telemetry.ensure_reading_partitions(dt.datetime(2031, 11, 20, tzinfo=UTC)) == []


def test_readings_that_arrived_before_their_month_existed_move_out_of_default(api, kiwi):
    start = dt.datetime(2025, 5, 10, tzinfo=UTC)
    post(api, rows(kiwi, start, 12))
    assert partition_of_each(kiwi) == {f"{TABLE}_default": 12}
    telemetry.ensure_reading_partitions(start)
    assert partition_of_each(kiwi) == {f"{TABLE}_p202505": 12}


def test_copy_across_a_month_boundary_lands_in_both_months_and_dedups_on_resend(api, kiwi):
    telemetry.ensure_reading_partitions(dt.datetime(2025, 1, 15, tzinfo=UTC))
    batch = rows(kiwi, dt.datetime(2025, 1, 31, 23, 0, tzinfo=UTC), 12)  # 23:00 to 00:50
    assert post(api, batch) == {"accepted": 12, "duplicates": 0, "conflicts": 0}
    assert partition_of_each(kiwi) == {f"{TABLE}_p202501": 6, f"{TABLE}_p202502": 6}
    again = batch + rows(kiwi, dt.datetime(2025, 2, 1, 1, 0, tzinfo=UTC), 2)
    assert post(api, again) == {"accepted": 2, "duplicates": 12, "conflicts": 0}
    assert TemperatureReading.objects.filter(shipment=kiwi).count() == 14
    changed = [dict(batch[0], temperature_c=9.0), dict(batch[-1], temperature_c=9.0)]
    assert post(api, changed) == {"accepted": 0, "duplicates": 0, "conflicts": 2}


@pytest.fixture
def copied_into(monkeypatch) -> list[str]:
    """The tables the COPYs of new batches write into, in order."""
    from tradehub import db

    tables: list[str] = []
    original = db._copy_prepared

    def spy(raw: Any, connection: Any, table: str, *args: Any, **kwargs: Any) -> None:
        tables.append(table.strip('"'))
        original(raw, connection, table, *args, **kwargs)

    monkeypatch.setattr(db, "_copy_prepared", spy)
    return tables


def test_a_new_batch_of_one_month_is_copied_straight_into_its_partition(api, kiwi, copied_into):
    telemetry.ensure_reading_partitions(dt.datetime(2025, 3, 1, tzinfo=UTC))
    batch = rows(kiwi, dt.datetime(2025, 3, 10, tzinfo=UTC), 30)
    assert post(api, batch) == {"accepted": 30, "duplicates": 0, "conflicts": 0}
    assert copied_into == [f"{TABLE}_p202503"]
    assert partition_of_each(kiwi) == {f"{TABLE}_p202503": 30}
    # Keyed by (shipment, sensor, time) as through the table; the database's clock stamped them.
    stored = TemperatureReading.objects.filter(shipment=kiwi).order_by("recorded_at")
    assert [r.pk for r in stored] == [
        (kiwi.pk, row["sensor_id"], dt.datetime.fromisoformat(row["recorded_at"])) for row in batch
    ]
    assert all(r.received_at is not None for r in stored)
    assert rollup_hours(kiwi) == raw_hours(kiwi)
    assert post(api, batch) == {"accepted": 0, "duplicates": 30, "conflicts": 0}
    # Two months (through the table, which routes each row), and a month without a partition
    # of its own (DEFAULT, through the table too).
    post(api, rows(kiwi, dt.datetime(2025, 3, 31, 23, 0, tzinfo=UTC), 12))
    post(api, rows(kiwi, dt.datetime(2019, 6, 1, tzinfo=UTC), 3))
    assert copied_into == [f"{TABLE}_p202503", TABLE, TABLE]
    assert rollup_hours(kiwi) == raw_hours(kiwi)


def test_a_partition_that_does_not_check_shipments_is_never_copied_into(api, kiwi, copied_into):
    telemetry.ensure_reading_partitions(dt.datetime(2025, 3, 1, tzinfo=UTC))
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TRIGGER reading_shipments_exist_insert ON {TABLE}_p202503")
    batch = rows(kiwi, dt.datetime(2025, 3, 10, tzinfo=UTC), 30)
    assert post(api, batch)["accepted"] == 30
    assert copied_into == [TABLE]
    assert partition_of_each(kiwi) == {f"{TABLE}_p202503": 30}


def test_a_batch_copied_into_a_partition_still_refuses_a_missing_shipment(kiwi, copied_into):
    telemetry.ensure_reading_partitions(dt.datetime(2025, 3, 1, tzinfo=UTC))
    missing = kiwi.pk + 1000
    start = dt.datetime(2025, 3, 10, tzinfo=UTC)
    batch = telemetry.ReadingBatch(
        [kiwi.pk] * 5 + [missing],
        ["S1"] * 6,
        [start + dt.timedelta(minutes=i) for i in range(6)],
        [4.0] * 6,
        [None] * 6,
        [""] * 6,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        telemetry.ingest_batch(batch)
    assert copied_into == [f"{TABLE}_p202503"]
    assert not TemperatureReading.objects.exists()


def test_rows_a_partition_refuses_go_through_the_table_with_their_rollups_once(
    api, kiwi, copied_into, monkeypatch
):
    # A partition whose bounds do not hold the batch (here: the next month's, by a wrong name).
    telemetry.ensure_reading_partitions(dt.datetime(2025, 3, 1, tzinfo=UTC))
    monkeypatch.setattr(telemetry, "partition_name", lambda table, month: f"{table}_p202504")
    batch = rows(kiwi, dt.datetime(2025, 3, 10, tzinfo=UTC), 30)
    assert post(api, batch) == {"accepted": 30, "duplicates": 0, "conflicts": 0}
    assert copied_into == [f"{TABLE}_p202504", TABLE]
    assert partition_of_each(kiwi) == {f"{TABLE}_p202503": 30}
    assert rollup_hours(kiwi) == raw_hours(kiwi)
    # A partition dropped between the probe and the COPY: the same.
    monkeypatch.setattr(telemetry, "partition_name", lambda table, month: f"{table}_p202503")
    original = telemetry.copy_new_rows

    def dropped_meanwhile(*args: Any, **kwargs: Any) -> bool:
        kwargs["partition"] = kwargs["partition"] and f"{TABLE}_p209901"
        return original(*args, **kwargs)

    monkeypatch.setattr(telemetry, "copy_new_rows", dropped_meanwhile)
    copied_into.clear()
    assert post(api, rows(kiwi, dt.datetime(2025, 3, 20, tzinfo=UTC), 30))["accepted"] == 30
    assert copied_into == [f"{TABLE}_p209901", TABLE]
    assert rollup_hours(kiwi) == raw_hours(kiwi)


def test_retention_drops_old_raw_months_and_keeps_their_rollups(api, kiwi, settings):
    settings.TELEMETRY_RAW_RETENTION_MONTHS = 2
    old, recent = dt.datetime(2025, 3, 5, tzinfo=UTC), dt.datetime(2025, 6, 5, tzinfo=UTC)
    telemetry.ensure_reading_partitions(old)
    telemetry.ensure_reading_partitions(recent)
    post(api, rows(kiwi, old, 30) + rows(kiwi, recent, 30))
    before = api.get(f"/api/v1/shipments/{kiwi.reference}/readings/", {"bucket": "1h"}).json()

    connection.check_constraints()  # as at commit: the test's deferred FK checks run now
    result = telemetry.prune_readings(now=dt.datetime(2025, 6, 20, tzinfo=UTC))

    assert result["cutoff"] == dt.datetime(2025, 4, 1, tzinfo=UTC)
    assert f"{TABLE}_p202503" in result["dropped"]
    assert f"{TABLE}_p202506" not in result["dropped"]
    assert not TemperatureReading.objects.filter(shipment=kiwi, recorded_at__lt=recent).exists()
    assert TemperatureReading.objects.filter(shipment=kiwi).count() == 30
    assert ReadingHour.objects.filter(shipment=kiwi, hour__lt=recent).count() == 5
    after = api.get(f"/api/v1/shipments/{kiwi.reference}/readings/", {"bucket": "1h"}).json()
    assert after["results"] == before["results"]  # the whole-history chart reads rollups


def test_retention_zero_keeps_everything(settings):
    settings.TELEMETRY_RAW_RETENTION_MONTHS = 0
    assert telemetry.prune_readings() == {"cutoff": None, "dropped": [], "deleted": 0}


def test_rollups_equal_raw_aggregation_with_resent_duplicates_and_conflicts(api, kiwi):
    rng = random.Random(15)
    start = dt.datetime(2025, 2, 27, 20, 7, tzinfo=UTC)
    sent: list[dict[str, Any]] = []
    for sensor in ("S1", "S2", "AIR"):
        batch = rows(kiwi, start, 400, step_min=7, sensor=sensor)
        for row in batch:
            row["temperature_c"] = round(rng.uniform(-1.0, 12.0), 2)
        sent += batch
    rng.shuffle(sent)
    post(api, sent[:700])
    post(api, sent[300:1000] + sent[:50])  # overlaps the first batch, repeats within itself
    resend = [dict(row, temperature_c=55.0) for row in sent[:40]]  # conflicts: first value stays
    post(api, resend + sent[1000:])
    assert TemperatureReading.objects.filter(shipment=kiwi).count() == 1200
    assert rollup_hours(kiwi) == raw_hours(kiwi)
    assert max(h.temperature_max for h in ReadingHour.objects.filter(shipment=kiwi)) < 55.0


def test_hourly_buckets_from_rollups_equal_raw_buckets_for_any_range(api, kiwi):
    start = dt.datetime(2025, 3, 30, 21, 3, tzinfo=UTC)
    post(api, rows(kiwi, start, 300, step_min=4) + rows(kiwi, start, 200, step_min=6, sensor="S2"))
    ranges = [
        (None, None),
        (dt.datetime(2025, 3, 30, 22, 30, tzinfo=UTC), dt.datetime(2025, 3, 31, 5, 10, tzinfo=UTC)),
        (dt.datetime(2025, 3, 31, 0, 0, tzinfo=UTC), dt.datetime(2025, 3, 31, 3, 0, tzinfo=UTC)),
        (dt.datetime(2025, 3, 31, 1, 15, tzinfo=UTC), dt.datetime(2025, 3, 31, 1, 45, tzinfo=UTC)),
    ]
    for begin, end in ranges:
        for seconds, offset in ((3600, 0), (7200, 0), (86400, 5 * 3600)):
            fast = selectors.bucketed_readings(kiwi, begin, end, seconds, 1000, None, offset)
            # `received_since` far in the past forces the raw path over the same readings.
            raw = selectors.bucketed_readings(
                kiwi, begin, end, seconds, 1000, dt.datetime(2000, 1, 1, tzinfo=UTC), offset
            )
            assert fast == raw, (begin, end, seconds)
            assert fast


def test_portable_rollup_rebuild_matches_the_postgresql_upsert(api, kiwi):
    start = dt.datetime(2025, 4, 1, 10, 0, tzinfo=UTC)
    post(api, rows(kiwi, start, 90) + rows(kiwi, start, 90, sensor="S2"))
    expected = rollup_hours(kiwi)
    ReadingHour.objects.filter(shipment=kiwi).delete()
    stored = TemperatureReading.objects.filter(shipment=kiwi).values(
        "shipment_id", "sensor_id", "recorded_at"
    )
    telemetry.recompute_rollups([dict(row) for row in stored])
    assert rollup_hours(kiwi) == expected
