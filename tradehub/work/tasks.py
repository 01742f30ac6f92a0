"""Beat entry of the task outbox."""

from celery import shared_task

from . import services


@shared_task
def relay_pending_tasks_task() -> int:
    """Re-publish follow-up work whose publish or run got lost (bounded batches)."""
    return services.relay_due()
