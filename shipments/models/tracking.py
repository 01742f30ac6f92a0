"""Append-only tracking events of a shipment."""

from django.db import models

from shipments.choices import EventClassifier, EventType

from .shipments import Shipment


class TrackingEvent(models.Model):
    """A partner-reported event (departed, arrived, ...); idempotent on the partner's event id."""

    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="events")
    event_id = models.CharField(max_length=100)
    type = models.CharField(max_length=20, choices=EventType.choices)
    classifier = models.CharField(max_length=10, choices=EventClassifier.choices)
    occurred_at = models.DateTimeField()
    location = models.ForeignKey(
        "reference.Location",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tracking_events",
    )
    details = models.JSONField(default=dict, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    transit = models.ForeignKey(
        "declarations.Transit",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tracking_events",
        help_text="The customs transit a border crossing or arrival of the inbound shipment "
        "belongs to",
    )

    class Meta:
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
