"""The fast paths of `POST /telemetry/` (issue #15) answer exactly as the full checks do."""

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from shipments.api.telemetry import _check_row, _fast_row
from shipments.models import ReadingHour, TemperatureReading
from tests.shipments.factories import make_shipment
from tests.shipments.test_telemetry import START, post, rows

# The COPY and the one-statement re-sent check are PostgreSQL's; SQLite stores row by row.
postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL's COPY and re-sent check"
)

NOW = timezone.now()
MINUTE = dt.timedelta(minutes=1)
GOOD: dict[str, Any] = {
    "shipment": "SHP-1",
    "sensor_id": "S1",
    "recorded_at": "2026-11-01T10:00:00+05:00",
    "temperature_c": 4.5,
    "humidity_pct": 90.0,
}
VARIANTS: list[dict[str, Any]] = [
    {},
    {"sensor_kind": "supply_air"},
    {"sensor_kind": "air"},
    {"sensor_kind": ""},
    {"sensor_kind": None},
    {"sensor_kind": "nope"},
    {"sensor_kind": ["air"]},
    {"sensor_kind": 1},
    {"humidity_pct": None},
    {"humidity_pct": 100},
    {"humidity_pct": 100.5},
    {"humidity_pct": -0.0},
    {"humidity_pct": True},
    {"humidity_pct": float("nan")},
    {"humidity_pct": "90"},
    {"temperature_c": 80},
    {"temperature_c": 80.01},
    {"temperature_c": -80},
    {"temperature_c": 10**400},
    {"temperature_c": float("inf")},
    {"temperature_c": float("nan")},
    {"temperature_c": False},
    {"temperature_c": None},
    {"temperature_c": "4"},
    {"shipment": "  SHP-1 "},
    {"shipment": "   "},
    {"shipment": 7},
    {"sensor_id": " S1 "},
    {"sensor_id": "x" * 64},
    {"sensor_id": "x" * 65},
    {"sensor_id": " " * 3},
    {"sensor_id": "a\x00b"},
    {"sensor_id": "\ud800"},
    {"sensor_id": "датчик"},
    {"recorded_at": "2026-11-01T10:00:00"},
    {"recorded_at": "2026-11-01T10:00:00Z"},
    {"recorded_at": "2026-11-01 10:00:00.123456-03:30"},
    {"recorded_at": "1999-12-31T23:59:59+00:00"},
    {"recorded_at": "0001-01-01T00:00:00+01:00"},
    {"recorded_at": (NOW + dt.timedelta(hours=2)).isoformat()},
    {"recorded_at": "not a time"},
    {"recorded_at": "2026-11-01T10:00:00+00:00" + " " * 30},
    {"recorded_at": 1700000000},
    {"extra": 1},
]


@pytest.mark.parametrize("change", VARIANTS, ids=repr)
def test_fast_row_takes_only_rows_the_full_check_passes_and_builds_the_same(change):
    row = {**GOOD, **change}
    errors: list[tuple[str, str, str]] = []
    full = _check_row(row, NOW, lambda *error: errors.append(error))
    fast = _fast_row(row, NOW)
    if fast is not None:
        assert not errors
        assert fast == full
        assert [type(v) for v in fast.values()] == [type(full[k]) for k in fast]


@pytest.mark.parametrize("row", [None, [], "x", 1, {"recorded_at": None}])
def test_fast_row_steps_aside_for_anything_but_an_object_of_readings(row):
    assert _fast_row(row, NOW) is None


def test_the_usual_rows_take_the_fast_path():
    for change in (
        {},
        {"sensor_kind": "supply_air"},
        {"humidity_pct": None},
        {"temperature_c": -3},
    ):
        assert _fast_row({**GOOD, **change}, NOW) is not None


@pytest.fixture
def kiwi(partner, products):
    return make_shipment(partner, lots=[{"product": "kiwifruit", "packed_on": START.date()}])


def _rollups(shipment) -> list[tuple]:
    return list(
        ReadingHour.objects.filter(shipment=shipment)
        .order_by("hour", "sensor_id")
        .values_list("sensor_id", "hour", "count", "temperature_sum", "humidity_sum")
    )


@pytest.mark.django_db
def test_a_resent_batch_is_recognised_before_any_copy_with_its_conflicts(api, kiwi):
    first = rows(kiwi, [1.0, 2.0, 3.0, 4.0]) + rows(kiwi, [5.0, 6.0], sensor="S2")
    assert post(api, first).json() == {"accepted": 6, "duplicates": 0, "conflicts": 0}
    rollups = _rollups(kiwi)
    assert post(api, first).json() == {"accepted": 0, "duplicates": 6, "conflicts": 0}
    changed = [*first[:4], first[4] | {"temperature_c": 9.5}, first[5] | {"humidity_pct": None}]
    assert post(api, changed).json() == {"accepted": 0, "duplicates": 4, "conflicts": 2}
    inside = [*first, first[0] | {"temperature_c": 7.0}]  # an in-batch conflict on top
    assert post(api, inside).json() == {"accepted": 0, "duplicates": 6, "conflicts": 1}
    assert _rollups(kiwi) == rollups  # duplicates add nothing
    assert TemperatureReading.objects.filter(shipment=kiwi).count() == 6


@pytest.mark.django_db
def test_a_batch_whose_ends_are_stored_but_not_its_middle_is_still_inserted(api, kiwi):
    batch = rows(kiwi, [1.0, 2.0, 3.0, 4.0])
    assert post(api, [batch[0], batch[3]]).json()["accepted"] == 2
    assert post(api, batch).json() == {"accepted": 2, "duplicates": 2, "conflicts": 0}
    # Other readings of the series between the batch's ends do not fool the check either.
    every_minute = rows(kiwi, [0.5] * 46, step_min=1)
    assert post(api, every_minute).json()["accepted"] == 42
    sparse = rows(kiwi, [1.0, 2.0, 0.5], step_min=15)
    assert post(api, sparse).json() == {"accepted": 0, "duplicates": 2, "conflicts": 1}


@pytest.mark.django_db
def test_a_batch_with_new_ends_but_a_stored_middle_falls_back_and_counts_right(api, kiwi):
    batch = rows(kiwi, [1.0, 2.0, 3.0, 4.0])
    assert post(api, [batch[1], batch[2] | {"temperature_c": 8.0}]).json()["accepted"] == 2
    rollups_before = _rollups(kiwi)
    assert post(api, batch).json() == {"accepted": 2, "duplicates": 1, "conflicts": 1}
    # The direct COPY tried first was rolled back whole: two readings and their rollups only.
    assert TemperatureReading.objects.filter(shipment=kiwi).count() == 4
    counts = {hour: count for _, hour, count, _, _ in _rollups(kiwi)}
    assert sum(counts.values()) == 4
    assert sum(count for _, _, count, _, _ in rollups_before) == 2


@pytest.mark.django_db
def test_the_garbage_collector_is_back_on_after_a_batch_good_or_bad(api, kiwi):
    import gc

    assert gc.isenabled()
    assert post(api, rows(kiwi, [1.0])).status_code == 202
    assert gc.isenabled()
    assert post(api, rows(kiwi, [99.0])).status_code == 400
    assert gc.isenabled()


def _rollup_reprs(shipment) -> list[str]:
    # repr, so -0.0 and 0.0 and the last bit of a sum count as different.
    return [
        repr(row)
        for row in ReadingHour.objects.filter(shipment=shipment)
        .order_by("hour", "sensor_id")
        .values_list(
            "sensor_id",
            "hour",
            "count",
            "temperature_min",
            "temperature_max",
            "temperature_sum",
            "humidity_count",
            "humidity_min",
            "humidity_max",
            "humidity_sum",
        )
    ]


def _varied(shipment, start: dt.datetime) -> list[dict[str, Any]]:
    """Readings whose rollups tell the two ways apart if they differ at all: sums whose last bit
    depends on the order of addition, ties of 0.0 and -0.0 either way round, hours with no
    humidity, some humidity or a null after a value, offsets that cross hour boundaries, ids
    beyond ASCII, integers."""
    temps = [0.1, 0.2, 0.3, 0.0, -0.0, -0.0, 0.0, 79.9, -80, 12, 1e-300, -5.5, 0.7]
    humidity = [None, 50.5, None, 0, -0.0, 0.0, 100, None, None, None, 33.3, 66.7, None]
    zones = [
        dt.UTC,
        dt.timezone(dt.timedelta(hours=5, minutes=30)),
        dt.timezone(-dt.timedelta(hours=3)),
    ]
    batch = []
    for i in range(60):
        at = start + dt.timedelta(minutes=17 * i, microseconds=(i * 7919) % 1_000_000)
        at = at.astimezone(zones[i % 3])
        row = {
            "shipment": shipment.reference,
            "sensor_id": ["S1", "датчик", "传感器"][i % 3] if i % 4 else "S1",
            "recorded_at": at.isoformat(),
            "temperature_c": temps[i % len(temps)],
            "humidity_pct": humidity[(i * 7) % len(humidity)],
        }
        if i % 5 == 0:
            row["sensor_kind"] = "supply_air"
        batch.append(row)
    return batch


@pytest.mark.django_db
def test_rollups_of_a_new_batch_computed_in_python_equal_the_databases(
    api, partner, products, monkeypatch
):
    """A new batch is COPYed (binary) straight into the table and its rollups computed in Python
    (`rollups_of`). The same batches through the temp-table path, whose rollups the database
    aggregates, and through the generic path (text COPY of `get_db_prep_save` values) must leave
    the very same readings and rollups, also when a batch merges into stored rollups."""
    from shipments.services import telemetry

    start = START.replace(minute=0) - dt.timedelta(hours=30)
    direct, temp_table, generic = (make_shipment(partner) for _ in range(3))
    for shipment in (direct, temp_table, generic):
        if shipment is temp_table:
            monkeypatch.setattr(telemetry, "copy_new_rows", lambda *args, **kwargs: False)
        if shipment is generic:
            # The API's batch as dicts, through the ORM's conversions (the text COPY path).
            monkeypatch.setattr(
                telemetry, "ingest_batch", lambda batch: telemetry._ingest_row_by_row(batch.rows())
            )
        fresh = _varied(shipment, start)
        # Same hours again, other instants, other order: merged into the stored rollups.
        more = [
            row
            | {
                "recorded_at": (
                    dt.datetime.fromisoformat(row["recorded_at"]) + MINUTE * 3
                ).isoformat()
            }
            for row in fresh[::-1]
        ]
        assert post(api, fresh).json() == {"accepted": 60, "duplicates": 0, "conflicts": 0}
        assert post(api, more).json() == {"accepted": 60, "duplicates": 0, "conflicts": 0}
    assert len(_rollup_reprs(direct)) > 20
    assert _rollup_reprs(direct) == _rollup_reprs(temp_table) == _rollup_reprs(generic)
    stored = TemperatureReading.objects.order_by("recorded_at", "sensor_id").values_list(
        "sensor_id", "recorded_at", "temperature_c", "humidity_pct", "sensor_kind"
    )
    readings = [repr(list(stored.filter(shipment=s))) for s in (direct, temp_table, generic)]
    assert readings[0] == readings[1] == readings[2]
    # Re-sent (times with microseconds, in three zones): recognised before any COPY.
    monkeypatch.undo()

    def no_copy(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a re-sent batch was COPYed")

    monkeypatch.setattr(telemetry, "copy_new_rows", no_copy)
    monkeypatch.setattr(telemetry, "copy_insert_prepared", no_copy)
    again = _varied(direct, start)
    assert post(api, again).json() == {"accepted": 0, "duplicates": 60, "conflicts": 0}
    again[7] |= {"temperature_c": again[7]["temperature_c"] - 1}
    assert post(api, again).json() == {"accepted": 0, "duplicates": 59, "conflicts": 1}
    # In any order (the check walks both sides in time order).
    assert post(api, again[::-1]).json() == {"accepted": 0, "duplicates": 59, "conflicts": 1}


@postgresql_only
@pytest.mark.django_db
def test_the_direct_copy_is_taken_for_a_new_batch_and_rolled_back_whole_on_a_clash(
    api, kiwi, monkeypatch
):
    from shipments.services import telemetry

    calls: list[bool] = []
    original = telemetry.copy_new_rows

    def spy(*args: Any, **kwargs: Any) -> bool:
        calls.append(original(*args, **kwargs))
        return calls[-1]

    monkeypatch.setattr(telemetry, "copy_new_rows", spy)
    batch = rows(kiwi, [1.0, 2.0, 3.0, 4.0])
    assert post(api, batch).json()["accepted"] == 4
    assert calls == [True]
    # Both ends new (the probe says new), the middle stored: one is a conflict (2.0 then 2.5).
    clash = rows(kiwi, [5.0, 1.0, 2.5, 3.0, 4.0, 6.0], start=START - dt.timedelta(minutes=15))
    assert post(api, clash).json() == {"accepted": 2, "duplicates": 3, "conflicts": 1}
    assert calls == [True, False]
    assert TemperatureReading.objects.filter(shipment=kiwi).count() == 6
    assert sum(ReadingHour.objects.filter(shipment=kiwi).values_list("count", flat=True)) == 6
    assert TemperatureReading.objects.get(shipment=kiwi, recorded_at=START).temperature_c == 1.0


@pytest.mark.django_db
def test_validated_rows_name_the_shipment_by_id_whichever_check_took_them(kiwi):
    from shipments.api.telemetry import validate_readings
    from shipments.models import Shipment

    fast = GOOD | {"shipment": kiwi.reference}
    slow = fast | {"sensor_id": " датчик ", "humidity_pct": None, "sensor_kind": "ambient"}
    assert _fast_row(fast, NOW) is not None and _fast_row(slow, NOW) is None
    out = validate_readings({"readings": [fast, slow]}, Shipment.objects.all(), 10)
    at = dt.datetime(2026, 11, 1, 5, tzinfo=dt.UTC)
    common = {"shipment_id": kiwi.pk, "recorded_at": at, "temperature_c": 4.5}
    assert out == [
        common | {"sensor_id": "S1", "humidity_pct": 90.0, "sensor_kind": ""},
        common | {"sensor_id": "датчик", "humidity_pct": None, "sensor_kind": "ambient"},
    ]


def _batch_of(rows_: list[dict[str, Any]]) -> list[Any]:
    """What `_fast_columns` must build: `_fast_row`'s values, a column per field."""
    fast = [_fast_row(row, NOW) for row in rows_]
    assert all(row is not None for row in fast)
    return [
        [row[name] for row in fast]  # type: ignore[index]
        for name in ("shipment", "sensor_id", "recorded_at", "temperature_c", "humidity_pct")
    ] + [[row["sensor_kind"] for row in fast]]  # type: ignore[index]


def _typed(columns: Any) -> list[list[tuple[type, Any]]]:
    # Types too: 4 and 4.0 are equal, but COPY's binary float8 needs the float.
    return [[(type(value), value) for value in column] for column in columns]


@pytest.mark.parametrize("change", VARIANTS, ids=repr)
@pytest.mark.parametrize("where", [0, 5, 11])
def test_fast_columns_take_only_batches_whose_rows_all_pass_and_build_the_same(change, where):
    """The column-at-a-time check of a batch equals `_fast_row` on each row: it takes a batch
    only when `_fast_row` takes every row (which only takes rows the full check passes), and
    builds the same values of the same types."""
    from shipments.api.telemetry import _fast_columns

    batch = [
        GOOD | {"recorded_at": f"2026-11-01T10:{i:02d}:00+05:00", "temperature_c": 4.5 + i}
        for i in range(12)
    ]
    batch[where] = batch[where] | change
    columns = _fast_columns(batch, NOW)
    if all(_fast_row(row, NOW) is not None for row in batch):
        assert columns is not None
        assert _typed(columns) == _typed(_batch_of(batch))
    else:
        assert columns is None


MIXED = [
    [GOOD, GOOD | {"temperature_c": 3, "humidity_pct": None}],
    [GOOD | {"humidity_pct": None}] * 3,
    [GOOD | {"humidity_pct": 50}, GOOD | {"humidity_pct": None}, GOOD],
    [GOOD | {"sensor_kind": "air"}, GOOD | {"sensor_kind": None}, GOOD | {"sensor_kind": ""}],
    [GOOD | {"sensor_id": " S1"}, GOOD | {"sensor_id": "S2 "}, GOOD],
    [GOOD | {"shipment": "SHP-1 "}, GOOD | {"shipment": "SHP-2"}],
    [GOOD | {"recorded_at": "2026-11-01T10:00:00Z"}, GOOD | {"recorded_at": "2026-11-01T10:00:00"}],
    [
        GOOD | {"recorded_at": "2026-11-01T10:00:00+00:00"},
        GOOD | {"recorded_at": "2026-11-01T10:00:00.5-03:30"},
        GOOD | {"recorded_at": "2026-11-01 10:00:00+14:00"},
    ],
    [GOOD | {"temperature_c": -80}, GOOD | {"temperature_c": 80.0}, GOOD | {"temperature_c": 0}],
    [GOOD | {"temperature_c": -0.0}, GOOD | {"humidity_pct": -0.0}],
    [GOOD, GOOD | {"temperature_c": float("nan")}],
    [GOOD, GOOD | {"humidity_pct": float("nan")}, GOOD | {"humidity_pct": None}],
    [GOOD, GOOD | {"temperature_c": float("inf")}],
    [GOOD, GOOD | {"temperature_c": 10**400}],
    [GOOD, GOOD | {"humidity_pct": True}],
    [GOOD, GOOD | {"sensor_kind": ["air"]}],
    [GOOD, GOOD | {"sensor_kind": 0}],
    [GOOD, GOOD | {"sensor_kind": False}],
    [GOOD, ["not", "an", "object"]],
    [GOOD, GOOD | {"sensor_id": "x" * 65}],
    [GOOD, GOOD | {"recorded_at": "0001-01-01T00:30:00+01:00"}],
    [GOOD, {k: v for k, v in GOOD.items() if k != "humidity_pct"}],
    [GOOD, {k: v for k, v in GOOD.items() if k != "temperature_c"}],
]


@pytest.mark.parametrize("batch", MIXED, ids=repr)
def test_fast_columns_on_mixed_batches(batch):
    from shipments.api.telemetry import _fast_columns

    columns = _fast_columns(batch, NOW)
    if all(_fast_row(row, NOW) is not None for row in batch):
        assert columns is not None
        assert _typed(columns) == _typed(_batch_of(batch))
    else:
        assert columns is None


@pytest.mark.django_db
@pytest.mark.parametrize("batch", MIXED, ids=repr)
def test_the_validated_batch_equals_the_validated_rows_and_errors_are_the_same(kiwi, batch):
    """`validate_reading_batch` (what the view uses) against `validate_readings` (row by row):
    the same values in columns, or the very same error."""
    from rest_framework.exceptions import ValidationError

    from shipments.api.telemetry import validate_reading_batch, validate_readings
    from shipments.models import Shipment
    from shipments.services.telemetry import ReadingBatch

    batch = [
        row | {"shipment": row["shipment"].replace("SHP-1", kiwi.reference)}
        if isinstance(row, dict)
        else row
        for row in batch
    ]
    scope = Shipment.objects.all()
    try:
        expected: Any = ReadingBatch.of_rows(validate_readings({"readings": batch}, scope, 100))
    except ValidationError as error:
        expected = error.detail
    try:
        got: Any = validate_reading_batch({"readings": batch}, scope, 100)
    except ValidationError as error:
        got = error.detail
    if isinstance(expected, ReadingBatch):
        assert _typed(got.columns()) == _typed(expected.columns())
    else:
        assert got == expected


@postgresql_only
@pytest.mark.django_db
def test_a_resent_batch_of_many_sensors_is_recognised_before_any_copy(api, kiwi, monkeypatch):
    """Any number of series (there was a limit of 8, a query each; now one statement reads
    them all): the conflicts are counted, and a missing reading in any series sends the batch
    the COPY way."""
    from shipments.services import telemetry

    batch = [
        row
        for sensor in range(12)
        for row in rows(kiwi, [1.0 + sensor, 2.0, 3.0], sensor=f"S{sensor:02d}")
    ]
    assert post(api, batch).json() == {"accepted": 36, "duplicates": 0, "conflicts": 0}
    # Stored readings the re-sent batch does not name, inside its span: stepped over.
    between = rows(kiwi, [9.0], sensor="S05", start=START + dt.timedelta(minutes=20))
    assert post(api, between).json()["accepted"] == 1
    copies = {"count": 0}
    for name in ("copy_new_rows", "copy_insert_prepared"):
        original = getattr(telemetry, name)

        def counted(*args: Any, original: Any = original, **kwargs: Any) -> Any:
            copies["count"] += 1
            return original(*args, **kwargs)

        monkeypatch.setattr(telemetry, name, counted)
    changed = [*batch[:7], batch[7] | {"temperature_c": 0.5}, *batch[8:]]
    answer = post(api, changed[::-1]).json()  # in any order
    assert answer == {"accepted": 0, "duplicates": 35, "conflicts": 1}
    assert copies["count"] == 0
    missing = rows(kiwi, [4.0], sensor="S06", start=START + dt.timedelta(minutes=5))
    assert post(api, [*batch[:18], *missing, *batch[18:]]).json() == {
        "accepted": 1,
        "duplicates": 36,
        "conflicts": 0,
    }
    assert copies["count"] >= 1


@postgresql_only
@pytest.mark.django_db
def test_one_series_resent_in_time_order_or_not_counts_the_same(api, kiwi):
    """The re-sent check of one series in time order compares the batch's own columns (no
    picking by index): its answers equal those of the general walk, sent in order or not, with
    stored readings between the batch's times or not."""
    from shipments.services import telemetry

    every_minute = rows(kiwi, [i / 2 for i in range(31)], step_min=1)
    assert post(api, every_minute).json()["accepted"] == 31
    sparse = rows(kiwi, [0.0, 1.0, 9.0], step_min=2)  # minutes 0, 2, 4: one conflict
    # Minutes 0, 15, 30: more stored in the span than twice the batch, left to the COPY path.
    wide = rows(kiwi, [0.0, 7.5, 9.0], step_min=15)
    dense = [*every_minute[:3], every_minute[3] | {"humidity_pct": None}, *every_minute[4:]]
    for batch, conflicts, resent in (
        (sparse, 1, 1),
        (dense, 1, 1),
        (every_minute, 0, 0),
        (wide, 1, None),
    ):
        for sent in (batch, batch[::-1]):
            answer = post(api, sent).json()
            assert answer == {
                "accepted": 0,
                "duplicates": len(batch) - conflicts,
                "conflicts": conflicts,
            }
        checked = telemetry.ReadingBatch.of_rows(
            [
                {
                    "shipment_id": kiwi.pk,
                    "sensor_id": row["sensor_id"],
                    "recorded_at": dt.datetime.fromisoformat(row["recorded_at"]).astimezone(dt.UTC),
                    "temperature_c": float(row["temperature_c"]),
                    "humidity_pct": None if row["humidity_pct"] is None else 90.0,
                    "sensor_kind": "",
                }
                for row in batch
            ]
        )
        assert telemetry._one_series_in_time_order(checked)
        for ordered in (True, None, False):
            assert telemetry._resent_conflicts(checked, ordered) == resent
