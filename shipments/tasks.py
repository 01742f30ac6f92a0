"""Celery tasks of the shipments app: thin, take ids, idempotent; the work is in services."""

from celery import shared_task

from tradehub.celery import DurableTask

from . import selectors
from .services import housekeeping, shelf, telemetry, tracking


@shared_task(base=DurableTask)
def derive_shipment_status_task(shipment_id: int) -> str | None:
    """Re-derive a shipment's status, leg times and ETA from its tracking events."""
    return tracking.derive_status(shipment_id)


@shared_task(base=DurableTask)
def process_readings_task(shipment_id: int) -> int:
    """Integrate a shipment's new readings into lot shelf life and excursions."""
    return shelf.process_readings(shipment_id)


@shared_task
def process_stale_readings_task() -> int:
    """Beat sweep: shipments with readings newer than what was integrated (or flagged for a
    replay) are processed, whatever happened to their queued task."""
    ids = selectors.shipments_with_unprocessed_readings()
    for shipment_id in ids:
        shelf.process_readings(shipment_id)
    return len(ids)


@shared_task
def mark_expired_lots_task() -> int:
    """Mark lots whose shelf life ran out as expired; re-enqueue while batches come back full."""
    count = housekeeping.mark_expired_lots()
    if count >= housekeeping.BATCH_SIZE:
        mark_expired_lots_task.delay()
    return count


@shared_task
def mark_lots_at_risk_task() -> int:
    """Move lots that are running out (or will before arrival) to at risk."""
    return housekeeping.mark_lots_at_risk()


@shared_task
def mark_overdue_shipments_task() -> int:
    """Flag shipments past their estimated arrival; re-enqueue while batches come back full."""
    count = housekeeping.mark_overdue_shipments()
    if count >= housekeeping.BATCH_SIZE:
        mark_overdue_shipments_task.delay()
    return count


@shared_task
def ensure_reading_partitions_task() -> list[str]:
    """Create the readings partitions of this month and the months ahead (PostgreSQL)."""
    return telemetry.ensure_reading_partitions()


@shared_task
def prune_readings_task() -> int:
    """Drop raw readings past `TELEMETRY_RAW_RETENTION_MONTHS`, keeping the hourly rollups."""
    result = telemetry.prune_readings()
    return len(result["dropped"]) + result["deleted"]
