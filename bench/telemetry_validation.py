"""Telemetry validation: 10,000 readings through the hand-written validator vs a DRF serializer.

Run: python bench/telemetry_validation.py   (or bin/bench telemetry_validation; no rows are written)

Paths over the same parsed JSON body of 10,000 valid rows:
  baseline         the smallest loop that parses each time and checks each number (no errors kept)
  columns          shipments.api.telemetry.validate_reading_batch (what POST /telemetry/ uses:
                   the usual batch checked a column at a time)
  row by row       shipments.api.telemetry.validate_readings (each row on its own; what the
                   columns fall back to at the first doubt)
  DRF serializer   ReadingInputSerializer(many=True) from shipments.api.serializers
The shipment lookup is replaced by one known reference, so only validation is measured.
Prints time ratios against the baseline, each paired with a baseline run in the same round.
"""

import datetime as dt
import math
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _setup import paired_ratios, print_ratios, setup_django

setup_django()

from shipments.api.serializers import ReadingInputSerializer  # noqa: E402
from shipments.api.telemetry import validate_reading_batch, validate_readings  # noqa: E402

N = 10_000
ROUNDS = 5
START = dt.datetime(2026, 7, 15, tzinfo=dt.UTC)
BODY: dict[str, list[dict[str, Any]]] = {
    "readings": [
        {
            "shipment": "SHP-BENCH00001",
            "sensor_id": "S1",
            "recorded_at": (START + dt.timedelta(minutes=i)).isoformat(),
            "temperature_c": 4.0 + (i % 50) / 10,
            "humidity_pct": 90.0,
        }
        for i in range(N)
    ]
}


class StubShipments:
    """Answers the one reference lookup the validator makes."""

    def filter(self, **kwargs: Any) -> "StubShipments":
        return self

    def values_list(self, *fields: str) -> list[tuple[str, int]]:
        return [("SHP-BENCH00001", 1)]


def baseline() -> None:
    for row in BODY["readings"]:
        dt.datetime.fromisoformat(row["recorded_at"])
        assert math.isfinite(float(row["temperature_c"]))
        assert 0 <= float(row["humidity_pct"]) <= 100


def columns() -> None:
    validate_reading_batch(BODY, StubShipments(), N)  # type: ignore[arg-type]


def row_by_row() -> None:
    validate_readings(BODY, StubShipments(), N)  # type: ignore[arg-type]


def drf() -> None:
    serializer = ReadingInputSerializer(data=BODY["readings"], many=True)
    assert serializer.is_valid()


if __name__ == "__main__":
    ratios = paired_ratios(
        {
            "baseline": baseline,
            "columns (validate_reading_batch)": columns,
            "row by row (validate_readings)": row_by_row,
            "DRF serializer per row": drf,
        },
        "baseline",
        ROUNDS,
    )
    print_ratios(f"Validate {N:,} telemetry readings", ratios)
