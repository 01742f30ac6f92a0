"""Models of the shipments app, one module per concern (alerts add their own module)."""

from .alerts import Alert
from .products import Product
from .shipments import Leg, Lot, RequiredDocument, Shipment, ShipmentVersion
from .telemetry import Excursion, TemperatureReading
from .tracking import TrackingEvent

__all__ = [
    "Alert",
    "Excursion",
    "Leg",
    "Lot",
    "Product",
    "RequiredDocument",
    "Shipment",
    "ShipmentVersion",
    "TemperatureReading",
    "TrackingEvent",
]
