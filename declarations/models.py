"""Consolidated customs declarations, their goods items, documents, versions, events and messages."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tradehub.ids import new_reference
from tradehub.reference.choices import TransportMode

from .choices import (
    CustomsMessageType,
    DeclarationDocumentType,
    DeclarationEventType,
    DeclarationStatus,
    MessageSource,
    Procedure,
    RiskChannel,
    TransitStatus,
    TransportDocumentType,
)
from .validators import (
    validate_commodity_code,
    validate_container_list,
    validate_currency,
    validate_document_file,
    validate_string_list,
)


class Declaration(models.Model):
    """One consolidated customs declaration lodged at an office of declaration (Almaty)."""

    reference = models.CharField(
        max_length=20,
        unique=True,
        editable=False,
        default=partial(new_reference, "DEC"),
        verbose_name=_("reference"),
    )
    partner = models.ForeignKey(
        "partners.Partner",
        on_delete=models.PROTECT,
        related_name="declarations",
        verbose_name=_("partner"),
    )
    lrn = models.CharField("LRN", max_length=35, help_text=_("Partner's local reference number"))
    number = models.CharField(
        max_length=40,
        null=True,
        blank=True,
        help_text=_("Assigned by customs on acceptance"),
        verbose_name=_("number"),
    )
    version = models.PositiveIntegerField(default=1, editable=False, verbose_name=_("version"))
    procedure = models.CharField(
        max_length=20,
        choices=Procedure.choices,
        default=Procedure.IMPORT,
        verbose_name=_("procedure"),
    )
    office = models.ForeignKey(
        "reference.CustomsOffice",
        on_delete=models.PROTECT,
        related_name="declarations",
        verbose_name=_("office"),
    )
    border_crossing = models.ForeignKey(
        "reference.Location",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="border_declarations",
        verbose_name=_("border crossing"),
    )
    transport_mode = models.CharField(
        max_length=12, choices=TransportMode.choices, verbose_name=_("transport mode")
    )
    transport_document_type = models.CharField(
        max_length=20,
        choices=TransportDocumentType.choices,
        blank=True,
        verbose_name=_("transport document type"),
    )
    transport_document_number = models.CharField(
        max_length=70, blank=True, verbose_name=_("transport document number")
    )
    containers = models.JSONField(
        default=list, blank=True, validators=[validate_container_list], verbose_name=_("containers")
    )
    seals = models.JSONField(
        default=list, blank=True, validators=[validate_string_list], verbose_name=_("seals")
    )
    consignor = models.JSONField(
        default=dict, help_text=_("{name, country, tax_id, address}"), verbose_name=_("consignor")
    )
    consignee = models.JSONField(
        default=dict, help_text=_("{name, country, tax_id, address}"), verbose_name=_("consignee")
    )
    declarant = models.JSONField(
        default=dict,
        blank=True,
        help_text=_("{name, country, tax_id}"),
        verbose_name=_("declarant"),
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        help_text=_("The declaration whose goods under customs control this one draws on"),
        verbose_name=_("parent"),
    )
    status = models.CharField(
        max_length=24,
        choices=DeclarationStatus.choices,
        default=DeclarationStatus.DRAFT,
        editable=False,
        verbose_name=_("status"),
    )
    channel = models.CharField(
        max_length=8,
        choices=RiskChannel.choices,
        null=True,
        blank=True,
        editable=False,
        verbose_name=_("channel"),
    )
    rejection_errors = models.JSONField(
        default=list,
        blank=True,
        editable=False,
        help_text=_("[{pointer, code, detail}] from customs"),
        verbose_name=_("rejection errors"),
    )
    cancellation_requested_at = models.DateTimeField(
        null=True, blank=True, editable=False, verbose_name=_("cancellation requested at")
    )
    cancellation_reason = models.TextField(
        blank=True, editable=False, verbose_name=_("cancellation reason")
    )
    submitted_at = models.DateTimeField(
        null=True, blank=True, editable=False, verbose_name=_("submitted at")
    )
    accepted_at = models.DateTimeField(
        null=True, blank=True, editable=False, verbose_name=_("accepted at")
    )
    released_at = models.DateTimeField(
        null=True, blank=True, editable=False, verbose_name=_("released at")
    )
    decided_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text=_("When customs released/rejected/cancelled"),
        verbose_name=_("decided at"),
    )
    created_at = models.DateTimeField(
        auto_now_add=True, db_index=True, verbose_name=_("created at")
    )
    updated_at = models.DateTimeField(auto_now=True, db_index=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("declaration")
        verbose_name_plural = _("declarations")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "lrn"], name="declaration_unique_lrn_per_partner"
            ),
            models.UniqueConstraint(
                fields=["number"],
                condition=Q(number__isnull=False),
                name="declaration_unique_number",
            ),
            models.CheckConstraint(
                condition=Q(version__gte=1), name="declaration_version_positive"
            ),
            models.CheckConstraint(
                condition=Q(status__in=DeclarationStatus.values), name="declaration_status_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "updated_at"], name="declaration_status_idx"),
            # A partner's list in its order (first and last page cost the same at any size) and
            # its `updated_since` poll (an empty answer is one index probe).
            models.Index(
                fields=["partner", "-created_at", "-id"], name="declaration_partner_created"
            ),
            models.Index(fields=["partner", "updated_at"], name="declaration_partner_updated"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} ({self.lrn})"

    @property
    def transport_document(self) -> dict[str, str]:
        """The transport document as the API shows it."""
        return {"type": self.transport_document_type, "number": self.transport_document_number}


class Transit(models.Model):
    """The transit of a `transit` declaration: from its office (of departure, a border post) to
    the office of destination, by a route, under seals and navigation seals, within a delivery
    deadline. Opened when customs releases the goods for transit; arrived when they are presented
    at the office of destination; completed by that office (EAEU Customs Code Arts. 142-150)."""

    declaration = models.OneToOneField(
        Declaration, on_delete=models.CASCADE, related_name="transit", verbose_name=_("declaration")
    )
    destination_office = models.ForeignKey(
        "reference.CustomsOffice",
        on_delete=models.PROTECT,
        related_name="incoming_transits",
        verbose_name=_("destination office"),
    )
    route = models.JSONField(
        default=list,
        blank=True,
        help_text=_("UN/LOCODEs of the places on the way, in order"),
        verbose_name=_("route"),
    )
    navigation_seals = models.JSONField(
        default=list,
        blank=True,
        validators=[validate_string_list],
        help_text=_("Electronic navigation seal ids (tracked transit)"),
        verbose_name=_("navigation seals"),
    )
    requested_deadline = models.DateTimeField(
        help_text=_("The delivery deadline the declarant asks"),
        verbose_name=_("requested deadline"),
    )
    delivery_deadline = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_("Set by customs on release (default: as requested)"),
        verbose_name=_("delivery deadline"),
    )
    status = models.CharField(
        max_length=10,
        choices=TransitStatus.choices,
        default=TransitStatus.DECLARED,
        verbose_name=_("status"),
    )
    opened_at = models.DateTimeField(null=True, blank=True, verbose_name=_("opened at"))
    arrived_at = models.DateTimeField(null=True, blank=True, verbose_name=_("arrived at"))
    arrival_source = models.CharField(
        max_length=200,
        blank=True,
        help_text=_("Who reported the arrival (customs, carrier, event)"),
        verbose_name=_("arrival source"),
    )
    completed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("completed at"))
    updated_at = models.DateTimeField(auto_now=True, db_index=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("transit")
        verbose_name_plural = _("transits")
        ordering = ["-updated_at", "-id"]
        indexes = [
            # The overdue scan reads only opened transits, by deadline.
            models.Index(
                fields=["delivery_deadline"],
                condition=Q(status="opened"),
                name="transit_open_deadline_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"Transit {self.declaration_id} to {self.destination_office_id} ({self.status})"

    @property
    def overdue(self) -> bool:
        """Opened (goods still on their way) and past the delivery deadline."""
        from django.utils import timezone

        return (
            self.status == TransitStatus.OPENED
            and self.delivery_deadline is not None
            and self.delivery_deadline < timezone.now()
        )


class GoodsItem(models.Model):
    """One line of a declaration: a commodity with its origin, packages, weights and value."""

    declaration = models.ForeignKey(
        Declaration,
        on_delete=models.CASCADE,
        related_name="goods_items",
        verbose_name=_("declaration"),
    )
    sequence = models.PositiveSmallIntegerField(verbose_name=_("sequence"))
    description = models.CharField(max_length=500, verbose_name=_("description"))
    commodity_code = models.CharField(
        max_length=10, validators=[validate_commodity_code], verbose_name=_("commodity code")
    )
    origin_country = models.CharField(max_length=2, verbose_name=_("origin country"))
    packages_count = models.PositiveIntegerField(verbose_name=_("packages count"))
    packages_kind = models.CharField(
        max_length=3, help_text=_("UN/ECE Rec. 21 code, e.g. CT"), verbose_name=_("packages kind")
    )
    gross_kg = models.DecimalField(max_digits=14, decimal_places=3, verbose_name=_("gross kg"))
    net_kg = models.DecimalField(max_digits=14, decimal_places=3, verbose_name=_("net kg"))
    invoice_value = models.DecimalField(
        max_digits=16, decimal_places=2, verbose_name=_("invoice value")
    )
    currency = models.CharField(
        max_length=3, validators=[validate_currency], verbose_name=_("currency")
    )
    source_item = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="drawings",
        help_text=_("The parent declaration's goods item this one is drawn from"),
        verbose_name=_("source item"),
    )
    storage_place = models.CharField(
        max_length=200,
        blank=True,
        help_text=_("Where the goods are kept under customs control (warehouse, zone, licence)"),
        verbose_name=_("storage place"),
    )
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("goods item")
        verbose_name_plural = _("goods items")
        ordering = ["declaration", "sequence"]
        constraints = [
            models.UniqueConstraint(
                fields=["declaration", "sequence"], name="goodsitem_unique_sequence"
            ),
            models.CheckConstraint(
                condition=Q(sequence__gte=1), name="goodsitem_sequence_positive"
            ),
            models.CheckConstraint(
                condition=Q(net_kg__lte=F("gross_kg")), name="goodsitem_net_le_gross"
            ),
            models.CheckConstraint(condition=Q(net_kg__gt=0), name="goodsitem_net_positive"),
            models.CheckConstraint(condition=Q(gross_kg__gt=0), name="goodsitem_gross_positive"),
            models.CheckConstraint(
                condition=Q(packages_count__gt=0), name="goodsitem_packages_positive"
            ),
            models.CheckConstraint(
                condition=Q(invoice_value__gte=0), name="goodsitem_invoice_value_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.declaration.reference} #{self.sequence} {self.commodity_code}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.net_kg is not None and self.gross_kg is not None and self.net_kg > self.gross_kg:
            raise ValidationError({"net_kg": "Net weight cannot exceed gross weight."})


def document_upload_to(instance: Document, filename: str) -> str:
    """Files go under the declaration's reference, never under a guessable pk."""
    return f"declarations/{instance.declaration.reference}/{filename}"


class Document(models.Model):
    """A supporting document (certificate, invoice, ...) covering some or all goods items."""

    declaration = models.ForeignKey(
        Declaration,
        on_delete=models.CASCADE,
        related_name="documents",
        verbose_name=_("declaration"),
    )
    type = models.CharField(
        max_length=32, choices=DeclarationDocumentType.choices, verbose_name=_("type")
    )
    number = models.CharField(max_length=70, verbose_name=_("number"))
    issued_by = models.CharField(max_length=200, blank=True, verbose_name=_("issued by"))
    issued_on = models.DateField(null=True, blank=True, verbose_name=_("issued on"))
    valid_until = models.DateField(null=True, blank=True, verbose_name=_("valid until"))
    file = models.FileField(
        upload_to=document_upload_to,
        blank=True,
        validators=[validate_document_file],
        verbose_name=_("file"),
    )
    goods_items = models.ManyToManyField(
        GoodsItem,
        blank=True,
        related_name="documents",
        help_text=_("Goods items this document covers (none: the whole declaration)"),
        verbose_name=_("goods items"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["declaration", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True)
                | Q(issued_on__isnull=True)
                | Q(valid_until__gte=F("issued_on")),
                name="document_valid_after_issue",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_type_display()} {self.number}"


class DeclarationVersion(models.Model):
    """A frozen snapshot of a declaration as it was at an earlier version (kept on amendment)."""

    declaration = models.ForeignKey(
        Declaration,
        on_delete=models.CASCADE,
        related_name="versions",
        verbose_name=_("declaration"),
    )
    version = models.PositiveIntegerField(verbose_name=_("version"))
    snapshot = models.JSONField(verbose_name=_("snapshot"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("declaration version")
        verbose_name_plural = _("declaration versions")
        ordering = ["declaration", "version"]
        constraints = [
            models.UniqueConstraint(
                fields=["declaration", "version"], name="declarationversion_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.declaration.reference} v{self.version}"


class AppendOnlyError(Exception):
    """Events are history: they are never changed or deleted."""


class DeclarationEvent(models.Model):
    """One append-only entry of a declaration's history: what happened, when, who did it."""

    declaration = models.ForeignKey(
        Declaration, on_delete=models.CASCADE, related_name="events", verbose_name=_("declaration")
    )
    type = models.CharField(
        max_length=32, choices=DeclarationEventType.choices, verbose_name=_("type")
    )
    occurred_at = models.DateTimeField(default=timezone.now, verbose_name=_("occurred at"))
    actor = models.CharField(max_length=200, verbose_name=_("actor"))
    payload = models.JSONField(default=dict, blank=True, verbose_name=_("payload"))

    class Meta:
        verbose_name = _("declaration event")
        verbose_name_plural = _("declaration events")
        ordering = ["declaration", "id"]
        indexes = [models.Index(fields=["declaration", "id"], name="declarationevent_decl_idx")]

    def __str__(self) -> str:
        return f"{self.declaration_id} {self.type} @ {self.occurred_at:%Y-%m-%d %H:%M}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AppendOnlyError("Declaration events cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise AppendOnlyError("Declaration events cannot be deleted.")


class CustomsMessage(models.Model):
    """A decision message from the customs gateway, stored first, then applied in occurred_at order."""

    declaration = models.ForeignKey(
        Declaration,
        on_delete=models.CASCADE,
        related_name="customs_messages",
        verbose_name=_("declaration"),
    )
    declaration_version = models.PositiveIntegerField(
        help_text=_("The declaration version current when the message arrived"),
        verbose_name=_("declaration version"),
    )
    message_id = models.CharField(max_length=100, unique=True, verbose_name=_("message id"))
    type = models.CharField(
        max_length=24, choices=CustomsMessageType.choices, verbose_name=_("type")
    )
    occurred_at = models.DateTimeField(verbose_name=_("occurred at"))
    received_at = models.DateTimeField(default=timezone.now, verbose_name=_("received at"))
    source = models.CharField(
        max_length=12, choices=MessageSource.choices, verbose_name=_("source")
    )
    actor = models.CharField(max_length=200, blank=True, verbose_name=_("actor"))
    number = models.CharField(max_length=40, blank=True, verbose_name=_("number"))
    channel = models.CharField(
        max_length=8, choices=RiskChannel.choices, blank=True, verbose_name=_("channel")
    )
    errors = models.JSONField(default=list, blank=True, verbose_name=_("errors"))
    accepted = models.BooleanField(
        null=True, blank=True, help_text=_("For cancellation decisions"), verbose_name=_("accepted")
    )
    delivery_deadline = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_("A transit's delivery deadline, set on its release"),
        verbose_name=_("delivery deadline"),
    )
    storage_place = models.CharField(
        max_length=200,
        blank=True,
        help_text=_("Where a completed transit's goods are stored"),
        verbose_name=_("storage place"),
    )
    payload = models.JSONField(
        default=dict, blank=True, help_text=_("The message as received"), verbose_name=_("payload")
    )
    applied = models.BooleanField(default=False, verbose_name=_("applied"))
    applied_at = models.DateTimeField(null=True, blank=True, verbose_name=_("applied at"))

    class Meta:
        verbose_name = _("customs message")
        verbose_name_plural = _("customs messages")
        ordering = ["declaration", "occurred_at", "id"]
        indexes = [
            models.Index(
                fields=["declaration", "declaration_version", "occurred_at"],
                name="customsmessage_decl_idx",
            ),
            models.Index(
                fields=["received_at"],
                condition=Q(applied=False),
                name="customsmessage_pending_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.message_id} {self.type}"


class CustomsNumberSeries(models.Model):
    """The last serial used in customs numbers per office and calendar year (locked with
    SELECT ... FOR UPDATE); the serial restarts at 1 every year."""

    office_code = models.CharField(max_length=8, verbose_name=_("office code"))
    year = models.PositiveSmallIntegerField(
        help_text=_("Calendar year in the office's time zone"), verbose_name=_("year")
    )
    last_serial = models.PositiveIntegerField(default=0, verbose_name=_("last serial"))

    class Meta:
        verbose_name = _("customs number series")
        verbose_name_plural = _("customs number series")
        ordering = ["office_code", "-year"]
        constraints = [
            models.UniqueConstraint(
                fields=["office_code", "year"], name="customsnumberseries_unique_office_year"
            )
        ]

    def __str__(self) -> str:
        return f"{self.office_code} {self.year}: {self.last_serial}"
