"""Admin for alerts: open first by severity; acknowledge with a comment, assign, resolve with a
note (service calls); links to the shipment, declaration and excursions; never deleted."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from shipments import reroute
from shipments.models import Alert, Excursion
from tradehub.partners.principals import actor_label
from tradehub.reference.choices import LegMode, OnwardProcedure
from tradehub.ui.admin import (
    AMBER,
    BLUE,
    GREEN,
    GREY,
    RED,
    AuditRecordAdmin,
    admin_link,
    admin_links,
    badge,
    note_form_page,
)
from tradehub.workplace.filters import QueueFilter

from . import selectors, services
from .choices import AlertState
from .states import AlertTransitionNotAllowed


class AcknowledgeForm(forms.Form):
    """Comment asked for when acknowledging."""

    comment = forms.CharField(
        label=_("Comment"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


class ResolveForm(forms.Form):
    """The note staff must give when they resolve an alert."""

    note = forms.CharField(
        label=_("Resolution note"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What was done about it (re-routed, sold locally, customs cleared it …)."),
    )


SEVERITY_COLOURS = {"high": RED, "medium": AMBER, "low": BLUE}
STATE_COLOURS: dict[str, str] = {
    AlertState.OPEN: RED,
    AlertState.ACKNOWLEDGED: AMBER,
    AlertState.RESOLVED: GREEN,
}


@admin.register(Alert)
class AlertAdmin(AuditRecordAdmin, admin.ModelAdmin):  # type: ignore[type-arg]
    """Alerts close the loop: acknowledge with a comment, assign, resolve with a note."""

    change_form_template = "admin/shipments/alert/change_form.html"
    list_display = [
        "reference",
        "severity_badge",
        "state_badge",
        "kind",
        "subject_link",
        "assignee",
        "created_at",
    ]
    list_filter = [QueueFilter, "state", "severity", "kind", "assignee", "partner"]
    search_fields = ["reference", "subject_reference", "shipment__reference", "message"]
    list_select_related = ["shipment", "partner", "assignee", "lot", "declaration"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    ("reference", "severity_badge", "state_badge"),
                    ("kind", "partner"),
                    "message",
                    "assignee",
                ]
            },
        ),
        (
            _("Linked records"),
            {"fields": ["subject_link", "shipment_link", "declaration_link", "excursion_links"]},
        ),
        (_("Re-route advice"), {"fields": ["reroute_advice"]}),
        (
            _("Handling"),
            {
                "fields": [
                    ("acknowledged_at", "acknowledged_by"),
                    "comment",
                    ("resolved_at", "resolved_by"),
                    "resolution_note",
                ]
            },
        ),
        (_("Record"), {"fields": ["dedup_key", "details", "created_at", "updated_at"]}),
    ]
    readonly_fields = [
        "reference",
        "severity_badge",
        "state_badge",
        "kind",
        "partner",
        "message",
        "subject_link",
        "shipment_link",
        "declaration_link",
        "excursion_links",
        "reroute_advice",
        "acknowledged_at",
        "acknowledged_by",
        "comment",
        "resolved_at",
        "resolved_by",
        "resolution_note",
        "dedup_key",
        "details",
        "created_at",
        "updated_at",
    ]
    actions = ["acknowledge_selected"]

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or obj.lot_id is None:
            # Only an alert about a lot gets re-route advice.
            return [f for f in fieldsets if f[1]["fields"] != ["reroute_advice"]]
        return fieldsets

    @admin.display(description=_("Re-route advice"))
    def reroute_advice(self, alert: Alert) -> SafeString | str:
        """Where the lot could still go, computed now (advice only: nothing is re-booked)."""
        if alert.lot is None:
            return "–"
        advice = reroute.advise(alert.lot, timezone.now())
        note = gettext(
            "Advice only: nothing moves until a person re-books the shipment. Ranked by the "
            "shelf life left at arrival if the lot leaves now and is kept at its optimum."
        )
        if not advice.options:
            return format_html(
                "<p>{}</p><p>{}</p>",
                gettext("No destination with a known lead time from this origin."),
                note,
            )
        headers = [
            gettext("Destination"),
            gettext("Mode"),
            gettext("Lead time"),
            gettext("Arrival"),
            gettext("Shelf life left at arrival"),
            gettext("Onward procedure"),
        ]
        modes = dict(LegMode.choices)
        procedures = dict(OnwardProcedure.choices)
        rows = (
            (
                "reachable" if option.reachable else "unreachable",
                "" if option.reachable else "color:#c62828",
                f"{option.destination.code} {option.destination.name}",
                str(modes.get(option.mode, option.mode)),
                option.lead_time.source,
                f"{option.lead_time.hours:.1f} h",
                timezone.localtime(option.arrival_at).strftime("%Y-%m-%d %H:%M"),
                (
                    f"{option.remaining_at_arrival_hours:.0f} h"
                    if option.reachable
                    else gettext("none: it would arrive spoilt")
                ),
                str(procedures.get(option.procedure, option.procedure) or "–"),
            )
            for option in advice.options
        )
        return format_html(
            '<table class="reroute-advice"><thead><tr>{}</tr></thead><tbody>{}</tbody></table>'
            "<p>{}</p>",
            format_html_join("", "<th>{}</th>", ((h,) for h in headers)),
            format_html_join(
                "",
                '<tr class="{}" style="{}"><td>{}</td><td>{}</td><td title="{}">{}</td><td>{}</td><td>{}</td>'
                "<td>{}</td></tr>",
                rows,
            ),
            note,
        )

    def get_ordering(self, request: HttpRequest) -> list[Any]:
        return selectors.ADMIN_ORDERING

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "assignee":
            kwargs["queryset"] = get_user_model().objects.filter(is_staff=True, is_active=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: Alert, form: Any, change: bool) -> None:
        # The only field staff edit here is the assignee; it changes through the service.
        if "assignee" in form.changed_data:
            services.assign_alert(obj, form.cleaned_data["assignee"])

    @admin.display(description=_("severity"), ordering="severity")
    def severity_badge(self, alert: Alert) -> SafeString:
        return badge(alert.get_severity_display(), SEVERITY_COLOURS.get(alert.severity, GREY))

    @admin.display(description=_("state"), ordering="state")
    def state_badge(self, alert: Alert) -> SafeString:
        return badge(alert.get_state_display(), STATE_COLOURS.get(alert.state, GREY))

    @admin.display(description=_("about"))
    def subject_link(self, alert: Alert) -> SafeString | str:
        target = {"lot": alert.lot, "shipment": alert.shipment, "declaration": alert.declaration}
        obj = target.get(alert.subject_type)
        text = f"{alert.get_subject_type_display()} {alert.subject_reference}"
        if alert.subject_type == "lot" and alert.shipment is not None:
            return admin_link(alert.shipment, text)
        return admin_link(obj, text) if obj is not None else text

    @admin.display(description=_("shipment"))
    def shipment_link(self, alert: Alert) -> SafeString | str:
        return admin_link(alert.shipment)

    @admin.display(description=_("declaration"))
    def declaration_link(self, alert: Alert) -> SafeString | str:
        declaration = alert.declaration or (
            alert.shipment.declaration if alert.shipment is not None else None
        )
        return admin_link(declaration)

    @admin.display(description=_("excursions"))
    def excursion_links(self, alert: Alert) -> SafeString | str:
        if alert.shipment_id is None:
            return "–"
        excursions = Excursion.objects.filter(shipment_id=alert.shipment_id).order_by("started_at")
        if alert.lot_id is not None:
            excursions = excursions.filter(product_id=alert.lot.product_id)  # type: ignore[union-attr]
        return admin_links(excursions.select_related("shipment")[:20])

    def get_urls(self) -> list[URLPattern]:
        custom = [
            path(
                "<int:pk>/resolve/",
                self.admin_site.admin_view(self.resolve_view),
                name="shipments_alert_resolve",
            ),
            path(
                "<int:pk>/acknowledge/",
                self.admin_site.admin_view(self.acknowledge_view),
                name="shipments_alert_acknowledge",
            ),
        ]
        return custom + super().get_urls()  # type: ignore[operator]

    def _alert_or_404(self, request: HttpRequest, pk: int) -> Alert:
        alert = self.get_object(request, str(pk))
        if alert is None or not self.has_change_permission(request, alert):
            raise Http404
        return alert

    def resolve_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """Resolve one alert with a required note (a confirmation page)."""
        alert = self._alert_or_404(request, pk)
        form = ResolveForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.resolve_alert(
                    alert, actor=actor_label(request.user), note=form.cleaned_data["note"]
                )
            except AlertTransitionNotAllowed:
                self.message_user(
                    request,
                    _("%(reference)s is already resolved.") % {"reference": alert.reference},
                    messages.WARNING,
                )
            else:
                self.message_user(
                    request,
                    _("%(reference)s resolved.") % {"reference": alert.reference},
                    messages.SUCCESS,
                )
            return HttpResponseRedirect(reverse("admin:shipments_alert_change", args=[alert.pk]))
        return note_form_page(
            request,
            self,
            title=_("Resolve alert %(reference)s") % {"reference": alert.reference},
            intro=alert.message,
            objects=[alert],
            form=form,
            submit_label=_("Resolve"),
        )

    def acknowledge_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """Acknowledge one alert with an optional comment."""
        alert = self._alert_or_404(request, pk)
        form = AcknowledgeForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.acknowledge_alert(
                    alert,
                    actor=actor_label(request.user),
                    comment=form.cleaned_data["comment"],
                )
            except AlertTransitionNotAllowed:
                self.message_user(
                    request,
                    _("%(reference)s is not open.") % {"reference": alert.reference},
                    messages.WARNING,
                )
            return HttpResponseRedirect(reverse("admin:shipments_alert_change", args=[alert.pk]))
        return note_form_page(
            request,
            self,
            title=_("Acknowledge alert %(reference)s") % {"reference": alert.reference},
            intro=alert.message,
            objects=[alert],
            form=form,
            submit_label=_("Acknowledge"),
        )

    @admin.action(description=_("Acknowledge selected open alerts (with a comment)"))
    def acknowledge_selected(
        self, request: HttpRequest, queryset: QuerySet[Alert]
    ) -> HttpResponse | None:
        if "apply" in request.POST:
            form = AcknowledgeForm(request.POST)
            if form.is_valid():
                done, skipped = 0, 0
                for alert in queryset:
                    try:
                        services.acknowledge_alert(
                            alert,
                            actor=actor_label(request.user),
                            comment=form.cleaned_data["comment"],
                        )
                        done += 1
                    except AlertTransitionNotAllowed:
                        skipped += 1
                self.message_user(
                    request,
                    _("%(done)d acknowledged, %(skipped)d skipped (not open).")
                    % {"done": done, "skipped": skipped},
                    messages.SUCCESS,
                )
                return None
        return note_form_page(
            request,
            self,
            title=_("Acknowledge alerts"),
            intro=_("Acknowledge these alerts:"),
            objects=queryset,
            form=AcknowledgeForm(),
            submit_label=_("Acknowledge"),
            hidden=[
                ("action", "acknowledge_selected"),
                *((ACTION_CHECKBOX_NAME, alert.pk) for alert in queryset),
            ],
        )
