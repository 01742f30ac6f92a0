"""Alerts: one row per subject, kind and threshold (a unique deduplication key)."""

from functools import partial

from django.db import models
from django.db.models import Q

from shipments.alerts.choices import AlertKind, AlertState, SubjectType
from tradehub.ids import new_reference
from tradehub.notifications.choices import Severity

from .shipments import Lot, Shipment


class Alert(models.Model):
    """Cargo or a declaration at risk; raised and resolved by the alert rules, acknowledged by staff."""

    reference = models.CharField(
        max_length=20, unique=True, editable=False, default=partial(new_reference, "ALR")
    )
    partner = models.ForeignKey("partners.Partner", on_delete=models.CASCADE, related_name="alerts")
    kind = models.CharField(max_length=30, choices=AlertKind.choices)
    severity = models.CharField(max_length=10, choices=Severity.choices)
    subject_type = models.CharField(max_length=20, choices=SubjectType.choices)
    subject_reference = models.CharField(max_length=80)
    shipment = models.ForeignKey(
        Shipment, null=True, blank=True, on_delete=models.CASCADE, related_name="alerts"
    )
    lot = models.ForeignKey(
        Lot, null=True, blank=True, on_delete=models.CASCADE, related_name="alerts"
    )
    declaration = models.ForeignKey(
        "declarations.Declaration",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="alerts",
    )
    threshold_hours = models.PositiveIntegerField(null=True, blank=True)
    dedup_key = models.CharField(
        max_length=200, unique=True, help_text="kind:subject[:threshold] — one alert each"
    )
    state = models.CharField(
        max_length=15, choices=AlertState.choices, default=AlertState.OPEN, editable=False
    )
    message = models.TextField()
    details = models.JSONField(default=dict, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True, editable=False)
    acknowledged_by = models.CharField(max_length=200, blank=True, editable=False)
    comment = models.TextField(blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["partner", "-created_at"], name="alert_partner_created"),
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
