"""Control-tower queue over the outbox: deliveries that fail (`settings.CONTROL_TOWER`)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from tradehub.workplace.queues import Limits, Queue

from .choices import DeliveryMessageStatus
from .models import OutboundMessage

FAILING = Q(status=DeliveryMessageStatus.FAILED) | Q(
    status=DeliveryMessageStatus.PENDING, attempts__gt=0
)


def _failing(
    queryset: QuerySet[OutboundMessage], now: dt.datetime, limits: Limits
) -> QuerySet[OutboundMessage]:
    """Messages that gave up (failed) or wait for a retry after a failed attempt (index
    outbound_failing)."""
    return queryset.filter(FAILING)


FAILING_DELIVERIES = Queue(
    key="deliveries_failing",
    title=_("Failing deliveries (emails and webhooks)"),
    model=OutboundMessage,
    rows=_failing,
    clock="created_at",
    clock_kind="age",
    clock_label=_("since queued"),
    split_field="status",
    split_values=(
        (DeliveryMessageStatus.FAILED, _("gave up")),
        (DeliveryMessageStatus.PENDING, _("retrying")),
    ),
)
