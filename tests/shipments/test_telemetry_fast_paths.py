"""The fast paths of `POST /telemetry/` (issue #15) answer exactly as the full checks do."""

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from shipments.api.telemetry import _check_row, _fast_row

NOW = timezone.now()
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
