"""Temperature telemetry and the excursions detected in it."""

from django.db import models
from django.db.models import Q
from django.db.models.functions import Now
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from shipments.choices import ExcursionKind, SensorKind
from tradehub.times import local_label

from .products import Product
from .shipments import Lot, Shipment


class TemperatureReading(models.Model):
    """One sensor reading: the table that grows without bound (partitioned by month on PostgreSQL).

    Deduplicated on (shipment, sensor, time): within a shipment a duplicate is the same sensor and
    time. The shipment is part of the key so that one partner can never suppress another
    partner's readings by reusing a sensor id such as "S1".
    """

    # The dedup key is the primary key (migration 0025): no surrogate id, and the only index.
    # A shipment's window is read sensor by sensor through it, the sensors from the hourly
    # rollups (`selectors.readings_between`). No foreign key constraint either: its check ran
    # once per reading at COMMIT, as long as the whole COPY of a 10,000-reading batch. Triggers
    # keep the same guarantee once per statement (migration 0024, `docs/shipments.md`).
    pk = models.CompositePrimaryKey("shipment", "sensor_id", "recorded_at")
    shipment = models.ForeignKey(
        Shipment,
        on_delete=models.CASCADE,
        related_name="readings",
        db_index=False,
        db_constraint=False,
        verbose_name=_("shipment"),
    )
    sensor_id = models.CharField(max_length=64, verbose_name=_("sensor id"))
    recorded_at = models.DateTimeField(verbose_name=_("recorded at"))
    temperature_c = models.FloatField(verbose_name=_("temperature c"))
    humidity_pct = models.FloatField(null=True, blank=True, verbose_name=_("humidity pct"))
    # Where the sensor sits; "" (not given) is taken as product temperature, as before sensor kinds.
    sensor_kind = models.CharField(
        max_length=12,
        blank=True,
        default="",
        choices=SensorKind.choices,
        verbose_name=_("sensor kind"),
    )
    # When TradeHub stored it (the database's clock, also under COPY): `updated_since` on the
    # readings list, so an incremental sync also sees readings that arrived late.
    received_at = models.DateTimeField(
        db_default=Now(), editable=False, verbose_name=_("received at")
    )

    class Meta:
        verbose_name = _("temperature reading")
        verbose_name_plural = _("temperature readings")
        # Readings of one instant in sensor order (the key's): there is no arrival order to keep.
        ordering = ["shipment", "recorded_at", "sensor_id"]

    def __str__(self) -> str:
        return f"{self.sensor_id} {local_label(self.recorded_at)} {self.temperature_c} °C"


class ReadingHour(models.Model):
    """Hourly rollup of one sensor's readings on a shipment, kept at ingest: what long charts read.

    One row per (shipment, sensor, UTC hour), updated in the statement that stores the readings, from
    the readings that statement actually inserted (a re-sent duplicate adds nothing). Kept when the
    retention job drops raw readings (`prune_readings`), so whole-history charts outlive raw data.
    """

    shipment = models.ForeignKey(
        Shipment, on_delete=models.CASCADE, related_name="reading_hours", verbose_name=_("shipment")
    )
    sensor_id = models.CharField(max_length=64, verbose_name=_("sensor id"))
    hour = models.DateTimeField(verbose_name=_("hour"))
    count = models.IntegerField(verbose_name=_("readings"))
    temperature_min = models.FloatField(verbose_name=_("lowest temperature"))
    temperature_max = models.FloatField(verbose_name=_("highest temperature"))
    temperature_sum = models.FloatField(verbose_name=_("sum of temperatures"))
    humidity_count = models.IntegerField(default=0, verbose_name=_("readings with humidity"))
    humidity_min = models.FloatField(null=True, blank=True, verbose_name=_("lowest humidity"))
    humidity_max = models.FloatField(null=True, blank=True, verbose_name=_("highest humidity"))
    humidity_sum = models.FloatField(null=True, blank=True, verbose_name=_("sum of humidities"))

    class Meta:
        verbose_name = _("hourly reading rollup")
        verbose_name_plural = _("hourly reading rollups")
        ordering = ["shipment", "hour", "sensor_id"]
        constraints = [
            # Leads with (shipment, hour): the upsert target and the chart's range scan in one index.
            models.UniqueConstraint(
                fields=["shipment", "hour", "sensor_id"], name="reading_hour_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.sensor_id} {local_label(self.hour)} x{self.count}"


class Excursion(models.Model):
    """A breach of a product's temperature limits during a shipment: start, end, peak, degree-hours."""

    shipment = models.ForeignKey(
        Shipment, on_delete=models.CASCADE, related_name="excursions", verbose_name=_("shipment")
    )
    product = models.ForeignKey(
        Product,
        on_delete=models.PROTECT,
        related_name="excursions",
        null=True,
        blank=True,
        verbose_name=_("product"),
    )
    lot = models.ForeignKey(
        Lot,
        on_delete=models.SET_NULL,
        related_name="excursions",
        null=True,
        blank=True,
        verbose_name=_("lot"),
    )
    kind = models.CharField(max_length=20, choices=ExcursionKind.choices, verbose_name=_("kind"))
    started_at = models.DateTimeField(verbose_name=_("started at"))
    ended_at = models.DateTimeField(
        null=True, blank=True, help_text=_("Empty while still going on"), verbose_name=_("ended at")
    )
    peak_c = models.FloatField(verbose_name=_("peak c"))
    degree_hours = models.FloatField(default=0.0, verbose_name=_("degree hours"))
    limit_c = models.FloatField(
        null=True, blank=True, help_text=_("The limit that was broken"), verbose_name=_("limit c")
    )
    acknowledged = models.BooleanField(default=False, verbose_name=_("acknowledged"))
    acknowledged_at = models.DateTimeField(null=True, blank=True, verbose_name=_("acknowledged at"))
    acknowledged_by = models.CharField(
        max_length=200, blank=True, verbose_name=_("acknowledged by")
    )
    comment = models.TextField(
        blank=True,
        help_text=_("What was checked or done when it was acknowledged."),
        verbose_name=_("comment"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("excursion")
        verbose_name_plural = _("excursions")
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
        return gettext("%(kind)s from %(start)s") % {
            "kind": self.get_kind_display(),
            "start": local_label(self.started_at),
        }
