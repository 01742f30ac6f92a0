"""Admin for logistics staff: check declarations and record customs decisions (through services)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from tradehub.workplace.filters import QueueFilter

from . import services
from .admin_procedures import ChildDeclarationInline, ProcedureAdminMixin, TransitInline
from .admin_workplace import KeyInAdminMixin
from .choices import Channel, CustomsMessageType, DeclarationStatus
from .exceptions import DeclarationError, TransitionNotAllowed
from .models import (
    CustomsMessage,
    CustomsNumberSeries,
    Declaration,
    DeclarationEvent,
    DeclarationVersion,
    Document,
    GoodsItem,
)

STATUS_COLOURS: dict[str, str] = {
    DeclarationStatus.DRAFT: "#6c757d",
    DeclarationStatus.SUBMITTED: "#0d6efd",
    DeclarationStatus.ACCEPTED: "#0dcaf0",
    DeclarationStatus.UNDER_CONTROL: "#fd7e14",
    DeclarationStatus.RELEASED: "#198754",
    DeclarationStatus.PARTIALLY_DISTRIBUTED: "#20c997",
    DeclarationStatus.DISTRIBUTED: "#146c43",
    DeclarationStatus.REGISTRATION_REFUSED: "#b02a37",
    DeclarationStatus.REJECTED: "#dc3545",
    DeclarationStatus.CANCELLED: "#343a40",
}
CHANNEL_COLOURS: dict[str, str] = {
    Channel.GREEN: "#198754",
    Channel.YELLOW: "#ffc107",
    Channel.RED: "#dc3545",
}


def _badge(label: str, colour: str) -> SafeString:
    return format_html(
        '<span style="background:{};color:#fff;padding:2px 8px;border-radius:10px;'
        'font-weight:600;white-space:nowrap">{}</span>',
        colour,
        label,
    )


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


class ReadOnlyInline(admin.TabularInline):  # type: ignore[type-arg]
    """An inline that shows rows and never adds, changes or deletes them."""

    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


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


class DocumentInline(admin.TabularInline):  # type: ignore[type-arg]
    """Documents are read-only here except the file, which staff may upload (PDF/PNG/JPEG ≤ 10 MB)."""

    model = Document
    extra = 0
    can_delete = False
    fields = ["type", "number", "issued_by", "issued_on", "valid_until", "covers", "file"]
    readonly_fields = ["type", "number", "issued_by", "issued_on", "valid_until", "covers"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("Goods items"))
    def covers(self, document: Document) -> str:
        sequences = sorted(item.sequence for item in document.goods_items.all())
        return ", ".join(map(str, sequences)) or "all"


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


def _run(
    request: HttpRequest,
    modeladmin: admin.ModelAdmin,  # type: ignore[type-arg]
    queryset: QuerySet[Declaration],
    verb: str,
    call: Callable[[Declaration, str], Any],
) -> None:
    """Apply a service call to each selected declaration; report successes and refusals."""
    actor = request.user.get_username()
    done = 0
    for declaration in queryset:
        try:
            call(declaration, actor)
            done += 1
        except (TransitionNotAllowed, DeclarationError) as exc:
            modeladmin.message_user(request, f"{declaration.reference}: {exc}", messages.WARNING)
    if done:
        modeladmin.message_user(request, f"{verb}: {done} declaration(s).", messages.SUCCESS)


def _accept(channel: str) -> Callable[[Declaration, str], Any]:
    def call(declaration: Declaration, actor: str) -> Any:
        services.record_customs_decision(
            declaration, type=CustomsMessageType.ACCEPTED, channel=channel, actor=actor
        )
        if channel != Channel.GREEN:
            services.record_customs_decision(
                declaration, type=CustomsMessageType.CONTROL, channel=channel, actor=actor
            )

    return call


def _decision(message_type: str, **extra: Any) -> Callable[[Declaration, str], Any]:
    def call(declaration: Declaration, actor: str) -> Any:
        return services.record_customs_decision(
            declaration, type=message_type, actor=actor, **extra
        )

    return call


def _guarded(action: str, call: Callable[[Declaration, str], Any]) -> Callable[..., Any]:
    """Refuse a customs decision the lifecycle does not allow, before storing any message."""

    def guarded(declaration: Declaration, actor: str) -> Any:
        from .states import assert_transition

        assert_transition(declaration.status, action)
        return call(declaration, actor)

    return guarded


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
    actions = [
        "accept_green",
        "accept_yellow",
        "accept_red",
        "release",
        "refuse_registration",
        "reject",
        "inspection_passed",
        "inspection_failed",
        "grant_cancellation",
        "refuse_cancellation",
        "request_cancellation",
        "transit_arrived",
        "transit_completed",
    ]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("Status"), ordering="status")
    def status_badge(self, declaration: Declaration) -> SafeString:
        return _badge(
            declaration.get_status_display(), STATUS_COLOURS.get(declaration.status, "#6c757d")
        )

    @admin.display(description=_("Channel"), ordering="channel")
    def channel_badge(self, declaration: Declaration) -> SafeString:
        if not declaration.channel:
            return format_html("{}", "—")
        return _badge(declaration.get_channel_display(), CHANNEL_COLOURS[declaration.channel])

    @admin.display(description=_("Rejection errors"))
    def rejection_errors_display(self, declaration: Declaration) -> SafeString:
        return _errors_html(list(declaration.rejection_errors))

    @admin.action(description=_("Customs decision: accept – green channel"))
    def accept_green(self, request: HttpRequest, queryset: QuerySet[Declaration]) -> None:
        _run(request, self, queryset, "Accepted (green)", _guarded("accept", _accept("green")))

    @admin.action(description=_("Customs decision: accept – yellow channel (documentary check)"))
    def accept_yellow(self, request: HttpRequest, queryset: QuerySet[Declaration]) -> None:
        _run(request, self, queryset, "Accepted (yellow)", _guarded("accept", _accept("yellow")))

    @admin.action(description=_("Customs decision: accept – red channel (inspection)"))
    def accept_red(self, request: HttpRequest, queryset: QuerySet[Declaration]) -> None:
        _run(request, self, queryset, "Accepted (red)", _guarded("accept", _accept("red")))

    @admin.action(description=_("Customs decision: release"))
    def release(self, request: HttpRequest, queryset: QuerySet[Declaration]) -> None:
        call = _guarded("release", _decision(CustomsMessageType.RELEASED))
        _run(request, self, queryset, "Released", call)

    @admin.action(
        description=_("Customs decision: refuse registration (declarant corrects, lodges again)")
    )
    def refuse_registration(self, request: HttpRequest, queryset: QuerySet[Declaration]) -> None:
        errors = [
            {
                "pointer": "/",
                "code": "registration_refused_by_officer",
                "detail": f"Registration refused by customs officer {request.user.get_username()}.",
            }
        ]
        call = _guarded(
            "refuse_registration",
            _decision(CustomsMessageType.REGISTRATION_REFUSED, errors=errors),
        )
        _run(request, self, queryset, "Registration refused", call)

    @admin.action(description=_("Customs decision: refuse release (final)"))
    def reject(self, request: HttpRequest, queryset: QuerySet[Declaration]) -> None:
        errors = [
            {
                "pointer": "/",
                "code": "rejected_by_officer",
                "detail": f"Rejected by customs officer {request.user.get_username()}.",
            }
        ]
        call = _guarded("reject", _decision(CustomsMessageType.REJECTED, errors=errors))
        _run(request, self, queryset, "Rejected", call)

    @admin.action(description=_("Inspection result: passed (release)"))
    def inspection_passed(self, request: HttpRequest, queryset: QuerySet[Declaration]) -> None:
        _run(
            request,
            self,
            queryset,
            "Inspection passed",
            lambda d, actor: services.record_inspection_result(d, passed=True, actor=actor),
        )

    @admin.action(description=_("Inspection result: failed (reject)"))
    def inspection_failed(self, request: HttpRequest, queryset: QuerySet[Declaration]) -> None:
        _run(
            request,
            self,
            queryset,
            "Inspection failed",
            lambda d, actor: services.record_inspection_result(d, passed=False, actor=actor),
        )

    @admin.action(description=_("Customs decision: grant cancellation"))
    def grant_cancellation(self, request: HttpRequest, queryset: QuerySet[Declaration]) -> None:
        call = _guarded(
            "grant_cancellation",
            _decision(CustomsMessageType.CANCELLATION_DECISION, accepted=True),
        )
        _run(request, self, queryset, "Cancellation granted", call)

    @admin.action(description=_("Customs decision: refuse cancellation"))
    def refuse_cancellation(self, request: HttpRequest, queryset: QuerySet[Declaration]) -> None:
        call = _guarded(
            "refuse_cancellation",
            _decision(CustomsMessageType.CANCELLATION_DECISION, accepted=False),
        )
        _run(request, self, queryset, "Cancellation refused", call)

    @admin.action(description=_("Request cancellation (on the declarant's behalf)"))
    def request_cancellation(self, request: HttpRequest, queryset: QuerySet[Declaration]) -> None:
        _run(
            request,
            self,
            queryset,
            "Cancellation requested",
            lambda d, actor: services.request_cancellation(
                d, reason=f"Requested by {actor} in the admin", actor=actor
            ),
        )


@admin.register(CustomsNumberSeries)
class CustomsNumberSeriesAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["office_code", "year", "last_serial"]
    readonly_fields = ["office_code", "year", "last_serial"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
