"""Celery tasks of the outbox: deliver one message, re-dispatch due ones, send digests."""

import logging

from celery import shared_task

from . import services

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def deliver_message_task(message_id: int) -> str:
    """Deliver one outbox message (idempotent: skips delivered, claimed or not-yet-due ones)."""
    outcome = services.deliver_message(message_id)
    logger.info("outbox message %s: %s", message_id, outcome)
    return outcome


@shared_task
def dispatch_due_messages_task() -> int:
    """Re-enqueue due retries and messages held by dead workers, in one bounded batch."""
    return services.dispatch_due_messages()


@shared_task
def send_alert_digests_task() -> int:
    """Queue one digest email per recipient with waiting alerts."""
    return services.send_digests()
