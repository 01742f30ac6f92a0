"""Temperature telemetry and the excursions detected in it."""

from django.db import models
from django.db.models import Q
from django.db.models.functions import Now

from shipments.choices import ExcursionKind

from .products import Product
from .shipments import Lot, Shipment


class TemperatureReading(models.Model):
    """One sensor reading: the table that grows without bound (BRIN on time on PostgreSQL).

    Deduplicated on (shipment, sensor, time): within a shipment a duplicate is the same sensor and
    time. The shipment is part of the key so that one partner can never suppress another
    partner's readings by reusing a sensor id such as "S1".
    """

    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="readings")
    sensor_id = models.CharField(max_length=64)
    recorded_at = models.DateTimeField()
    temperature_c = models.FloatField()
    humidity_pct = models.FloatField(null=True, blank=True)
    # When TradeHub stored it (the database's clock, also under COPY): `updated_since` on the
    # readings list, so an incremental sync also sees readings that arrived late.
    received_at = models.DateTimeField(db_default=Now(), editable=False)

    class Meta:
        ordering = ["shipment", "recorded_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["shipment", "sensor_id", "recorded_at"], name="reading_unique_sensor_time"
            )
        ]
        # The unique index (shipment, sensor, time) serves dedup; per-shipment time range scans
        # use this one; the BRIN index on recorded_at is created by a PostgreSQL-only migration.
        indexes = [models.Index(fields=["shipment", "recorded_at"], name="reading_series")]

    def __str__(self) -> str:
        return f"{self.sensor_id} {self.recorded_at:%Y-%m-%d %H:%M} {self.temperature_c} °C"


class Excursion(models.Model):
    """A breach of a product's temperature limits during a shipment: start, end, peak, degree-hours."""

    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="excursions")
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="excursions", null=True, blank=True
    )
    lot = models.ForeignKey(
        Lot, on_delete=models.SET_NULL, related_name="excursions", null=True, blank=True
    )
    kind = models.CharField(max_length=10, choices=ExcursionKind.choices)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True, help_text="Empty while still going on")
    peak_c = models.FloatField()
    degree_hours = models.FloatField(default=0.0)
    limit_c = models.FloatField(null=True, blank=True, help_text="The limit that was broken")
    acknowledged = models.BooleanField(default=False)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["shipment", "started_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["shipment", "product", "kind", "started_at"],
                name="excursion_unique_start",
            )
        ]
        indexes = [
            # The control tower counts the excursions nobody has acknowledged yet.
            models.Index(
                fields=["started_at"],
                name="excursion_unacknowledged",
                condition=Q(acknowledged=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} excursion from {self.started_at:%Y-%m-%d %H:%M}"
