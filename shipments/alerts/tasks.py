"""Celery tasks of alerts: the periodic scan and a scan of one shipment after its data moved."""

from celery import shared_task

from . import services


@shared_task
def scan_alerts_task() -> dict[str, int]:
    """Run every alert rule once (beat)."""
    result = services.scan_alerts()
    return {"raised": len(result.raised), "resolved": len(result.resolved)}


@shared_task
def scan_shipment_alerts_task(shipment_id: int) -> dict[str, int]:
    """Re-evaluate the alerts of one shipment (after new readings, events or an ETA change)."""
    result = services.scan_alerts(shipment_ids=[shipment_id])
    return {"raised": len(result.raised), "resolved": len(result.resolved)}
