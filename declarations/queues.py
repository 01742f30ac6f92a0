"""Control-tower queues over declarations and transits (shown as `settings.CONTROL_TOWER` says)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from tradehub.workplace.queues import Limits, Queue

from .choices import DeclarationStatus, RiskChannel, TransitStatus
from .models import Declaration

S = DeclarationStatus


def _status(*statuses: str) -> Any:
    def rows(queryset: QuerySet[Any], now: dt.datetime, limits: Limits) -> QuerySet[Any]:
        return queryset.filter(status__in=statuses)

    return rows


def _transits_near_deadline(
    queryset: QuerySet[Declaration], now: dt.datetime, limits: Limits
) -> QuerySet[Declaration]:
    """Transit declarations whose transit is opened (goods on their way) and whose delivery
    deadline is passed or comes within the amber limit (index transit_open_deadline_idx)."""
    return queryset.filter(
        transit__status=TransitStatus.OPENED,
        transit__delivery_deadline__lte=now + dt.timedelta(minutes=limits.amber_minutes),
    )


SUBMITTED = Queue(
    key="declarations_submitted",
    title=_("Declarations submitted, awaiting registration"),
    model=Declaration,
    rows=_status(S.SUBMITTED),
    clock="submitted_at",
    clock_kind="age",
    clock_label=_("since submission"),
)

ACCEPTED = Queue(
    key="declarations_accepted",
    title=_("Registered (green channel), awaiting release"),
    model=Declaration,
    rows=_status(S.ACCEPTED),
    clock="accepted_at",
    clock_kind="age",
    clock_label=_("since registration"),
)

UNDER_CONTROL = Queue(
    key="declarations_under_control",
    title=_("Under customs control"),
    model=Declaration,
    rows=_status(S.UNDER_CONTROL),
    # Selection for control happens on registration (the channel comes with the number).
    clock="accepted_at",
    clock_kind="age",
    clock_label=_("since selection"),
    split_field="channel",
    split_values=(
        (RiskChannel.RED, _("red: awaiting inspection")),
        (RiskChannel.YELLOW, _("yellow: documentary check")),
    ),
)

RELEASED = Queue(
    key="declarations_released",
    title=_("Released, not yet distributed"),
    model=Declaration,
    rows=_status(S.RELEASED),
    clock="released_at",
    clock_kind="age",
    clock_label=_("since release"),
)

TRANSITS = Queue(
    key="transits_near_deadline",
    title=_("Transits near or over their delivery deadline"),
    model=Declaration,
    rows=_transits_near_deadline,
    clock="transit__delivery_deadline",
    clock_kind="deadline",
    clock_label=_("earliest delivery deadline"),
)
