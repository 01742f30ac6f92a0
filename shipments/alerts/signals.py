"""Re-evaluate a shipment's alerts right after its status, ETA or readings moved."""

from typing import Any

from shipments.signals import shipment_status_changed


def on_shipment_status_changed(sender: Any, shipment: Any = None, **kwargs: Any) -> None:
    """Queue a scan of that one shipment (cheap: only its lots and events)."""
    from .tasks import scan_shipment_alerts_task

    if shipment is not None:
        scan_shipment_alerts_task.delay(shipment.pk)


# Tasks of the shipments app after which a shipment's lots or ETA may have moved.
RESCAN_AFTER_TASKS = {
    "shipments.tasks.process_readings_task",
    "shipments.tasks.derive_shipment_status_task",
}


def on_task_postrun(
    sender: Any = None, args: Any = None, state: str | None = None, **kw: Any
) -> None:
    """In the worker: after new readings or events were processed, re-scan that shipment."""
    from .tasks import scan_shipment_alerts_task

    if getattr(sender, "name", None) in RESCAN_AFTER_TASKS and state == "SUCCESS" and args:
        scan_shipment_alerts_task.delay(args[0])


def connect_signals() -> None:
    """Connect once (dispatch_uid makes repeated ready() calls harmless)."""
    from celery.signals import task_postrun

    shipment_status_changed.connect(
        on_shipment_status_changed, dispatch_uid="alerts.on_shipment_status_changed"
    )
    task_postrun.connect(on_task_postrun, dispatch_uid="alerts.on_task_postrun", weak=False)
