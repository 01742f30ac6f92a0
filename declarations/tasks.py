"""Celery tasks of the declarations app: thin, idempotent, take ids and call services."""

from __future__ import annotations

from celery import shared_task

from . import selectors, services
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
