"""Append-only tracking events of a shipment."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from shipments.choices import EventClassifier, EventType

from .shipments import Shipment


class TrackingEvent(models.Model):
    """A partner-reported event (departed, arrived, ...); idempotent on the partner's event id."""

    shipment = models.ForeignKey(
        Shipment, on_delete=models.CASCADE, related_name="events", verbose_name=_("shipment")
    )
    event_id = models.CharField(max_length=100, verbose_name=_("event id"))
    type = models.CharField(max_length=20, choices=EventType.choices, verbose_name=_("type"))
    classifier = models.CharField(
        max_length=10, choices=EventClassifier.choices, verbose_name=_("classifier")
    )
    occurred_at = models.DateTimeField(verbose_name=_("occurred at"))
    location = models.ForeignKey(
        "reference.Location",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tracking_events",
        verbose_name=_("location"),
    )
    details = models.JSONField(default=dict, blank=True, verbose_name=_("details"))
    received_at = models.DateTimeField(auto_now_add=True, verbose_name=_("received at"))
    transit = models.ForeignKey(
        "declarations.Transit",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tracking_events",
        help_text=_(
            "The customs transit a border crossing or arrival of the inbound shipment belongs to"
        ),
        verbose_name=_("transit"),
    )

    class Meta:
        verbose_name = _("tracking event")
        verbose_name_plural = _("tracking events")
        ordering = ["shipment", "occurred_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["shipment", "event_id"], name="tracking_event_unique_event_id"
            )
        ]
        indexes = [
            models.Index(fields=["shipment", "occurred_at"], name="tracking_event_timeline"),
        ]

    def __str__(self) -> str:
        return f"{self.event_id} {self.classifier} {self.type} @ {self.occurred_at:%Y-%m-%d %H:%M}"
