"""Models of the shipments app, one module per concern (alerts add their own module)."""

from .alerts import Alert
from .products import Product
from .shipments import Leg, Lot, RequiredDocument, Shipment, ShipmentVersion
from .telemetry import Excursion, ReadingHour, TemperatureReading
from .tracking import LeadTime, TrackingEvent

__all__ = [
    "Alert",
    "Excursion",
    "LeadTime",
    "Leg",
    "Lot",
    "Product",
    "ReadingHour",
    "RequiredDocument",
    "Shipment",
    "ShipmentVersion",
    "TemperatureReading",
    "TrackingEvent",
]
