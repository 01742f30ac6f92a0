"""Celery tasks of the simulated authority: thin, idempotent, take ids; plus its beat sweeps."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.utils import timezone

from declarations.gateway import gateway_named

from . import engine, selectors
from .gateway import SimulatedGateway


def _gateway(name: str) -> SimulatedGateway | None:
    """The configured simulated gateway of that name (None once it is no longer configured)."""
    gateway = gateway_named(name)
    return gateway if isinstance(gateway, SimulatedGateway) else None


@shared_task
def assess_task(declaration_id: int, version: int | None, gateway: str) -> None:
    """Assess a submitted declaration and schedule its release (green, yellow)."""
    simulated = _gateway(gateway)
    if simulated is None:
        return
    declaration, delay = engine.assess(
        declaration_id, version, gateway=gateway, release_seconds=simulated.release_seconds
    )
    if declaration is not None and delay is not None:
        release_task.apply_async(
            (declaration.pk, declaration.version), countdown=delay.total_seconds()
        )


@shared_task
def release_task(declaration_id: int, version: int | None = None) -> None:
    """Release a green or yellow declaration once its time has come."""
    engine.release(declaration_id, version)


@shared_task
def cancellation_task(declaration_id: int) -> None:
    """Decide a cancellation request."""
    engine.decide_cancellation(declaration_id)


@shared_task
def transit_completion_task(declaration_id: int) -> None:
    """Complete a transit whose goods were presented at the office of destination."""
    engine.complete_transit(declaration_id)


@shared_task
def release_due_task() -> int:
    """Beat: release what is due (catches countdown tasks lost with a broker restart)."""
    ids = selectors.due_release_ids(timezone.now())
    for declaration_id in ids:
        engine.release(declaration_id)
    return len(ids)


@shared_task
def assess_submitted_task() -> int:
    """Beat: assess submissions to simulated offices whose assessment task was lost."""
    done = 0
    for name, offices in selectors.simulated_offices().items():
        simulated = _gateway(name)
        if simulated is None:
            continue
        for declaration_id in selectors.unassessed_ids(offices, timezone.now()):
            engine.assess(
                declaration_id, None, gateway=name, release_seconds=simulated.release_seconds
            )
            done += 1
    return done


@shared_task
def complete_arrived_transits_task() -> int:
    """Beat: complete transits arrived at simulated offices whose completion task was lost."""
    offices = [code for codes in selectors.simulated_offices().values() for code in codes]
    ids = selectors.arrived_transit_ids(offices, timezone.now() - dt.timedelta(minutes=1))
    for declaration_id in ids:
        engine.complete_transit(declaration_id)
    return len(ids)
