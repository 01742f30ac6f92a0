"""Alerts as the API shows them, built from plain rows.

`AlertSerializer` stays the schema's source and the reference; this writes the same dicts from
one `.values()` query (the shipment's reference and the lot's code joined in), without a model
instance or a serializer field per value. `tests/shipments/alerts/test_representations.py`
compares the rendered bytes with the serializer's.
"""

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from shipments.models import Alert
from tradehub.api.representation import datetime_formatter

Row = dict[str, Any]

ALERT_COLUMNS = (
    "id",
    "reference",
    "kind",
    "severity",
    "subject_type",
    "subject_reference",
    "shipment__reference",
    "lot__lot_code",
    "message",
    "state",
    "threshold_hours",
    "acknowledged_at",
    "acknowledged_by",
    "comment",
    "resolved_at",
    "created_at",
    "updated_at",
)


def alert_rows(queryset: QuerySet[Alert]) -> QuerySet[Alert, Row]:
    """The alerts of `queryset` as the rows `represent_alerts` takes (filters and ordering kept,
    so it can be paginated)."""
    return queryset.values(*ALERT_COLUMNS)


def represent_alerts(rows: list[Row]) -> list[dict[str, Any]]:
    """`AlertSerializer(alerts, many=True).data` for these rows. A lot's code is never NULL, so
    a NULL `lot__lot_code` means the alert has no lot (the serializer's None)."""
    when = datetime_formatter(timezone.get_current_timezone())
    return [
        {
            "reference": row["reference"],
            "kind": row["kind"],
            "severity": row["severity"],
            "subject": {"type": row["subject_type"], "reference": row["subject_reference"]},
            "shipment": row["shipment__reference"],
            "lot_code": row["lot__lot_code"],
            "message": row["message"],
            "state": row["state"],
            "threshold_hours": row["threshold_hours"],
            "acknowledged_at": when(row["acknowledged_at"]),
            "acknowledged_by": row["acknowledged_by"],
            "comment": row["comment"],
            "resolved_at": when(row["resolved_at"]),
            "created_at": when(row["created_at"]),
            "updated_at": when(row["updated_at"]),
        }
        for row in rows
    ]


def represent_alert(pk: int) -> dict[str, Any]:
    """One alert as the API shows it."""
    return represent_alerts(list(alert_rows(Alert.objects.filter(pk=pk))))[0]
