"""Admin for alerts: open first by severity, acknowledge with a comment (a service call)."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from shipments.models import Alert
from tradehub.workplace.filters import QueueFilter

from . import selectors, services
from .states import AlertTransitionNotAllowed


class AcknowledgeForm(forms.Form):
    """Comment asked for when acknowledging from the list."""

    comment = forms.CharField(
        label=_("Comment"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    list_display = [
        "reference",
        "state",
        "severity",
        "kind",
        "subject_type",
        "subject_reference",
        "shipment",
        "partner",
        "created_at",
    ]
    list_filter = [QueueFilter, "state", "severity", "kind", "partner"]
    search_fields = ["reference", "subject_reference", "shipment__reference", "message"]
    list_select_related = ["shipment", "partner"]
    readonly_fields = [
        "reference",
        "partner",
        "kind",
        "severity",
        "subject_type",
        "subject_reference",
        "shipment",
        "lot",
        "declaration",
        "threshold_hours",
        "dedup_key",
        "state",
        "message",
        "details",
        "acknowledged_at",
        "acknowledged_by",
        "comment",
        "resolved_at",
        "created_at",
        "updated_at",
    ]
    actions = ["acknowledge_selected"]

    def get_ordering(self, request: HttpRequest) -> list[Any]:
        return selectors.ADMIN_ORDERING

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

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
                            alert, request.user, form.cleaned_data["comment"]
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
        context: dict[str, Any] = {
            **self.admin_site.each_context(request),
            "title": _("Acknowledge alerts"),
            "alerts": queryset,
            "form": AcknowledgeForm(),
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "shipments/admin/acknowledge_alerts.html", context)
