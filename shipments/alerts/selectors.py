"""Reads of alerts: scoped lists, and open alerts per lot for shipment details."""

from typing import Any

from django.db.models import Case, IntegerField, QuerySet, Value, When

from shipments.models import Alert
from tradehub.notifications.choices import Severity
from tradehub.prepared_queries import RowsByIds

from .choices import AlertState


def alerts() -> QuerySet[Alert]:
    """Alerts with what their API representation needs."""
    return Alert.objects.select_related("shipment", "lot")


# Open alerts of the lots of these shipments, compiled once per process (read with the rest of a
# page of shipments).
OPEN_ALERTS_OF_SHIPMENTS = RowsByIds(
    lambda shipment_ids: (
        Alert.objects.filter(lot__shipment_id__in=shipment_ids)
        .exclude(state=AlertState.RESOLVED)
        .order_by("created_at", "id")
        .values_list("lot_id", "reference", "kind", "severity")
    )
)


def open_alerts_by_lot(shipment_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """Open (or acknowledged, not resolved) alerts per lot id of these shipments' lots:
    `{reference, kind, severity}`."""
    return open_alerts_from(OPEN_ALERTS_OF_SHIPMENTS.rows(shipment_ids))


def open_alerts_from(rows: list[tuple[Any, ...]]) -> dict[int, list[dict[str, Any]]]:
    """`open_alerts_by_lot` from the rows of `OPEN_ALERTS_OF_SHIPMENTS`."""
    out: dict[int, list[dict[str, Any]]] = {}
    for lot_id, reference, kind, severity in rows:
        out.setdefault(lot_id, []).append(
            {"reference": reference, "kind": kind, "severity": severity}
        )
    return out


STATE_RANK = Case(
    When(state=AlertState.OPEN, then=Value(0)),
    When(state=AlertState.ACKNOWLEDGED, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)
SEVERITY_RANK = Case(
    When(severity=Severity.HIGH, then=Value(0)),
    When(severity=Severity.MEDIUM, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)
# Open first, then acknowledged, then resolved; within each, most severe and newest first.
ADMIN_ORDERING: list[Any] = [STATE_RANK.asc(), SEVERITY_RANK.asc(), "-created_at", "-id"]


def admin_order(queryset: QuerySet[Alert]) -> QuerySet[Alert]:
    """Alerts in the order staff work through them."""
    return queryset.order_by(*ADMIN_ORDERING)
