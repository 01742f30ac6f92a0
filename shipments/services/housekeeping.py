"""Periodic sweeps in bounded batches over indexed candidate rows only."""

import datetime as dt

from django.db import transaction
from django.db.models import Max, QuerySet
from django.utils import timezone

from shipments.choices import FINISHED_STATUSES, LotCondition
from shipments.models import Lot, Product, Shipment
from shipments.shelf_life import AT_RISK_REMAINING_FRACTION

from .shelf import recompute_conditions, shipment_arrival

BATCH_SIZE = 500


def _touch_shipments(lots: QuerySet[Lot], now: dt.datetime) -> None:
    """Bump `updated_at` of the lots' shipments, so `updated_since` pollers see the change."""
    Shipment.objects.filter(pk__in=lots.values("shipment_id")).update(updated_at=now)


@transaction.atomic
def mark_expired_lots(now: dt.datetime | None = None, batch_size: int = BATCH_SIZE) -> int:
    """Mark lots whose shelf life has run out as expired; returns how many (≤ batch_size)."""
    now = now or timezone.now()
    ids = list(
        Lot.objects.exclude(condition=LotCondition.EXPIRED)
        .filter(shelf_life_ends_at__lte=now)
        .order_by("shelf_life_ends_at")
        .values_list("pk", flat=True)[:batch_size]
    )
    if not ids:
        return 0
    lots = Lot.objects.filter(pk__in=ids)
    _touch_shipments(lots, now)
    return lots.update(condition=LotCondition.EXPIRED, updated_at=now)


def at_risk_horizon() -> dt.timedelta:
    """How far ahead a lot can become at risk by time alone: the at-risk share of the longest
    storage life in the catalogue (products are editable, so it is read, not assumed)."""
    longest = Product.objects.aggregate(days=Max("storage_life_days"))["days"] or 0
    return dt.timedelta(days=longest * AT_RISK_REMAINING_FRACTION + 1)


@transaction.atomic
def mark_lots_at_risk(
    now: dt.datetime | None = None,
    horizon: dt.timedelta | None = None,
    batch_size: int = BATCH_SIZE,
) -> int:
    """Re-check lots that are still `ok` and run out within the horizon (time passing makes them
    at risk); returns how many changed."""
    now = now or timezone.now()
    horizon = horizon or at_risk_horizon()
    lots = list(
        Lot.objects.filter(condition=LotCondition.OK, shelf_life_ends_at__lte=now + horizon)
        .select_related("product", "shipment")
        .order_by("shelf_life_ends_at")[:batch_size]
    )
    changed = recompute_conditions(lots, now, lambda lot: shipment_arrival(lot.shipment))
    if changed:
        _touch_shipments(Lot.objects.filter(pk__in=[lot.pk for lot in changed]), now)
    return len(changed)


@transaction.atomic
def mark_overdue_shipments(now: dt.datetime | None = None, batch_size: int = BATCH_SIZE) -> int:
    """Flag open shipments whose estimated arrival has passed; returns how many (≤ batch_size)."""
    now = now or timezone.now()
    ids = list(
        Shipment.objects.filter(is_overdue=False, estimated_arrival__lt=now)
        .exclude(status__in=FINISHED_STATUSES)
        .order_by("estimated_arrival")
        .values_list("pk", flat=True)[:batch_size]
    )
    if not ids:
        return 0
    return Shipment.objects.filter(pk__in=ids).update(is_overdue=True, updated_at=now)
