"""Statuses, channels, event types and alert severities of the notifications app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DeliveryChannel(models.TextChoices):
    """How an outbound message travels."""

    EMAIL = "email", _("Email")
    WEBHOOK = "webhook", _("Webhook")


class DeliveryMessageStatus(models.TextChoices):
    """Outbox lifecycle: pending -> sending -> delivered, or back to pending for a retry, or failed."""

    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")


class WebhookEvent(models.TextChoices):
    """Event types partners may subscribe to."""

    DECLARATION_STATUS_CHANGED = "declaration.status_changed", _("Declaration status changed")
    SHIPMENT_STATUS_CHANGED = "shipment.status_changed", _("Shipment status changed")
    SHIPMENT_CHANGED = "shipment.changed", _("Shipment corrected or cancelled")
    ALERT_CREATED = "alert.created", _("Alert created")


class Severity(models.TextChoices):
    """Alert severity; `high` is emailed at once, the rest goes into the digest."""

    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


SEVERITY_RANK = {Severity.LOW: 0, Severity.MEDIUM: 1, Severity.HIGH: 2}


def severity_rank(severity: str) -> int:
    """Order of a severity (higher is more urgent); unknown values rank lowest."""
    return SEVERITY_RANK.get(Severity(severity), 0) if severity in Severity.values else 0


class EmailKind(models.TextChoices):
    """What an email message carries."""

    ALERT = "alert", _("Immediate alert")
    DIGEST = "digest", _("Alert digest")
