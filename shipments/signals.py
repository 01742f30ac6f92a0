"""Signals other apps (alerts, webhooks) connect to without shipments importing them."""

from django.dispatch import Signal

# Sent after commit when a shipment's derived status changes: sender=Shipment,
# shipment=<Shipment>, old_status=str, new_status=str.
shipment_status_changed = Signal()
