"""Reads of the simulated authority: due releases, lost assessments, arrived transits."""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef

from declarations.choices import DeclarationStatus, TransitStatus
from declarations.gateway import gateway_names_of_class, offices_served_by
from declarations.models import Declaration, Transit

from .models import SimulatedCase


def simulated_offices() -> dict[str, list[str]]:
    """Office codes per configured simulated gateway name."""
    from .gateway import SimulatedGateway

    return {name: offices_served_by(name) for name in gateway_names_of_class(SimulatedGateway)}


def due_release_ids(now: dt.datetime, limit: int = 500) -> list[int]:
    """Declarations whose simulated release is due (partial index on due cases)."""
    return list(
        SimulatedCase.objects.filter(released_at__isnull=True, release_due_at__lte=now)
        .order_by("release_due_at")
        .values_list("declaration_id", flat=True)[:limit]
    )


def unassessed_ids(offices: list[str], now: dt.datetime, limit: int = 500) -> list[int]:
    """Declarations submitted to these offices over a minute ago that have no case for their
    version and no customs message (nobody decided them)."""
    case = SimulatedCase.objects.filter(declaration=OuterRef("pk"), version=OuterRef("version"))
    return list(
        Declaration.objects.filter(
            status=DeclarationStatus.SUBMITTED,
            office__code__in=offices,
            submitted_at__lte=now - dt.timedelta(minutes=1),
        )
        .filter(~Exists(case))
        .order_by("submitted_at")
        .values_list("pk", flat=True)[:limit]
    )


def arrived_transit_ids(offices: list[str], before: dt.datetime, limit: int = 500) -> list[int]:
    """Transits to these offices whose goods arrived before `before` and are not completed."""
    return list(
        Transit.objects.filter(
            status=TransitStatus.ARRIVED,
            destination_office__code__in=offices,
            arrived_at__lte=before,
        )
        .order_by("arrived_at")
        .values_list("declaration_id", flat=True)[:limit]
    )
