"""Writes on excursions: acknowledgement by staff, with a comment."""

from django.db.models import QuerySet
from django.utils import timezone

from shipments.models import Excursion


def acknowledge(queryset: QuerySet[Excursion], actor: str, comment: str = "") -> int:
    """Acknowledge the not yet acknowledged excursions of a queryset, recording who and what
    they checked or did (`comment`); returns how many."""
    now = timezone.now()
    return queryset.filter(acknowledged=False).update(
        acknowledged=True,
        acknowledged_at=now,
        acknowledged_by=actor[:200],
        comment=(comment or "").strip(),
        updated_at=now,
    )
