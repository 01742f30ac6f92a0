"""Staff admin: product catalogue, shipments with legs, lots, timeline, excursions and a
temperature chart, and distribution of released declarations (the same service as the API)."""

import datetime as dt
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db.models import Exists, Min, OuterRef, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from tradehub.errors import DomainError
from tradehub.partners.principals import actor_label
from tradehub.reference.choices import LegMode
from tradehub.times import zone_label
from tradehub.ui.admin import (
    AMBER,
    BLUE,
    GREEN,
    GREY,
    RED,
    AuditRecordAdmin,
    ReadOnlyInline,
    admin_link,
    admin_links,
    badge,
    note_form_page,
)
from tradehub.workplace.filters import QueueFilter
from tradehub.workplace.queues import duration_text

from . import reroute, selectors, shelf_life
from .admin_distribution import distribute_page
from .charts import Band, Span, choose_bucket_seconds, temperature_svg
from .choices import LotCondition
from .forms import ShipmentAdminForm
from .models import (
    Alert,
    Excursion,
    LeadTime,
    Leg,
    Lot,
    Product,
    RequiredDocument,
    Shipment,
    TrackingEvent,
)
from .services import documents, excursions, shelf, tracking

CONDITION_COLOURS = {"ok": GREEN, "at_risk": AMBER, "expired": RED}
# Shipment statuses by what they ask of staff: red needs action, amber watch, blue moving, green done.
STATUS_COLOURS = {
    "booked": GREY,
    "in_transit": BLUE,
    "at_border": AMBER,
    "customs_hold": RED,
    "arrived": GREEN,
    "delivered": GREEN,
    "exception": RED,
    "cancelled": GREY,
}
EXCURSION_COLOURS = {"high": RED, "low": BLUE, "chilling": BLUE, "freezing": BLUE}


ETA_HEADER = lazy(lambda: gettext("ETA") + f" ({zone_label()})", str)()


def days_hours(span: dt.timedelta) -> str:
    """`3 d 4 h`, `5 h 12 min`, `7 min` (translated): shelf life and time in status."""
    return duration_text(span.total_seconds() / 60)


class RequiredDocumentInline(admin.TabularInline):  # type: ignore[type-arg]
    """The shipment's checklist: staff record where each document stands (issue 9)."""

    model = RequiredDocument
    extra = 0
    can_delete = False
    fields = ["sequence", "type", "country", "status", "reference", "declaration", "updated_by"]
    readonly_fields = ["sequence", "type", "country", "declaration", "updated_by"]
    verbose_name_plural = _("Required documents (checklist before departure)")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def save_checklist(request: HttpRequest, formset: Any) -> None:
    """Apply the staff's checklist edits through the service, one entry at a time."""
    for entry_form in formset.forms:
        if not entry_form.has_changed() or entry_form.instance.pk is None:
            continue
        try:
            documents.set_document(
                entry_form.instance,
                status=entry_form.cleaned_data["status"],
                reference=entry_form.cleaned_data.get("reference") or "",
                actor=actor_label(request.user),
            )
        except DomainError as exc:
            messages.error(request, f"{entry_form.instance.type}: {exc}")


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Staff edit the figures per product and add products or cultivar overrides (set `parent`).

    Every field staff change (all fields of a product they add) is remembered, so
    `load_products --update` never overwrites it."""

    list_display = [
        "code",
        "name",
        "parent",
        "ripeness",
        "compatibility_group",
        "storage_temp_min_c",
        "storage_temp_optimal_c",
        "storage_temp_max_c",
        "storage_life_days",
        "chilling_threshold_c",
        "ethylene_production",
        "ethylene_sensitivity",
    ]
    list_filter = [
        "compatibility_group",
        "temp_group",
        "chilling_sensitive",
        "ethylene_sensitivity",
    ]
    search_fields = ["code", "name", "hs_code", "cultivar"]
    autocomplete_fields = ["parent"]
    readonly_fields = ["staff_edited_fields", "created_at", "updated_at"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "code",
                    "name",
                    "hs_code",
                    "temp_group",
                    ("parent", "cultivar"),
                    "ripeness",
                ]
            },
        ),
        (
            "Storage",
            {
                "fields": [
                    ("storage_temp_min_c", "storage_temp_optimal_c", "storage_temp_max_c"),
                    ("rh_min_pct", "rh_max_pct"),
                    "highest_freezing_point_c",
                    "storage_life_days",
                    ("q10_0_10", "q10_10_20", "q10_20_30", "q10_30_40"),
                    ("chilling_sensitive", "chilling_threshold_c"),
                    "chilling_onset",
                    ("killing_range_min_c", "killing_range_max_c"),
                    ("field_heat_loss_hours_per_hour", "field_heat_reference_c"),
                    ("excursion_tolerance_c", "excursion_hysteresis_c"),
                ]
            },
        ),
        (
            _("Mixed loads"),
            {
                "fields": [
                    "compatibility_group",
                    ("ethylene_production", "ethylene_sensitivity"),
                    ("strong_odour", "odour_sensitive", "so2_pads"),
                ]
            },
        ),
        (
            _("Sources"),
            {
                "fields": [
                    "notes",
                    "sources",
                    "source",
                    "staff_edited_fields",
                    "created_at",
                    "updated_at",
                ]
            },
        ),
    ]

    def save_model(self, request: HttpRequest, obj: Product, form: Any, change: bool) -> None:
        if change:
            obj.staff_edited_fields = sorted(set(obj.staff_edited_fields) | set(form.changed_data))
        else:
            # A product staff add is theirs in full: a later table row of the same code never
            # overwrites it (`load_products --update`).
            obj.staff_edited_fields = sorted(form.fields)
        super().save_model(request, obj, form, change)


class LegInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Leg
    extra = 0
    fields = [
        "sequence",
        "mode",
        "from_location",
        "to_location",
        "planned_departure",
        "planned_arrival",
        "actual_departure",
        "actual_arrival",
        "vehicle",
        "container",
    ]
    readonly_fields = ["actual_departure", "actual_arrival"]
    raw_id_fields = ["from_location", "to_location"]


class LotInline(ReadOnlyInline):
    model = Lot
    fields = [
        "lot_code",
        "product",
        "net_kg",
        "packages",
        "packed_on",
        "goods_item",
        "expires_at",
        "remaining",
        "chilling_damage_display",
        "precooling_display",
        "reroute_display",
        "condition_badge",
    ]
    readonly_fields = list(fields)  # type: ignore[arg-type]

    @admin.display(description=_("Re-route advice"))
    def reroute_display(self, lot: Lot) -> str:
        """The best three reachable destinations, in the admin's language (the alert and the API
        carry the English `RerouteAdvice.summary`)."""
        best = reroute.advise(lot, timezone.now()).reachable[:3]
        if not best:
            return gettext(
                "No known destination can be reached with shelf life left: sell locally."
            )
        modes = dict(LegMode.choices)
        options = "; ".join(
            gettext("%(code)s (%(name)s), %(mode)s: %(hours)s h left at arrival")
            % {
                "code": o.destination.code,
                "name": o.destination.name,
                "mode": modes.get(o.mode, o.mode),
                "hours": f"{o.remaining_at_arrival_hours:.0f}",
            }
            for o in best
        )
        return gettext("Could still reach sellable: %(options)s.") % {"options": options}

    @admin.display(description=_("Field heat (pre-cooling)"))
    def precooling_display(self, lot: Lot) -> str:
        """The field-heat assumption in the admin's language (the API's `assumption` stays English)."""
        info = shelf.precooling_of(lot)
        assumed = info["field_temp_c"] is None
        field = shelf_life.ASSUMED_FIELD_TEMP_C if assumed else info["field_temp_c"]
        temp = {"temp": f"{field:g}"}
        if lot.harvested_at is None:
            text = gettext(
                "No harvest time: the lot is counted at its optimum from packing (field heat unknown)."
            )
        elif lot.precooled_at is not None:
            text = (
                gettext(
                    "Harvest to pre-cooling charged at %(temp)s °C (assumed), then the cold chain."
                )
                if assumed
                else gettext("Harvest to pre-cooling charged at %(temp)s °C, then the cold chain.")
            ) % temp
        else:
            text = (
                gettext(
                    "Pre-cooling not recorded: harvest to the first reading charged at %(temp)s °C "
                    "(assumed)."
                )
                if assumed
                else gettext(
                    "Pre-cooling not recorded: harvest to the first reading charged at %(temp)s °C."
                )
            ) % temp
        lost = gettext("Lost: %(hours)s h at the optimum.") % {
            "hours": f"{info['hours_lost_at_optimum']:.1f}"
        }
        return f"{text} {lost}"

    @admin.display(description=_("Remaining shelf life"))
    def remaining(self, lot: Lot) -> str:
        return days_hours(dt.timedelta(hours=max(shelf.remaining_hours(lot), 0.0)))

    @admin.display(description=_("Chilling damage"))
    def chilling_damage_display(self, lot: Lot) -> str:
        return f"{lot.chilling_damage:.2f} of the onset dose"

    @admin.display(description=_("Condition"))
    def condition_badge(self, lot: Lot) -> SafeString:
        return badge(lot.get_condition_display(), CONDITION_COLOURS.get(lot.condition, GREY))


class EventInline(ReadOnlyInline):
    model = TrackingEvent
    verbose_name_plural = _("Event timeline (event time)")
    fields = ["occurred_at", "classifier", "type", "location", "event_id", "details", "received_at"]
    readonly_fields = list(fields)  # type: ignore[arg-type]
    ordering = ["occurred_at", "id"]


class ExcursionInline(ReadOnlyInline):
    model = Excursion
    fields = [
        "kind",
        "product",
        "started_at",
        "ended_at",
        "peak_c",
        "degree_hours",
        "acknowledged",
        "acknowledged_by",
    ]
    readonly_fields = list(fields)  # type: ignore[arg-type]
    ordering = ["started_at"]


class AtRiskFilter(admin.SimpleListFilter):
    """Shipments with a lot at risk or expired (the lots' condition, kept by the shelf-life model)."""

    title = _("shelf life")
    parameter_name = "shelf"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("at_risk", _("at risk or expired")), ("ok", _("all lots OK"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Shipment]) -> QuerySet[Shipment]:
        risky = Lot.objects.filter(
            shipment=OuterRef("pk"), condition__in=[LotCondition.AT_RISK, LotCondition.EXPIRED]
        )
        if self.value() == "at_risk":
            return queryset.filter(Exists(risky))
        if self.value() == "ok":
            return queryset.exclude(Exists(risky))
        return queryset


class TimeInStatusFilter(admin.SimpleListFilter):
    """How long shipments have been in their current status (from `status_since`)."""

    title = _("time in status")
    parameter_name = "in_status"
    BUCKETS: dict[str, tuple[int | None, int | None]] = {
        # hours: [from, to)
        "lt6h": (None, 6),
        "6-24h": (6, 24),
        "1-3d": (24, 72),
        "gt3d": (72, None),
    }

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [
            ("lt6h", _("under 6 hours")),
            ("6-24h", _("6 to 24 hours")),
            ("1-3d", _("1 to 3 days")),
            ("gt3d", _("over 3 days")),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Shipment]) -> QuerySet[Shipment]:
        bounds = self.BUCKETS.get(self.value() or "")
        if bounds is None:
            return queryset
        now = timezone.now()
        low, high = bounds
        if low is not None:
            queryset = queryset.filter(status_since__lte=now - dt.timedelta(hours=low))
        if high is not None:
            queryset = queryset.filter(status_since__gt=now - dt.timedelta(hours=high))
        return queryset


@admin.register(Shipment)
class ShipmentAdmin(AuditRecordAdmin, admin.ModelAdmin):  # type: ignore[type-arg]
    """Shipments at a glance: where they are, when they arrive, how much shelf life is left."""

    change_list_template = "admin/shipments/shipment/change_list.html"
    form = ShipmentAdminForm
    # What staff look for first, left to right; all visible at 1366 px (docs/admin.md).
    list_display = [
        "reference",
        "status_badge",
        "destination",
        "eta",
        "overdue_flag",
        "worst_shelf_life",
        "time_in_status",
        "partner",
        "origin",
    ]
    list_filter = [
        QueueFilter,
        AtRiskFilter,
        TimeInStatusFilter,
        "status",
        "kind",
        "is_overdue",
        # Only countries and partners that have shipments, not all 249 countries.
        ("destination__country", admin.RelatedOnlyFieldListFilter),
        ("partner", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["reference", "partner_reference", "partner__name", "declaration__reference"]
    list_select_related = ["partner", "origin", "destination"]
    raw_id_fields = ["origin", "destination", "declaration", "partner"]
    readonly_fields = [
        "reference",
        "status",
        "estimated_arrival",
        "actual_departure",
        "actual_arrival",
        "overdue_flag",
        "onward_formalities",
        "onward_route",
        "onward_declaration",
        "readings_processed_until",
        "warnings_display",
        "temperature_chart",
        "created_at",
        "updated_at",
    ]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    ("reference", "partner", "partner_reference"),
                    ("kind", "status", "overdue_flag"),
                    ("origin", "destination", "declaration"),
                    ("onward_formalities", "onward_declaration"),
                    "onward_route",
                    ("consignee_name", "consignee_country"),
                    ("consignee_tax_id", "consignee_address"),
                    "setpoint_c",
                    ("planned_departure", "planned_arrival"),
                    ("estimated_arrival", "actual_departure", "actual_arrival"),
                    "warnings_display",
                ]
            },
        ),
        (_("Temperature"), {"fields": ["temperature_chart", "readings_processed_until"]}),
        (_("Record"), {"fields": ["created_at", "updated_at"]}),
    ]
    inlines = [RequiredDocumentInline, LegInline, LotInline, EventInline, ExcursionInline]
    actions = ["rederive_status", "reprocess_telemetry"]

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if formset.model is RequiredDocument:
            # Checklist entries change through the service (managed entries refuse, 409).
            save_checklist(request, formset)
            return
        super().save_formset(request, form, formset, change)

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Shipments are created through the API or the distribution page (services validate).
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Shipment]:
        return super().get_queryset(request).annotate(worst_end=Min("lots__shelf_life_ends_at"))

    @admin.display(description=_("Status"), ordering="status")
    def status_badge(self, shipment: Shipment) -> SafeString:
        return badge(shipment.get_status_display(), STATUS_COLOURS.get(shipment.status, GREY))

    @admin.display(description=ETA_HEADER, ordering="estimated_arrival")
    def eta(self, shipment: Shipment) -> str:
        # The zone is named once, in the column header: "ETA (Almaty, UTC+5)".
        eta = shipment.estimated_arrival or shipment.planned_arrival
        return timezone.localtime(eta).strftime("%Y-%m-%d %H:%M") if eta else "–"

    @admin.display(description=_("Overdue"), ordering="is_overdue")
    def overdue_flag(self, shipment: Shipment) -> SafeString | str:
        # Shown only when true: a red mark on every punctual shipment says the opposite.
        return badge(gettext("overdue"), RED) if shipment.is_overdue else ""

    @admin.display(description=_("In status for"), ordering="status_since")
    def time_in_status(self, shipment: Shipment) -> str:
        return days_hours(timezone.now() - shipment.status_since)

    @admin.display(description=_("Worst lot shelf life"), ordering="worst_end")
    def worst_shelf_life(self, shipment: Shipment) -> SafeString | str:
        end = getattr(shipment, "worst_end", None)
        if end is None:
            return "–"
        left = end - timezone.now()
        hours = left.total_seconds() / 3600
        if hours <= 0:
            return badge(_("expired"), CONDITION_COLOURS["expired"])
        colour = CONDITION_COLOURS["ok"] if hours >= 72 else CONDITION_COLOURS["at_risk"]
        if hours < 24:
            colour = CONDITION_COLOURS["expired"]
        arrival = shipment.estimated_arrival or shipment.planned_arrival
        if shipment.actual_arrival is None and arrival is not None and end < arrival:
            # Days of life left mean nothing if they run out on the way: red, and say why.
            return format_html(
                '{} <span class="help">{}</span>',
                badge(days_hours(left), CONDITION_COLOURS["expired"]),
                _("Expires before arrival"),
            )
        return badge(days_hours(left), colour)

    @admin.display(description=_("Mixed-load warnings"))
    def warnings_display(self, shipment: Shipment) -> SafeString | str:
        warnings = selectors.shipment_warnings(shipment)
        if not warnings:
            return gettext("None")
        return format_html(
            '<ul style="color:#c62828;margin:0">{}</ul>',
            format_html_join("", "<li>{}</li>", ((w,) for w in warnings)),
        )

    @admin.display(description=_("Temperature chart"))
    def temperature_chart(self, shipment: Shipment) -> SafeString:
        # The first and the last reading, each one descent of the key per sensor.
        readings = selectors.ReadingPages(shipment, None, None)
        first = readings[0:1]
        if not first:
            return temperature_svg([], [])
        last = readings.order_by(*(f"-{name}" for name in selectors.READING_ORDER))[0:1]
        seconds = choose_bucket_seconds(first[0].recorded_at, last[0].recorded_at)
        points = selectors.bucketed_readings(shipment, None, None, seconds, 2000)
        bands = [
            Band(
                label=p.name,
                low=p.storage_temp_min_c,
                high=p.storage_temp_max_c,
                chilling_c=p.chilling_threshold_c if p.chilling_sensitive else None,
                freezing_c=p.highest_freezing_point_c,
            )
            for p in {lot.product for lot in shipment.lots.select_related("product")}
        ]
        spans = [
            Span(label=str(excursion), start=excursion.started_at, end=excursion.ended_at)
            for excursion in shipment.excursions.order_by("started_at")
        ]
        product = shelf.estimated_product_buckets(shipment, seconds)
        label = gettext("product, estimated (τ %(hours)s h)") % {
            "hours": f"{shelf.time_constant_hours(shipment):g}"
        }
        return temperature_svg(points, bands, spans, product, label)

    @admin.action(description=_("Re-derive status and ETA from tracking events"))
    def rederive_status(self, request: HttpRequest, queryset: QuerySet[Shipment]) -> None:
        for shipment in queryset:
            tracking.derive_status(shipment.pk)
        self.message_user(
            request,
            ngettext(
                "Re-derived %(count)d shipment.",
                "Re-derived %(count)d shipments.",
                queryset.count(),
            )
            % {"count": queryset.count()},
        )

    @admin.action(description=_("Process new telemetry now"))
    def reprocess_telemetry(self, request: HttpRequest, queryset: QuerySet[Shipment]) -> None:
        count = sum(shelf.process_readings(shipment.pk) for shipment in queryset)
        self.message_user(
            request,
            ngettext("Processed %(count)d new reading.", "Processed %(count)d new readings.", count)
            % {"count": count},
        )

    def get_urls(self) -> list[URLPattern]:
        custom = [
            path(
                "distribute/",
                self.admin_site.admin_view(self.distribute_view),
                name="shipments_shipment_distribute",
            )
        ]
        return custom + super().get_urls()  # type: ignore[operator]

    def distribute_view(self, request: HttpRequest) -> HttpResponse:
        """Staff split a released declaration to several destinations in one form."""
        return distribute_page(self, request)


class AcknowledgeExcursionForm(forms.Form):
    """What staff checked or did about the excursion (kept with the acknowledgement)."""

    comment = forms.CharField(
        label=_("Comment"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("E.g. reefer reset by the driver, pulp temperature checked at 4 °C."),
    )


@admin.register(Excursion)
class ExcursionAdmin(AuditRecordAdmin, admin.ModelAdmin):  # type: ignore[type-arg]
    """Temperature excursions: staff acknowledge them with a comment; linked to the shipment, its
    lots and alerts; never deleted."""

    change_form_template = "admin/shipments/excursion/change_form.html"
    list_display = [
        "shipment",
        "kind_badge",
        "product",
        "started_at",
        "duration",
        "peak_c",
        "degree_hours",
        "acknowledged_badge",
    ]
    list_filter = [QueueFilter, "kind", "acknowledged"]
    list_select_related = ["shipment", "product"]
    search_fields = ["shipment__reference"]
    readonly_fields = [
        *(f.name for f in Excursion._meta.fields if f.name != "id"),
        "alert_links",
        "declaration_link",
    ]
    actions = ["acknowledge"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description=_("kind"), ordering="kind")
    def kind_badge(self, excursion: Excursion) -> SafeString:
        return badge(excursion.get_kind_display(), EXCURSION_COLOURS.get(excursion.kind, RED))

    @admin.display(description=_("duration"))
    def duration(self, excursion: Excursion) -> str:
        end = excursion.ended_at or timezone.now()
        text = days_hours(end - excursion.started_at)
        return (
            text
            if excursion.ended_at
            else gettext("%(duration)s, still going on") % {"duration": text}
        )

    @admin.display(description=_("acknowledged"), ordering="acknowledged")
    def acknowledged_badge(self, excursion: Excursion) -> SafeString:
        if excursion.acknowledged:
            return badge(gettext("acknowledged"), GREEN)
        return badge(gettext("not acknowledged"), RED)

    @admin.display(description=_("alerts"))
    def alert_links(self, excursion: Excursion) -> SafeString | str:
        return admin_links(
            Alert.objects.filter(
                shipment_id=excursion.shipment_id, kind="temperature_excursion"
            ).order_by("-created_at")[:20]
        )

    @admin.display(description=_("declaration"))
    def declaration_link(self, excursion: Excursion) -> SafeString | str:
        return admin_link(excursion.shipment.declaration)

    def get_urls(self) -> list[URLPattern]:
        custom = [
            path(
                "<int:pk>/acknowledge/",
                self.admin_site.admin_view(self.acknowledge_view),
                name="shipments_excursion_acknowledge",
            )
        ]
        return custom + super().get_urls()  # type: ignore[operator]

    def acknowledge_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """Acknowledge one excursion with a comment (required)."""
        excursion = self.get_object(request, str(pk))
        if excursion is None or not self.has_change_permission(request, excursion):
            raise Http404
        form = AcknowledgeExcursionForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            excursions.acknowledge(
                Excursion.objects.filter(pk=excursion.pk),
                actor_label(request.user),
                form.cleaned_data["comment"],
            )
            self.message_user(request, gettext("Excursion acknowledged."), messages.SUCCESS)
            return HttpResponseRedirect(
                reverse("admin:shipments_excursion_change", args=[excursion.pk])
            )
        return note_form_page(
            request,
            self,
            title=gettext("Acknowledge excursion"),
            objects=[excursion],
            form=form,
            submit_label=gettext("Acknowledge"),
        )

    @admin.action(description=_("Acknowledge selected excursions (with a comment)"))
    def acknowledge(self, request: HttpRequest, queryset: QuerySet[Excursion]) -> Any:
        if "apply" in request.POST:
            form = AcknowledgeExcursionForm(request.POST)
            if form.is_valid():
                count = excursions.acknowledge(
                    queryset, actor_label(request.user), form.cleaned_data["comment"]
                )
                self.message_user(
                    request,
                    ngettext(
                        "Acknowledged %(count)d excursion.",
                        "Acknowledged %(count)d excursions.",
                        count,
                    )
                    % {"count": count},
                )
                return None
        else:
            form = AcknowledgeExcursionForm()
        return note_form_page(
            request,
            self,
            title=gettext("Acknowledge excursions"),
            objects=queryset.select_related("shipment"),
            form=form,
            submit_label=gettext("Acknowledge"),
            hidden=[
                ("action", "acknowledge"),
                *((ACTION_CHECKBOX_NAME, excursion.pk) for excursion in queryset),
            ],
        )


__all__ = ["ExcursionAdmin", "LeadTimeAdmin", "ProductAdmin", "ShipmentAdmin"]


@admin.register(LeadTime)
class LeadTimeAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Planning lead times for re-route advice, each with its source (delivered shipments override)."""

    list_display = ["origin", "destination", "mode", "hours", "source"]
    list_filter = ["mode"]
    search_fields = ["origin__code", "destination__code", "source"]
    raw_id_fields = ["origin", "destination"]
