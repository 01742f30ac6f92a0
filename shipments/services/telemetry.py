"""Telemetry intake: deduplicated bulk insert (COPY on PostgreSQL), then incremental processing."""

from typing import Any

from django.db import transaction

from shipments.models import Shipment, TemperatureReading
from tradehub.db import insert_reporting_conflicts

from .tracking import IntakeResult


def _flag_late_readings(earliest: dict[int, Any]) -> None:
    """Mark shipments that received readings older than what was already integrated, so the
    next processing run replays their history (incremental integration cannot go back)."""
    processed = Shipment.objects.filter(
        pk__in=list(earliest), readings_processed_until__isnull=False
    ).values_list("pk", "readings_processed_until")
    late = [pk for pk, until in processed if earliest[pk] <= until]
    if late:
        Shipment.objects.filter(pk__in=late).update(readings_need_replay=True)


def ingest_readings(rows: list[dict[str, Any]]) -> IntakeResult:
    """Store validated readings (`shipment_id`, `sensor_id`, `recorded_at`, `temperature_c`,
    `humidity_pct`), ignoring ones already known for the same shipment, sensor and time, and
    enqueue shelf-life processing (durably, in the same transaction) for every shipment named.

    A reading whose (shipment, sensor, time) is known with another temperature or humidity is a
    conflict, counted apart from duplicates: the stored (first) value stays."""
    unique: dict[tuple[Any, ...], dict[str, Any]] = {}
    for row in rows:
        unique.setdefault((row["shipment_id"], row["sensor_id"], row["recorded_at"]), row)
    with transaction.atomic():
        inserted, conflicts = insert_reporting_conflicts(
            TemperatureReading,
            rows,
            ["shipment", "sensor_id", "recorded_at"],
            ["temperature_c", "humidity_pct"],
        )
        from shipments.tasks import process_readings_task

        if inserted:
            earliest: dict[int, Any] = {}
            for row in unique.values():
                at = earliest.get(row["shipment_id"])
                if at is None or row["recorded_at"] < at:
                    earliest[row["shipment_id"]] = row["recorded_at"]
            _flag_late_readings(earliest)
        # Processing is owed for every shipment of the batch, duplicates included: a retry of a
        # request whose processing was lost must not strand it. The outbox row is written in this
        # transaction (tradehub.work), so a committed batch is always processed.
        for shipment_id in sorted({row["shipment_id"] for row in unique.values()}):
            process_readings_task.enqueue_durably(shipment_id)
    return IntakeResult(
        accepted=inserted, duplicates=len(rows) - inserted - conflicts, conflicts=conflicts
    )
