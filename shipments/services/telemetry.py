"""Telemetry intake: deduplicated bulk insert (COPY on PostgreSQL), then incremental processing."""

from typing import Any

from django.db import transaction

from shipments.models import TemperatureReading
from tradehub.db import insert_ignoring_duplicates

from .tracking import IntakeResult


def ingest_readings(rows: list[dict[str, Any]]) -> IntakeResult:
    """Store validated readings (`shipment_id`, `sensor_id`, `recorded_at`, `temperature_c`,
    `humidity_pct`), ignoring ones already known for the same shipment, sensor and time, and
    enqueue shelf-life processing for every shipment that got new readings."""
    unique: dict[tuple[Any, ...], dict[str, Any]] = {}
    for row in rows:
        unique.setdefault((row["shipment_id"], row["sensor_id"], row["recorded_at"]), row)
    with transaction.atomic():
        inserted = insert_ignoring_duplicates(
            TemperatureReading, list(unique.values()), ["shipment", "sensor_id", "recorded_at"]
        )
        if inserted:
            from shipments.tasks import process_readings_task

            for shipment_id in sorted({row["shipment_id"] for row in unique.values()}):
                process_readings_task.delay(shipment_id)
    return IntakeResult(accepted=inserted, duplicates=len(rows) - inserted)
