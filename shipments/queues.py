"""Control-tower queues over shipments, excursions and alerts (`settings.CONTROL_TOWER`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Exists, F, Func, OuterRef, QuerySet, Subquery
from django.utils.translation import gettext_lazy as _

from tradehub.notifications.choices import Severity
from tradehub.workplace.queues import Limits, Queue

from .alerts.choices import AlertState
from .choices import (
    FINISHED_STATUSES,
    EventClassifier,
    LotCondition,
    ShipmentStatus,
    TrackingEventType,
)
from .models import Alert, Excursion, Lot, Shipment, TrackingEvent

RISKY = (LotCondition.AT_RISK, LotCondition.EXPIRED)
# Named positively (not "not finished"), so the status index reads only the shipments still on
# their way; a NOT IN would walk every delivered shipment ever kept.
ON_THEIR_WAY = [status for status in ShipmentStatus.values if status not in FINISHED_STATUSES]


def _at_risk(queryset: QuerySet[Shipment], now: dt.datetime, limits: Limits) -> QuerySet[Shipment]:
    """Shipments still on their way with a lot at risk or expired (index lot_condition)."""
    risky = Lot.objects.filter(shipment=OuterRef("pk"), condition__in=RISKY)
    return queryset.filter(status__in=ON_THEIR_WAY).filter(Exists(risky))


def _worst_shelf_life(queryset: QuerySet[Shipment]) -> QuerySet[Shipment]:
    # A plain min() over the shipment's lots, with no GROUP BY, so PostgreSQL answers it as the
    # first entry of the (shipment_id, shelf_life_ends_at) index (lot_shipment_shelf_life) for the
    # few shipments at risk. Grouped, the planner trusted the table's statistics: with many lots
    # under one shipment it expected every shipment to have as many and read the whole lot table
    # (bench/control_tower.py, docs/benchmarks.md "control_tower").
    worst = (
        Lot.objects.filter(shipment=OuterRef("pk"))
        .order_by()
        .values(worst=Func(F("shelf_life_ends_at"), function="MIN"))
    )
    return queryset.annotate(worst_end=Subquery(worst))


def _overdue(queryset: QuerySet[Shipment], now: dt.datetime, limits: Limits) -> QuerySet[Shipment]:
    """Shipments flagged late by beat and still on their way (index shipment_overdue)."""
    return queryset.filter(is_overdue=True).exclude(status__in=FINISHED_STATUSES)


def _on_hold(queryset: QuerySet[Shipment], now: dt.datetime, limits: Limits) -> QuerySet[Shipment]:
    return queryset.filter(status=ShipmentStatus.CUSTOMS_HOLD)


def _held_since(queryset: QuerySet[Shipment]) -> QuerySet[Shipment]:
    latest = TrackingEvent.objects.filter(
        shipment=OuterRef("pk"),
        type=TrackingEventType.CUSTOMS_HOLD,
        classifier=EventClassifier.ACTUAL,
    ).order_by("-occurred_at")
    return queryset.annotate(held_since=Subquery(latest.values("occurred_at")[:1]))


def _open_alerts(queryset: QuerySet[Alert], now: dt.datetime, limits: Limits) -> QuerySet[Alert]:
    """Alerts nobody has acknowledged yet (index alert_state_severity)."""
    return queryset.filter(state=AlertState.OPEN)


def _unacknowledged(
    queryset: QuerySet[Excursion], now: dt.datetime, limits: Limits
) -> QuerySet[Excursion]:
    """Excursions nobody has acknowledged (index excursion_unacknowledged)."""
    return queryset.filter(acknowledged=False)


AT_RISK = Queue(
    key="shipments_at_risk",
    title=_("Shipments at risk (a lot at risk or expired)"),
    model=Shipment,
    rows=_at_risk,
    annotate=_worst_shelf_life,
    clock="worst_end",
    clock_kind="deadline",
    clock_label=_("worst shelf life"),
)

OVERDUE = Queue(
    key="shipments_overdue",
    title=_("Shipments overdue"),
    model=Shipment,
    rows=_overdue,
    clock="estimated_arrival",
    clock_kind="age",
    clock_label=_("past the estimated arrival"),
)

CUSTOMS_HOLD = Queue(
    key="shipments_customs_hold",
    title=_("Shipments on customs hold"),
    model=Shipment,
    rows=_on_hold,
    annotate=_held_since,
    clock="held_since",
    clock_kind="age",
    clock_label=_("on hold"),
)

OPEN_ALERTS = Queue(
    key="alerts_open",
    title=_("Open alerts"),
    model=Alert,
    rows=_open_alerts,
    clock="created_at",
    clock_kind="age",
    clock_label=_("since raised"),
    split_field="severity",
    split_values=(
        (Severity.HIGH, _("high")),
        (Severity.MEDIUM, _("medium")),
        (Severity.LOW, _("low")),
    ),
)

EXCURSIONS = Queue(
    key="excursions_unacknowledged",
    title=_("Temperature excursions not acknowledged"),
    model=Excursion,
    rows=_unacknowledged,
    clock="started_at",
    clock_kind="age",
    clock_label=_("since it started"),
)

__all__: list[Any] = ["AT_RISK", "CUSTOMS_HOLD", "EXCURSIONS", "OPEN_ALERTS", "OVERDUE"]
