"""Celery tasks of the declarations app: thin, idempotent, take ids and call services."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from . import selectors, services
from .gateway import simulated
from .models import Declaration


@shared_task
def apply_customs_messages_task(declaration_id: int) -> None:
    """Apply a declaration's pending customs messages in occurred_at order."""
    if Declaration.objects.filter(pk=declaration_id).exists():
        services.apply_customs_messages(declaration_id)


@shared_task
def apply_pending_customs_messages_task() -> int:
    """Beat safety net: apply messages stored but not applied (e.g. a worker died mid-way)."""
    ids = selectors.declarations_with_pending_messages()
    for declaration_id in ids:
        services.apply_customs_messages(declaration_id)
    return len(ids)


@shared_task
def simulated_authority_task(declaration_id: int, version: int | None = None) -> None:
    """The simulated authority assesses a submitted declaration (accept/reject, number, channel)."""
    simulated.assess(declaration_id, version)


@shared_task
def simulated_release_task(declaration_id: int, version: int | None = None) -> None:
    """The simulated authority releases a green/yellow declaration once its time has come."""
    simulated.release(declaration_id, version)


@shared_task
def simulated_cancellation_task(declaration_id: int) -> None:
    """The simulated authority decides a cancellation request."""
    simulated.decide_cancellation(declaration_id)


@shared_task
def simulated_transit_completion_task(declaration_id: int) -> None:
    """The simulated office of destination completes a transit whose goods arrived."""
    simulated.complete_transit(declaration_id)


@shared_task
def release_due_declarations_task() -> int:
    """Beat: release every green/yellow declaration whose simulated release time has passed
    (catches countdown tasks lost with a broker or worker restart)."""
    if simulated.SimulatedGateway.name != settings.CUSTOMS_GATEWAY:
        return 0
    ids = selectors.due_simulated_release_ids(timezone.now())
    for declaration_id in ids:
        simulated.release(declaration_id)
    return len(ids)


@shared_task
def assess_submitted_declarations_task() -> int:
    """Beat: have the simulated authority assess submitted declarations it has not seen yet
    (catches assessment tasks lost before a worker picked them up)."""
    if simulated.SimulatedGateway.name != settings.CUSTOMS_GATEWAY:
        return 0
    ids = selectors.unassessed_submitted_ids(timezone.now())
    for declaration_id in ids:
        simulated.assess(declaration_id)
    return len(ids)
