"""Re-evaluate a shipment's alerts when its status or ETA changes (after commit)."""

from typing import Any

from shipments.signals import shipment_status_changed


def on_shipment_status_changed(sender: Any, shipment: Any = None, **kwargs: Any) -> None:
    """Queue a scan of that one shipment (cheap: only its lots and events)."""
    from .tasks import scan_shipment_alerts_task

    if shipment is not None:
        scan_shipment_alerts_task.delay(shipment.pk)


def connect_signals() -> None:
    """Connect once (dispatch_uid makes repeated ready() calls harmless)."""
    shipment_status_changed.connect(
        on_shipment_status_changed, dispatch_uid="alerts.on_shipment_status_changed"
    )
