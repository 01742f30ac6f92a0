"""Celery tasks of the API app (thin: they call services)."""

from celery import shared_task

from . import services


@shared_task
def purge_idempotency_keys_task(batch_size: int = 1000) -> int:
    """Beat: delete idempotency records older than IDEMPOTENCY_KEY_TTL_HOURS."""
    return services.purge_expired_idempotency_records(batch_size=batch_size)
