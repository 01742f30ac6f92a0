"""Alerts: one row per subject, kind and threshold (a unique deduplication key)."""

from functools import partial

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shipments.alerts.choices import AlertKind, AlertState, AlertSubjectType
from tradehub.ids import new_reference
from tradehub.notifications.choices import Severity

from .shipments import Lot, Shipment


class Alert(models.Model):
    """Cargo or a declaration at risk; raised and resolved by the alert rules, acknowledged by staff."""

    reference = models.CharField(
        max_length=20,
        unique=True,
        editable=False,
        default=partial(new_reference, "ALR"),
        verbose_name=_("reference"),
    )
    partner = models.ForeignKey(
        "partners.Partner",
        on_delete=models.CASCADE,
        related_name="alerts",
        verbose_name=_("partner"),
    )
    kind = models.CharField(max_length=30, choices=AlertKind.choices, verbose_name=_("kind"))
    severity = models.CharField(max_length=10, choices=Severity.choices, verbose_name=_("severity"))
    subject_type = models.CharField(
        max_length=20, choices=AlertSubjectType.choices, verbose_name=_("subject type")
    )
    subject_reference = models.CharField(max_length=80, verbose_name=_("subject reference"))
    shipment = models.ForeignKey(
        Shipment,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="alerts",
        verbose_name=_("shipment"),
    )
    lot = models.ForeignKey(
        Lot,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="alerts",
        verbose_name=_("lot"),
    )
    declaration = models.ForeignKey(
        "declarations.Declaration",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="alerts",
        verbose_name=_("declaration"),
    )
    threshold_hours = models.PositiveIntegerField(
        null=True, blank=True, verbose_name=_("threshold hours")
    )
    dedup_key = models.CharField(
        max_length=200,
        unique=True,
        help_text=_("kind:subject[:threshold] — one alert each"),
        verbose_name=_("dedup key"),
    )
    state = models.CharField(
        max_length=15,
        choices=AlertState.choices,
        default=AlertState.OPEN,
        editable=False,
        verbose_name=_("state"),
    )
    message = models.TextField(verbose_name=_("message"))
    details = models.JSONField(default=dict, blank=True, verbose_name=_("details"))
    acknowledged_at = models.DateTimeField(
        null=True, blank=True, editable=False, verbose_name=_("acknowledged at")
    )
    acknowledged_by = models.CharField(
        max_length=200, blank=True, editable=False, verbose_name=_("acknowledged by")
    )
    comment = models.TextField(blank=True, verbose_name=_("comment"))
    resolved_at = models.DateTimeField(
        null=True, blank=True, editable=False, verbose_name=_("resolved at")
    )
    resolved_by = models.CharField(
        max_length=200,
        blank=True,
        editable=False,
        help_text=_("Empty when the alert rules resolved it (the condition cleared)."),
        verbose_name=_("resolved by"),
    )
    resolution_note = models.TextField(
        blank=True, help_text=_("What was done about it."), verbose_name=_("resolution note")
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_alerts",
        help_text=_("The staff member handling it."),
        verbose_name=_("assignee"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["partner", "-created_at"], name="alert_partner_created"),
            # A partner's `updated_since` poll: an empty answer is one index probe.
            models.Index(fields=["partner", "updated_at"], name="alert_partner_updated"),
            # Resolution looks only at alerts that are still active, per kind.
            models.Index(
                fields=["kind", "shipment"],
                name="alert_active_by_kind",
                condition=~Q(state="resolved"),
            ),
            models.Index(fields=["state", "severity"], name="alert_state_severity"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.kind} {self.subject_type} {self.subject_reference}"
