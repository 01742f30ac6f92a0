"""Writes on excursions: acknowledgement by staff."""

from django.db.models import QuerySet
from django.utils import timezone

from shipments.models import Excursion


def acknowledge(queryset: QuerySet[Excursion], actor: str) -> int:
    """Acknowledge the not yet acknowledged excursions of a queryset; returns how many."""
    now = timezone.now()
    return queryset.filter(acknowledged=False).update(
        acknowledged=True, acknowledged_at=now, acknowledged_by=actor[:200], updated_at=now
    )
