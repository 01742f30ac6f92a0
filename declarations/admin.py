"""Admin for logistics staff: check declarations and record customs decisions (through services)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from tradehub.ui.admin import AMBER, BLUE, GREEN, GREY, RED, ReadOnlyInline, badge
from tradehub.workplace.filters import QueueFilter

from .admin_procedures import ChildDeclarationInline, ProcedureAdminMixin, TransitInline
from .admin_workplace import KeyInAdminMixin, document_file_links, document_position
from .choices import DeclarationStatus, RiskChannel
from .models import (
    CustomsMessage,
    CustomsNumberSeries,
    Declaration,
    DeclarationEvent,
    DeclarationVersion,
    Document,
    GoodsItem,
)

# Declaration statuses and channels on the palette every admin uses (tradehub.ui.admin): red
# needs action, amber watch, blue moving, green done, grey not (or no longer) in play.
STATUS_COLOURS: dict[str, str] = {
    DeclarationStatus.DRAFT: GREY,
    DeclarationStatus.SUBMITTED: BLUE,
    DeclarationStatus.ACCEPTED: BLUE,
    DeclarationStatus.UNDER_CONTROL: AMBER,
    DeclarationStatus.RELEASED: GREEN,
    DeclarationStatus.PARTIALLY_DISTRIBUTED: GREEN,
    DeclarationStatus.DISTRIBUTED: GREEN,
    DeclarationStatus.REGISTRATION_REFUSED: RED,
    DeclarationStatus.REJECTED: RED,
    DeclarationStatus.CANCELLED: GREY,
}
CHANNEL_COLOURS: dict[str, str] = {
    RiskChannel.GREEN: GREEN,
    RiskChannel.YELLOW: AMBER,
    RiskChannel.RED: RED,
}


def _errors_html(errors: list[dict[str, Any]]) -> SafeString:
    if not errors:
        return format_html("{}", "—")
    return format_html(
        "<ul style='margin:0'>{}</ul>",
        format_html_join(
            "",
            "<li><code>{}</code> <strong>{}</strong>: {}</li>",
            ((e.get("pointer", "/"), e.get("code", ""), e.get("detail", "")) for e in errors),
        ),
    )


class GoodsItemInline(ReadOnlyInline):
    model = GoodsItem
    fields = readonly_fields = tuple(
        [
            "sequence",
            "description",
            "commodity_code",
            "origin_country",
            "packages_count",
            "packages_kind",
            "gross_kg",
            "net_kg",
            "invoice_value",
            "currency",
            "customs_errors",
        ]
    )

    @admin.display(description=_("Customs errors"))
    def customs_errors(self, item: GoodsItem) -> SafeString:
        """Rejection errors that point at this goods item, shown next to it."""
        prefix = f"/goods_items/{item.sequence - 1}"
        errors = [
            e
            for e in item.declaration.rejection_errors
            if str(e.get("pointer", "")) == prefix
            or str(e.get("pointer", "")).startswith(prefix + "/")
        ]
        return _errors_html(errors)


class DocumentInline(ReadOnlyInline):
    """The documents with their scans: opened through the staff file view (permission checked),
    never a public media URL; uploaded or removed on the document's file page (services)."""

    model = Document
    fields = readonly_fields = tuple(
        ["position", "type", "number", "issued_by", "issued_on", "valid_until", "covers", "scan"]
    )
    ordering = ["id"]

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).prefetch_related("goods_items")

    @admin.display(description="#")
    def position(self, document: Document) -> int:
        return document_position(document)

    @admin.display(description=_("Goods items"))
    def covers(self, document: Document) -> str:
        sequences = sorted(item.sequence for item in document.goods_items.all())
        return ", ".join(map(str, sequences)) or str(_("all"))

    @admin.display(description=_("Scan"))
    def scan(self, document: Document) -> SafeString:
        return document_file_links(document)


class EventInline(ReadOnlyInline):
    model = DeclarationEvent
    fields = readonly_fields = tuple(["occurred_at", "type", "actor", "payload"])
    ordering = ["id"]
    verbose_name_plural = _("Event timeline")


class CustomsMessageInline(ReadOnlyInline):
    model = CustomsMessage
    fields = readonly_fields = tuple(
        [
            "occurred_at",
            "type",
            "message_id",
            "source",
            "number",
            "channel",
            "accepted",
            "declaration_version",
            "applied",
        ]
    )
    ordering = ["occurred_at", "id"]


class VersionInline(ReadOnlyInline):
    model = DeclarationVersion
    fields = readonly_fields = tuple(["version", "created_at", "snapshot"])
    verbose_name_plural = _("Earlier versions")


@admin.register(Declaration)
class DeclarationAdmin(KeyInAdminMixin, ProcedureAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = [
        "reference",
        "lrn",
        "partner",
        "status_badge",
        "channel_badge",
        "number",
        "version",
        "office",
        "border_crossing",
        "created_at",
    ]
    list_filter = [
        QueueFilter,
        "status",
        "channel",
        # Only the offices and crossings in use: there are >100,000 UN/LOCODE locations.
        ("office", admin.RelatedOnlyFieldListFilter),
        ("border_crossing", admin.RelatedOnlyFieldListFilter),
        ("created_at", admin.DateFieldListFilter),
    ]
    search_fields = ["reference", "lrn", "number", "containers", "consignor__name"]
    list_select_related = ["partner", "office", "border_crossing"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "reference",
        "partner",
        "lrn",
        "status_badge",
        "channel_badge",
        "number",
        "version",
        "procedure",
        "office",
        "border_crossing",
        "transport_mode",
        "transport_document_type",
        "transport_document_number",
        "containers",
        "seals",
        "consignor",
        "consignee",
        "declarant",
        "rejection_errors_display",
        "cancellation_requested_at",
        "cancellation_reason",
        "submitted_at",
        "accepted_at",
        "released_at",
        "decided_at",
        "created_at",
        "updated_at",
        "parent",
        "stock_display",
    ]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    ("reference", "partner", "lrn"),
                    ("status_badge", "channel_badge", "number", "version"),
                    "rejection_errors_display",
                ]
            },
        ),
        (
            _("Declaration"),
            {
                "fields": [
                    ("procedure", "office", "border_crossing"),
                    ("transport_mode", "transport_document_type", "transport_document_number"),
                    ("containers", "seals"),
                    ("consignor", "consignee", "declarant"),
                ]
            },
        ),
        (
            _("Procedure: parent and stock under customs control"),
            {"fields": ["parent", "stock_display"]},
        ),
        (
            _("Customs timeline"),
            {
                "fields": [
                    ("submitted_at", "accepted_at", "released_at", "decided_at"),
                    ("cancellation_requested_at", "cancellation_reason"),
                    ("created_at", "updated_at"),
                ]
            },
        ),
    ]
    inlines = [
        TransitInline,
        GoodsItemInline,
        DocumentInline,
        ChildDeclarationInline,
        CustomsMessageInline,
        EventInline,
        VersionInline,
    ]
    # Customs decisions cannot be undone: they are taken one declaration at a time, from its
    # page, behind a confirmation (admin_workplace.py, decisions.py); never as bulk actions.
    actions: list[str] = []

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("Status"), ordering="status")
    def status_badge(self, declaration: Declaration) -> SafeString:
        return badge(declaration.get_status_display(), STATUS_COLOURS.get(declaration.status, GREY))

    @admin.display(description=_("Channel"), ordering="channel")
    def channel_badge(self, declaration: Declaration) -> SafeString:
        if not declaration.channel:
            return format_html("{}", "—")
        return badge(declaration.get_channel_display(), CHANNEL_COLOURS[declaration.channel])

    @admin.display(description=_("Rejection errors"))
    def rejection_errors_display(self, declaration: Declaration) -> SafeString:
        return _errors_html(list(declaration.rejection_errors))


@admin.register(CustomsNumberSeries)
class CustomsNumberSeriesAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["office_code", "year", "last_serial"]
    readonly_fields = ["office_code", "year", "last_serial"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
