"""The readings list read sensor by sensor through the key (migration 0025): the same rows, in the
same order, as the ORM's query over the whole shipment; pages and cursors as before."""

import datetime as dt
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from django.db import connection
from django.utils import timezone

from shipments import selectors
from shipments.models import Shipment, TemperatureReading
from shipments.services.shelf import process_readings
from shipments.services.telemetry import ingest_readings
from tests.shipments.factories import make_shipment

pytestmark = pytest.mark.django_db

UTC = dt.UTC
T0 = dt.datetime(2026, 7, 30, 22, 0, tzinfo=UTC)  # the series cross a month (partition) bound


def store(shipment: Shipment, sensor: str, start: dt.datetime, count: int, step_min: int) -> None:
    ingest_readings(
        [
            {
                "shipment_id": shipment.pk,
                "sensor_id": sensor,
                "recorded_at": start + dt.timedelta(minutes=step_min * i),
                "temperature_c": round(1.0 + (i % 9) / 4, 2),
                "humidity_pct": None if i % 4 == 0 else 80.0 + i % 5,
                "sensor_kind": "",
            }
            for i in range(count)
        ]
    )


@pytest.fixture
def shipment(partner) -> Shipment:
    """Five sensors: equal instants across sensors (whose ids do not sort as they arrived),
    sensors that start or stop within the window, one far earlier."""
    shipment = make_shipment(partner)
    store(shipment, "S2", T0, 40, 10)
    store(shipment, "S10", T0, 40, 10)
    store(shipment, "A-1", T0 + dt.timedelta(minutes=95), 12, 5)
    store(shipment, "S1", T0 - dt.timedelta(days=40), 6, 60)
    store(shipment, "Ω", T0 + dt.timedelta(minutes=200), 30, 7)
    return shipment


def key(reading: TemperatureReading) -> tuple[Any, ...]:
    return (
        reading.shipment_id,
        reading.sensor_id,
        reading.recorded_at,
        reading.temperature_c,
        reading.humidity_pct,
        reading.sensor_kind,
        reading.received_at,
    )


RANGES = [
    (None, None),
    (T0 + dt.timedelta(minutes=35), None),
    (None, T0 + dt.timedelta(minutes=130)),
    (T0 + dt.timedelta(minutes=30), T0 + dt.timedelta(minutes=300)),
    (T0 + dt.timedelta(minutes=95), T0 + dt.timedelta(minutes=95)),
    (T0 - dt.timedelta(days=41), T0 - dt.timedelta(days=39)),
]


@pytest.mark.parametrize(("start", "end"), RANGES)
def test_pages_are_the_orm_querys_rows_in_the_same_order(shipment, start, end):
    pages = selectors.ReadingPages(shipment, start, end)
    # The ORM's query over the whole shipment, without the sensor restriction at all.
    everything = TemperatureReading.objects.filter(shipment=shipment).order_by(
        *selectors.READING_ORDER
    )
    if start is not None:
        everything = everything.filter(recorded_at__gte=start)
    if end is not None:
        everything = everything.filter(recorded_at__lt=end)
    expected = [key(r) for r in everything]
    assert [key(r) for r in pages.queryset()] == expected
    backwards = pages.order_by(*(f"-{name}" for name in selectors.READING_ORDER))
    middle = T0 + dt.timedelta(minutes=100)
    for offset, size in [(0, 1), (0, 7), (3, 5), (0, 500), (60, 10), (200, 3)]:
        assert [key(r) for r in pages[offset : offset + size]] == expected[offset : offset + size]
        assert [key(r) for r in backwards[offset : offset + size]] == list(reversed(expected))[
            offset : offset + size
        ]
        after = [row for row in expected if row[2] > middle]
        assert [key(r) for r in pages.filter(recorded_at__gt=middle)[offset : offset + size]] == (
            after[offset : offset + size]
        )
        before = [row for row in reversed(expected) if row[2] < middle]
        assert [
            key(r) for r in backwards.filter(recorded_at__lt=str(middle))[offset : offset + size]
        ] == before[offset : offset + size]


def test_updated_since_pages_only_readings_stored_since(shipment):
    since = timezone.now()
    store(shipment, "S2", T0 + dt.timedelta(minutes=5), 10, 10)  # between the stored ones
    pages = selectors.ReadingPages(shipment, None, None, since)
    fresh = [key(r) for r in pages[0:100]]
    assert [row[1:3] for row in fresh] == [
        ("S2", T0 + dt.timedelta(minutes=5 + 10 * i)) for i in range(10)
    ]
    assert fresh == [key(r) for r in pages.queryset()]


def walk(api, url: str, params: dict[str, str]) -> tuple[list[dict[str, Any]], list[Any]]:
    """Every page forwards (`next`), then back from the last one (`previous`)."""
    pages, cursors = [], []
    answer = api.get(url, params).json()
    pages.append(answer["results"])
    while answer["next"]:
        cursor = parse_qs(urlparse(answer["next"]).query)["cursor"][0]
        cursors.append(cursor)
        answer = api.get(url, {**params, "cursor": cursor}).json()
        pages.append(answer["results"])
    back = [answer["results"]]
    while answer["previous"]:
        cursor = parse_qs(urlparse(answer["previous"]).query)["cursor"][0]
        answer = api.get(url, {**params, "cursor": cursor}).json()
        back.append(answer["results"])
    assert list(reversed(back)) == pages
    return [row for page in pages for row in page], cursors


@pytest.mark.parametrize(("start", "end"), RANGES[:4])
def test_the_list_pages_forwards_and_back_through_every_reading(api, shipment, start, end):
    url = f"/api/v1/shipments/{shipment.reference}/readings/"
    params = {"page_size": "4"}
    if start is not None:
        params["from"] = start.isoformat()
    if end is not None:
        params["to"] = end.isoformat()
    rows, cursors = walk(api, url, params)
    expected = selectors.readings_between(shipment, start, end)
    assert [(r["sensor_id"], r["recorded_at"]) for r in rows] == [
        (r.sensor_id, timezone.localtime(r.recorded_at).isoformat()) for r in expected
    ]
    assert len(cursors) == (len(rows) - 1) // 4
    # Readings of one instant go in sensor order: S10 before S2 (as strings), not arrival order.
    instant = timezone.localtime(T0).isoformat()
    assert [r["sensor_id"] for r in rows if r["recorded_at"] == instant][:2] in ([], ["S10", "S2"])


def test_a_forged_position_is_a_400(api, shipment):
    from tradehub.api.pagination import encoded_cursor

    url = f"/api/v1/shipments/{shipment.reference}/readings/"
    answer = api.get(url, {"cursor": encoded_cursor(0, False, "not a time")})
    assert answer.status_code == 400
    assert answer.json()["errors"][0]["pointer"] == "/query/cursor"


def test_new_readings_are_processed_and_found_by_beat_sensor_by_sensor(shipment):
    process_readings(shipment.pk)
    shipment.refresh_from_db()
    until = shipment.readings_processed_until
    assert until == T0 + dt.timedelta(minutes=200 + 7 * 29)
    assert selectors.shipments_with_unprocessed_readings(dt.timedelta(0)) == []
    # A new sensor (no rollup before the processed time) and a known one, after it.
    store(shipment, "B-new", until + dt.timedelta(minutes=1), 3, 1)
    store(shipment, "S2", until + dt.timedelta(minutes=30), 2, 1)
    assert selectors.shipments_with_unprocessed_readings(dt.timedelta(0)) == [shipment.pk]
    assert process_readings(shipment.pk) == 5
    assert selectors.shipments_with_unprocessed_readings(dt.timedelta(0)) == []


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL plans")
def test_a_page_reads_the_key_sensor_by_sensor_with_partitions_pruned(shipment):
    pages = selectors.ReadingPages(shipment, T0 + dt.timedelta(hours=3), T0 + dt.timedelta(hours=5))
    captured: list[str] = []

    def explain(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        if sql.startswith("SELECT r."):
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (COSTS OFF) " + sql, params)
                captured.extend(row[0] for row in cursor.fetchall())
        return execute(sql, params, many, context)

    with connection.execute_wrapper(explain):
        pages[0:50]
    plan = "\n".join(captured)
    assert "shipments_temperaturereading_pkey" in plan or "_pkey" in plan
    assert "Seq Scan" not in plan
    # The window lies in August: July's partition is not read.
    assert "_p202607" not in plan
