"""Statuses and kinds of the shipments app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class TempGroup(models.TextChoices):
    """Storage temperature groups: products of different groups should not share a reefer."""

    A = "A", _("A: -1..0 °C")
    B = "B", _("B: about 5..8 °C")
    C = "C", _("C: about 10..13 °C")


class EthyleneLevel(models.TextChoices):
    """Ethylene production class or sensitivity, ordered from none to very high."""

    NONE = "none", _("None")
    VERY_LOW = "very_low", _("Very low")
    LOW = "low", _("Low")
    MODERATE = "moderate", _("Moderate")
    HIGH = "high", _("High")
    VERY_HIGH = "very_high", _("Very high")


ETHYLENE_RANK = {level.value: rank for rank, level in enumerate(EthyleneLevel)}


class ShipmentKind(models.TextChoices):
    """Why the shipment moves."""

    INBOUND = "inbound", _("Inbound to Almaty")
    DISTRIBUTION = "distribution", _("Regional distribution")
    DIRECT = "direct", _("Direct")


class ShipmentStatus(models.TextChoices):
    """Where the shipment is, derived from actual tracking events."""

    BOOKED = "booked", _("Booked")
    IN_TRANSIT = "in_transit", _("In transit")
    AT_BORDER = "at_border", _("At border")
    CUSTOMS_HOLD = "customs_hold", _("Customs hold")
    ARRIVED = "arrived", _("Arrived")
    DELIVERED = "delivered", _("Delivered")
    CANCELLED = "cancelled", _("Cancelled")
    EXCEPTION = "exception", _("Exception")


# Statuses after which a shipment can no longer be late.
FINISHED_STATUSES = (ShipmentStatus.ARRIVED, ShipmentStatus.DELIVERED, ShipmentStatus.CANCELLED)


class ShipmentChange(models.TextChoices):
    """What made a new version of a shipment (its history)."""

    CORRECTED = "corrected", _("Corrected while booked")
    CANCELLED = "cancelled", _("Cancelled")


class RequiredDocumentStatus(models.TextChoices):
    """Where a document a shipment needs stands."""

    MISSING = "missing", _("Missing")
    PROVIDED = "provided", _("Provided")
    ACCEPTED = "accepted", _("Accepted")


# Actual events that mean the cargo moved: none may be recorded for a shipment that has not yet
# departed while a document it needs is not ready (they all derive a moving status).
MOVEMENT_EVENTS = (
    "departed",
    "transshipped",
    "border_crossed",
    "arrived",
    "customs_released",
    "delivered",
)


class LotCondition(models.TextChoices):
    """How a lot of perishable cargo is doing."""

    OK = "ok", _("OK")
    AT_RISK = "at_risk", _("At risk")
    EXPIRED = "expired", _("Expired")


class TrackingEventType(models.TextChoices):
    """Tracking event vocabulary (close to DCSA / EPCIS business steps)."""

    DEPARTED = "departed", _("Departed")
    ARRIVED = "arrived", _("Arrived")
    BORDER_CROSSED = "border_crossed", _("Border crossed")
    CUSTOMS_HOLD = "customs_hold", _("Customs hold")
    CUSTOMS_RELEASED = "customs_released", _("Customs released")
    TRANSSHIPPED = "transshipped", _("Transshipped")
    DELIVERED = "delivered", _("Delivered")
    DOOR_OPENED = "door_opened", _("Door opened")
    EXCEPTION = "exception", _("Exception")


class EventClassifier(models.TextChoices):
    """Whether an event happened, is expected, or was planned."""

    ACTUAL = "actual", _("Actual")
    ESTIMATED = "estimated", _("Estimated")
    PLANNED = "planned", _("Planned")


class ExcursionKind(models.TextChoices):
    """Which limit an excursion broke: the one vocabulary of excursions (`shipments.shelf_life`
    judges readings by these kinds, the Excursion model and the API store and show them)."""

    HIGH = "high", _("Above the storage range")
    LOW = "low", _("Below the storage range")
    CHILLING = "chilling", _("Below the chilling threshold")
    FREEZING = "freezing", _("At or below the freezing point")
    KILLING_RANGE = "killing_range", _("Inside the killing range")
    HUMIDITY_HIGH = "humidity_high", _("Relative humidity above its band")
    HUMIDITY_LOW = "humidity_low", _("Relative humidity below its band")


class Ripeness(models.TextChoices):
    """Ripeness stages whose storage differs (tomato: USDA colour stages)."""

    MATURE_GREEN = "mature_green", _("Mature green")
    LIGHT_RED = "light_red", _("Light red (USDA colour stage 5)")
    FIRM_RIPE = "firm_ripe", _("Firm ripe (USDA colour stage 6)")


class SensorKind(models.TextChoices):
    """Where a telemetry sensor sits. Air readings give an estimated product temperature."""

    SUPPLY_AIR = "supply_air", _("Supply air")
    RETURN_AIR = "return_air", _("Return air")
    PRODUCT = "product", _("Product probe")
    AMBIENT = "ambient", _("Ambient (outside the reefer)")


class PackageKind(models.TextChoices):
    """How the cargo is packed: sets how slowly the product follows the air temperature."""

    PALLET_CARTONS = "pallet_cartons", _("Cartons on pallets")
    CRATES = "crates", _("Open crates")
    BINS = "bins", _("Bulk bins")


# Time constant (hours) of the first-order lag from reefer air to product temperature per package
# kind. ASSUMPTIONS of TradeHub, not literature figures (no per-package value was found in the
# sources read): calibrate them against product probes; staff can change them here.
PACKAGE_TIME_CONSTANT_HOURS: dict[str, float] = {
    PackageKind.PALLET_CARTONS.value: 8.0,
    PackageKind.CRATES.value: 4.0,
    PackageKind.BINS.value: 12.0,
}
