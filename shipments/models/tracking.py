"""Append-only tracking events of a shipment."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from shipments.choices import EventClassifier, TrackingEventType
from tradehub.reference.choices import LegMode

from .shipments import Shipment


class TrackingEvent(models.Model):
    """A partner-reported event (departed, arrived, ...); idempotent on the partner's event id."""

    shipment = models.ForeignKey(
        Shipment, on_delete=models.CASCADE, related_name="events", verbose_name=_("shipment")
    )
    event_id = models.CharField(max_length=100, verbose_name=_("event id"))
    type = models.CharField(
        max_length=20, choices=TrackingEventType.choices, verbose_name=_("type")
    )
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


class LeadTime(models.Model):
    """How long a move from one place to another takes by one mode: planning data with its source.

    Re-route advice reads it where no delivered shipment of the pair has been observed yet; once
    shipments were delivered, their median door-to-door time is used instead (`shipments.reroute`)."""

    origin = models.ForeignKey(
        "reference.Location",
        on_delete=models.CASCADE,
        related_name="lead_times_from",
        verbose_name=_("origin"),
    )
    destination = models.ForeignKey(
        "reference.Location",
        on_delete=models.CASCADE,
        related_name="lead_times_to",
        verbose_name=_("destination"),
    )
    mode = models.CharField(max_length=10, choices=LegMode.choices, verbose_name=_("mode"))
    hours = models.FloatField(verbose_name=_("hours"))
    source = models.TextField(verbose_name=_("source"), help_text=_("Where the figure comes from"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("lead time")
        verbose_name_plural = _("lead times")
        ordering = ["origin", "destination", "mode"]
        constraints = [
            models.UniqueConstraint(
                fields=["origin", "destination", "mode"], name="leadtime_unique_route"
            ),
            models.CheckConstraint(condition=models.Q(hours__gt=0), name="leadtime_hours_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.origin_id} → {self.destination_id} {self.mode}: {self.hours:g} h"
