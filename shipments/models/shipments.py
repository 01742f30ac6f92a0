"""Shipments, their legs and the lots of perishable cargo they carry."""

from functools import partial

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shipments.choices import (
    FINISHED_STATUSES,
    LotCondition,
    PackageKind,
    RequiredDocumentStatus,
    ShipmentChange,
    ShipmentKind,
    ShipmentStatus,
)
from tradehub.ids import new_reference
from tradehub.reference.choices import LegMode, OnwardProcedure, RequiredDocumentType

from .products import Product


class ShipmentQuerySet(models.QuerySet["Shipment"]):
    """Filters used by lists, beat jobs and the admin."""

    def open(self) -> "ShipmentQuerySet":
        """Shipments still on their way (not arrived, delivered or cancelled)."""
        return self.exclude(status__in=FINISHED_STATUSES)


class Shipment(models.Model):
    """A movement of cargo from an origin to a destination over one or more legs."""

    reference = models.CharField(
        max_length=20,
        unique=True,
        editable=False,
        default=partial(new_reference, "SHP"),
        verbose_name=_("reference"),
    )
    partner = models.ForeignKey(
        "partners.Partner",
        on_delete=models.PROTECT,
        related_name="shipments",
        verbose_name=_("partner"),
    )
    partner_reference = models.CharField(
        max_length=100, blank=True, verbose_name=_("partner reference")
    )
    kind = models.CharField(max_length=20, choices=ShipmentKind.choices, verbose_name=_("kind"))
    origin = models.ForeignKey(
        "reference.Location",
        on_delete=models.PROTECT,
        related_name="shipments_from",
        verbose_name=_("origin"),
    )
    destination = models.ForeignKey(
        "reference.Location",
        on_delete=models.PROTECT,
        related_name="shipments_to",
        verbose_name=_("destination"),
    )
    declaration = models.ForeignKey(
        "declarations.Declaration",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="shipments",
        verbose_name=_("declaration"),
    )
    package_kind = models.CharField(
        max_length=20,
        choices=PackageKind.choices,
        default=PackageKind.PALLET_CARTONS,
        help_text=_("Sets how slowly the product follows the air (thermal time constant)"),
        verbose_name=_("package kind"),
    )
    setpoint_c = models.FloatField(
        null=True, blank=True, help_text=_("Reefer setpoint (°C)"), verbose_name=_("setpoint c")
    )
    planned_departure = models.DateTimeField(
        null=True, blank=True, verbose_name=_("planned departure")
    )
    planned_arrival = models.DateTimeField(null=True, blank=True, verbose_name=_("planned arrival"))
    estimated_arrival = models.DateTimeField(
        null=True, blank=True, db_index=True, verbose_name=_("estimated arrival")
    )
    actual_departure = models.DateTimeField(
        null=True, blank=True, verbose_name=_("actual departure")
    )
    actual_arrival = models.DateTimeField(null=True, blank=True, verbose_name=_("actual arrival"))
    status = models.CharField(
        max_length=20,
        choices=ShipmentStatus.choices,
        default=ShipmentStatus.BOOKED,
        verbose_name=_("status"),
    )
    status_since = models.DateTimeField(
        default=timezone.now,
        help_text=_("When the shipment entered its current status"),
        verbose_name=_("status since"),
    )
    is_overdue = models.BooleanField(
        default=False,
        help_text=_("Set by beat when the estimated arrival has passed"),
        verbose_name=_("is overdue"),
    )
    onward_formalities = models.CharField(
        max_length=40,
        blank=True,
        choices=OnwardProcedure.choices,
        help_text=_("The procedure that takes the goods on to the destination (route data)"),
        verbose_name=_("onward formalities"),
    )
    onward_route = models.JSONField(
        default=dict,
        blank=True,
        help_text=_("The route the goods take on: mode, transit countries in order, exit point"),
        verbose_name=_("onward route"),
    )
    onward_declaration = models.ForeignKey(
        "declarations.Declaration",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="onward_shipments",
        help_text=_("The release or re-export declaration the goods leave customs control under"),
        verbose_name=_("onward declaration"),
    )
    consignee = models.JSONField(default=dict, blank=True, verbose_name=_("consignee"))
    # Bumped by every correction or cancellation; the earlier states are ShipmentVersion rows.
    version = models.PositiveIntegerField(default=1, verbose_name=_("version"))
    # Telemetry processing state: readings up to this time are integrated into the lots.
    readings_processed_until = models.DateTimeField(
        null=True, blank=True, verbose_name=_("readings processed until")
    )
    # Set when readings older than `readings_processed_until` arrive: the next processing run
    # integrates the whole history again instead of only the new tail.
    readings_need_replay = models.BooleanField(
        default=False, verbose_name=_("readings need replay")
    )
    # Excursion detector state per product band, persisted between incremental runs.
    excursion_state = models.JSONField(default=dict, blank=True, verbose_name=_("excursion state"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, db_index=True, verbose_name=_("updated at"))

    objects = ShipmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("shipment")
        verbose_name_plural = _("shipments")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["partner", "-created_at"], name="shipment_partner_created"),
            # A partner's `updated_since` poll: an empty answer is one index probe.
            models.Index(fields=["partner", "updated_at"], name="shipment_partner_updated"),
            models.Index(fields=["status"], name="shipment_status"),
            # Beat looks only at open shipments that are not yet flagged late.
            models.Index(
                fields=["estimated_arrival"],
                name="shipment_overdue_candidates",
                condition=Q(is_overdue=False) & ~Q(status__in=[s.value for s in FINISHED_STATUSES]),
            ),
            # The control tower counts the late shipments still on their way.
            models.Index(
                fields=["estimated_arrival"],
                name="shipment_overdue",
                condition=Q(is_overdue=True) & ~Q(status__in=[s.value for s in FINISHED_STATUSES]),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(planned_arrival__isnull=True)
                | Q(planned_departure__isnull=True)
                | Q(planned_arrival__gte=models.F("planned_departure")),
                name="shipment_planned_times_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    def clean(self) -> None:
        if (
            self.planned_departure
            and self.planned_arrival
            and self.planned_arrival < self.planned_departure
        ):
            raise ValidationError({"planned_arrival": "Must not be before planned departure."})


class ShipmentVersion(models.Model):
    """A shipment as it stood before a correction or its cancellation (append-only history)."""

    shipment = models.ForeignKey(
        Shipment, on_delete=models.CASCADE, related_name="versions", verbose_name=_("shipment")
    )
    version = models.PositiveIntegerField(
        help_text=_("The version this snapshot was"), verbose_name=_("version")
    )
    change = models.CharField(
        max_length=20,
        choices=ShipmentChange.choices,
        help_text=_("What replaced it"),
        verbose_name=_("change"),
    )
    changed_fields = models.JSONField(default=list, blank=True, verbose_name=_("changed fields"))
    reason = models.CharField(max_length=500, blank=True, verbose_name=_("reason"))
    actor = models.CharField(max_length=200, verbose_name=_("actor"))
    snapshot = models.JSONField(verbose_name=_("snapshot"))
    created_at = models.DateTimeField(
        auto_now_add=True, db_index=True, verbose_name=_("created at")
    )

    class Meta:
        ordering = ["shipment", "version"]
        verbose_name = _("shipment version")
        verbose_name_plural = _("shipment versions")
        constraints = [
            models.UniqueConstraint(fields=["shipment", "version"], name="shipmentversion_unique")
        ]

    def __str__(self) -> str:
        return f"{self.shipment_id} v{self.version} ({self.change})"


class Leg(models.Model):
    """One stretch of a shipment on one mode of transport."""

    shipment = models.ForeignKey(
        Shipment, on_delete=models.CASCADE, related_name="legs", verbose_name=_("shipment")
    )
    sequence = models.PositiveSmallIntegerField(verbose_name=_("sequence"))
    mode = models.CharField(max_length=10, choices=LegMode.choices, verbose_name=_("mode"))
    from_location = models.ForeignKey(
        "reference.Location",
        on_delete=models.PROTECT,
        related_name="legs_from",
        verbose_name=_("from location"),
    )
    to_location = models.ForeignKey(
        "reference.Location",
        on_delete=models.PROTECT,
        related_name="legs_to",
        verbose_name=_("to location"),
    )
    planned_departure = models.DateTimeField(
        null=True, blank=True, verbose_name=_("planned departure")
    )
    planned_arrival = models.DateTimeField(null=True, blank=True, verbose_name=_("planned arrival"))
    actual_departure = models.DateTimeField(
        null=True, blank=True, verbose_name=_("actual departure")
    )
    actual_arrival = models.DateTimeField(null=True, blank=True, verbose_name=_("actual arrival"))
    vehicle = models.CharField(
        max_length=100,
        blank=True,
        help_text=_("Truck plate, wagon or vessel"),
        verbose_name=_("vehicle"),
    )
    container = models.CharField(max_length=11, blank=True, verbose_name=_("container"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("leg")
        verbose_name_plural = _("legs")
        ordering = ["shipment", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["shipment", "sequence"], name="leg_unique_sequence"),
            models.CheckConstraint(condition=Q(sequence__gte=1), name="leg_sequence_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.shipment_id}#{self.sequence} {self.mode}"


class LotQuerySet(models.QuerySet["Lot"]):
    """Lot filters."""

    def not_expired(self) -> "LotQuerySet":
        return self.exclude(condition=LotCondition.EXPIRED)


class Lot(models.Model):
    """A line of cargo: one product, a quantity and its shelf-life state."""

    shipment = models.ForeignKey(
        Shipment, on_delete=models.CASCADE, related_name="lots", verbose_name=_("shipment")
    )
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="lots", verbose_name=_("product")
    )
    lot_code = models.CharField(max_length=50, blank=True, verbose_name=_("lot code"))
    net_kg = models.DecimalField(max_digits=12, decimal_places=3, verbose_name=_("net kg"))
    packages = models.PositiveIntegerField(default=0, verbose_name=_("packages"))
    packed_on = models.DateField(verbose_name=_("packed on"))
    goods_item = models.ForeignKey(
        "declarations.GoodsItem",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="lots",
        help_text=_("The declared goods item this lot came from"),
        verbose_name=_("goods item"),
    )
    expires_at = models.DateTimeField(
        help_text=_("Static expiry: packed date plus storage life at the optimum"),
        verbose_name=_("expires at"),
    )
    # Field heat (optional): harvest and pre-cooling times. With a harvest time the time before the
    # cold chain is charged at the field temperature (assumed ASSUMED_FIELD_TEMP_C unless given) up
    # to pre-cooling, or, if pre-cooling is not recorded, up to the first reading.
    harvested_at = models.DateTimeField(null=True, blank=True)
    precooled_at = models.DateTimeField(null=True, blank=True)
    field_temp_c = models.FloatField(
        null=True,
        blank=True,
        help_text="Field temperature until pre-cooling (blank: assumed 30 °C)",
    )
    # Shelf-life state, advanced incrementally as readings arrive.
    consumed_fraction = models.FloatField(
        default=0.0,
        help_text=_(
            "Share of shelf life used up from packing until the last processed reading "
            "(packing to first reading counted at the optimum); 0 before any reading"
        ),
        verbose_name=_("consumed fraction"),
    )
    chilling_damage = models.FloatField(
        default=0.0,
        help_text=_("Share of the chilling-injury onset dose accumulated (1.0: injury expected)"),
        verbose_name=_("chilling damage"),
    )
    shelf_life_ends_at = models.DateTimeField(
        help_text=_("When the lot runs out if kept at its optimum after the readings so far"),
        verbose_name=_("shelf life ends at"),
    )
    # shipments.shelf_life.LotState as JSON, advanced incrementally as readings arrive.
    shelf_state = models.JSONField(
        default=dict,
        blank=True,
        help_text=_("Shelf-life model state"),
        verbose_name=_("shelf state"),
    )
    # The state the lot started with (inherited from the inbound lot it was split from), which a
    # replay of the whole temperature history starts from.
    initial_shelf_state = models.JSONField(
        default=dict, blank=True, verbose_name=_("initial shelf state")
    )
    condition = models.CharField(
        max_length=10,
        choices=LotCondition.choices,
        default=LotCondition.OK,
        verbose_name=_("condition"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    objects = LotQuerySet.as_manager()

    class Meta:
        verbose_name = _("lot")
        verbose_name_plural = _("lots")
        ordering = ["shipment", "id"]
        indexes = [
            # Beat scans only lots not yet expired, by when they run out.
            models.Index(
                fields=["shelf_life_ends_at"],
                name="lot_expiry_candidates",
                condition=~Q(condition="expired"),
            ),
            models.Index(fields=["condition"], name="lot_condition"),
            # A shipment's worst shelf life (control tower, shipments at risk) as the first entry
            # for that shipment, whatever the planner thinks of the lots per shipment.
            models.Index(fields=["shipment", "shelf_life_ends_at"], name="lot_shipment_shelf_life"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(net_kg__gt=0), name="lot_net_kg_positive"),
            models.CheckConstraint(
                condition=Q(precooled_at__isnull=True)
                | (Q(harvested_at__isnull=False) & Q(precooled_at__gte=models.F("harvested_at"))),
                name="lot_precooled_after_harvest",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.lot_code or self.pk} {self.product_id}"


class RequiredDocument(models.Model):
    """One document a distributed shipment needs before it departs, with where it stands.

    The checklist is made from the route data when the shipment is distributed. A customs
    declaration on it (`declaration` set) is tracked by TradeHub itself; the other documents are
    set by the partner through the API or by staff in the admin.
    """

    shipment = models.ForeignKey(
        Shipment,
        on_delete=models.CASCADE,
        related_name="required_documents",
        verbose_name=_("shipment"),
    )
    sequence = models.PositiveSmallIntegerField(
        help_text=_("Position in the checklist (1..n)"), verbose_name=_("sequence")
    )
    type = models.CharField(
        max_length=40, choices=RequiredDocumentType.choices, verbose_name=_("type")
    )
    country = models.CharField(
        max_length=2,
        blank=True,
        help_text=_("The transit country it is for (blank: the route)"),
        verbose_name=_("country"),
    )
    status = models.CharField(
        max_length=10,
        choices=RequiredDocumentStatus.choices,
        default=RequiredDocumentStatus.MISSING,
        verbose_name=_("status"),
    )
    reference = models.CharField(
        max_length=100,
        blank=True,
        help_text=_("Number of the document"),
        verbose_name=_("reference"),
    )
    declaration = models.ForeignKey(
        "declarations.Declaration",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="checklist_entries",
        help_text=_("The customs declaration this entry follows (status kept by TradeHub)"),
        verbose_name=_("declaration"),
    )
    source = models.TextField(
        blank=True, help_text=_("The rule that requires it"), verbose_name=_("source")
    )
    updated_by = models.CharField(max_length=200, blank=True, verbose_name=_("updated by"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("required document")
        verbose_name_plural = _("required documents")
        ordering = ["shipment", "sequence"]
        constraints = [
            models.UniqueConstraint(
                fields=["shipment", "sequence"], name="requireddocument_unique_sequence"
            ),
            models.UniqueConstraint(
                fields=["shipment", "type", "country"], name="requireddocument_unique_type"
            ),
        ]

    def __str__(self) -> str:
        where = f" ({self.country})" if self.country else ""
        return f"{self.shipment_id} {self.type}{where}: {self.status}"

    @property
    def managed(self) -> bool:
        """Kept by TradeHub from a declaration's status, not set by hand."""
        return self.declaration_id is not None
