"""Enqueue Celery work after commit without letting a broker hiccup fail the committed request."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction

logger = logging.getLogger(__name__)


def enqueue_after_commit(task: Any, *args: Any, **options: Any) -> None:
    """Send `task` once the current transaction commits (at once outside one).

    The write it follows is already committed when the broker is called, so a broker error must
    not turn the answer into a 500: it is logged, and the beat safety nets (assessment, release,
    pending customs messages) pick the work up within a minute.
    """

    def send() -> None:
        try:
            task.apply_async(args, **options)
        except Exception:
            logger.exception(
                "Could not enqueue %s%r; the beat safety net will retry", task.name, args
            )

    transaction.on_commit(send)
