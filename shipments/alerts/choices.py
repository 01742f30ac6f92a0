"""Alert kinds and states."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AlertKind(models.TextChoices):
    """What an alert is about (API vocabulary)."""

    EXPIRING_SOON = "expiring_soon", _("Expiring soon")
    EXPIRES_BEFORE_ARRIVAL = "expires_before_arrival", _("Expires before arrival")
    EXPIRED = "expired", _("Expired")
    TEMPERATURE_EXCURSION = "temperature_excursion", _("Temperature excursion")
    CUSTOMS_HOLD_OVERDUE = "customs_hold_overdue", _("Customs hold overdue")
    ARRIVAL_LATE = "arrival_late", _("Arrival late")
    TRANSIT_OVERDUE = "transit_overdue", _("Transit overdue")


class AlertState(models.TextChoices):
    """open -> acknowledged -> resolved (resolved alerts reopen when their condition returns)."""

    OPEN = "open", _("Open")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    RESOLVED = "resolved", _("Resolved")


class AlertSubjectType(models.TextChoices):
    """Kind of object an alert is about."""

    LOT = "lot", _("Lot")
    SHIPMENT = "shipment", _("Shipment")
    DECLARATION = "declaration", _("Declaration")
