"""Shipments, their legs and the lots of perishable cargo they carry."""

from functools import partial

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from shipments.choices import (
    FINISHED_STATUSES,
    DocumentStatus,
    LotCondition,
    ShipmentKind,
    ShipmentStatus,
    TransportMode,
)
from tradehub.ids import new_reference
from tradehub.reference.choices import OnwardProcedure, RequiredDocumentType

from .products import Product


class ShipmentQuerySet(models.QuerySet["Shipment"]):
    """Filters used by lists, beat jobs and the admin."""

    def open(self) -> "ShipmentQuerySet":
        """Shipments still on their way (not arrived, delivered or cancelled)."""
        return self.exclude(status__in=FINISHED_STATUSES)


class Shipment(models.Model):
    """A movement of cargo from an origin to a destination over one or more legs."""

    reference = models.CharField(
        max_length=20, unique=True, editable=False, default=partial(new_reference, "SHP")
    )
    partner = models.ForeignKey(
        "partners.Partner", on_delete=models.PROTECT, related_name="shipments"
    )
    partner_reference = models.CharField(max_length=100, blank=True)
    kind = models.CharField(max_length=20, choices=ShipmentKind.choices)
    origin = models.ForeignKey(
        "reference.Location", on_delete=models.PROTECT, related_name="shipments_from"
    )
    destination = models.ForeignKey(
        "reference.Location", on_delete=models.PROTECT, related_name="shipments_to"
    )
    declaration = models.ForeignKey(
        "declarations.Declaration",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="shipments",
    )
    setpoint_c = models.FloatField(null=True, blank=True, help_text="Reefer setpoint (°C)")
    planned_departure = models.DateTimeField(null=True, blank=True)
    planned_arrival = models.DateTimeField(null=True, blank=True)
    estimated_arrival = models.DateTimeField(null=True, blank=True, db_index=True)
    actual_departure = models.DateTimeField(null=True, blank=True)
    actual_arrival = models.DateTimeField(null=True, blank=True)
    status = models.CharField(
        max_length=20, choices=ShipmentStatus.choices, default=ShipmentStatus.BOOKED
    )
    is_overdue = models.BooleanField(
        default=False, help_text="Set by beat when the estimated arrival has passed"
    )
    onward_formalities = models.CharField(
        max_length=40,
        blank=True,
        choices=OnwardProcedure.choices,
        help_text="The procedure that takes the goods on to the destination (route data)",
    )
    onward_route = models.JSONField(
        default=dict,
        blank=True,
        help_text="The route the goods take on: mode, transit countries in order, exit point",
    )
    onward_declaration = models.ForeignKey(
        "declarations.Declaration",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="onward_shipments",
        help_text="The release or re-export declaration the goods leave customs control under",
    )
    consignee = models.JSONField(default=dict, blank=True)
    # Telemetry processing state: readings up to this time are integrated into the lots.
    readings_processed_until = models.DateTimeField(null=True, blank=True)
    # Set when readings older than `readings_processed_until` arrive: the next processing run
    # integrates the whole history again instead of only the new tail.
    readings_need_replay = models.BooleanField(default=False)
    # Excursion detector state per product band, persisted between incremental runs.
    excursion_state = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    objects = ShipmentQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["partner", "-created_at"], name="shipment_partner_created"),
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


class Leg(models.Model):
    """One stretch of a shipment on one mode of transport."""

    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="legs")
    sequence = models.PositiveSmallIntegerField()
    mode = models.CharField(max_length=10, choices=TransportMode.choices)
    from_location = models.ForeignKey(
        "reference.Location", on_delete=models.PROTECT, related_name="legs_from"
    )
    to_location = models.ForeignKey(
        "reference.Location", on_delete=models.PROTECT, related_name="legs_to"
    )
    planned_departure = models.DateTimeField(null=True, blank=True)
    planned_arrival = models.DateTimeField(null=True, blank=True)
    actual_departure = models.DateTimeField(null=True, blank=True)
    actual_arrival = models.DateTimeField(null=True, blank=True)
    vehicle = models.CharField(max_length=100, blank=True, help_text="Truck plate, wagon or vessel")
    container = models.CharField(max_length=11, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
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

    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="lots")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="lots")
    lot_code = models.CharField(max_length=50, blank=True)
    net_kg = models.DecimalField(max_digits=12, decimal_places=3)
    packages = models.PositiveIntegerField(default=0)
    packed_on = models.DateField()
    goods_item = models.ForeignKey(
        "declarations.GoodsItem",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="lots",
        help_text="The declared goods item this lot came from",
    )
    expires_at = models.DateTimeField(
        help_text="Static expiry: packed date plus storage life at the optimum"
    )
    # Shelf-life state, advanced incrementally as readings arrive.
    consumed_fraction = models.FloatField(
        default=0.0, help_text="Share of shelf life used up until the last processed reading"
    )
    chilling_damage = models.FloatField(default=0.0, help_text="°C·h below chilling threshold")
    shelf_life_ends_at = models.DateTimeField(
        help_text="When the lot runs out if kept at its optimum after the readings so far"
    )
    # shipments.shelf_life.LotState as JSON, advanced incrementally as readings arrive.
    shelf_state = models.JSONField(default=dict, blank=True, help_text="Shelf-life model state")
    # The state the lot started with (inherited from the inbound lot it was split from), which a
    # replay of the whole temperature history starts from.
    initial_shelf_state = models.JSONField(default=dict, blank=True)
    condition = models.CharField(
        max_length=10, choices=LotCondition.choices, default=LotCondition.OK
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = LotQuerySet.as_manager()

    class Meta:
        ordering = ["shipment", "id"]
        indexes = [
            # Beat scans only lots not yet expired, by when they run out.
            models.Index(
                fields=["shelf_life_ends_at"],
                name="lot_expiry_candidates",
                condition=~Q(condition="expired"),
            ),
            models.Index(fields=["condition"], name="lot_condition"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(net_kg__gt=0), name="lot_net_kg_positive"),
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
        Shipment, on_delete=models.CASCADE, related_name="required_documents"
    )
    sequence = models.PositiveSmallIntegerField(help_text="Position in the checklist (1..n)")
    type = models.CharField(max_length=40, choices=RequiredDocumentType.choices)
    country = models.CharField(
        max_length=2, blank=True, help_text="The transit country it is for (blank: the route)"
    )
    status = models.CharField(
        max_length=10, choices=DocumentStatus.choices, default=DocumentStatus.MISSING
    )
    reference = models.CharField(max_length=100, blank=True, help_text="Number of the document")
    declaration = models.ForeignKey(
        "declarations.Declaration",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="checklist_entries",
        help_text="The customs declaration this entry follows (status kept by TradeHub)",
    )
    source = models.TextField(blank=True, help_text="The rule that requires it")
    updated_by = models.CharField(max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
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
