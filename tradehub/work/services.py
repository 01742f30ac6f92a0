"""The task outbox: enqueue durably, mark done, relay what is overdue.

Guarantee: work enqueued with `enqueue` inside a transaction that commits runs at least once,
after the commit, even if the publish fails, the broker loses its queue or the run fails on a
database error: the row stays until a run that started after the latest request completes, and
`relay_due` (beat, every RELAY_BEAT_SECONDS) re-publishes rows older than
TASK_OUTBOX_RELAY_SECONDS. Worst case from commit to a run: relay seconds + beat period (+ queue).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from .models import PendingTask

logger = logging.getLogger(__name__)

RELAY_BEAT_SECONDS = 30.0


def key_for(task_name: str, args: Sequence[Any]) -> str:
    """The outbox key of a task call: task name and JSON arguments."""
    return f"{task_name}:{json.dumps(list(args), separators=(',', ':'), default=str)}"[:255]


def enqueue(task: Any, *args: Any) -> None:
    """Record that `task(*args)` must run and publish it once the transaction commits.

    Call inside the transaction of the work that needs it. A second request for the same call
    before the first ran only moves `requested_at` (the row is shared)."""
    now = timezone.now()
    PendingTask.objects.bulk_create(
        [
            PendingTask(
                key=key_for(task.name, args),
                task=task.name,
                args=list(args),
                created_at=now,
                requested_at=now,
            )
        ],
        update_conflicts=True,
        unique_fields=["key"],
        update_fields=["requested_at"],
    )
    task.apply_async(args)


@contextmanager
def completing(task_name: str, args: Sequence[Any]) -> Iterator[None]:
    """Run a task body; on success forget the outbox row unless it was requested again meanwhile
    (then it stays and runs once more: a request that came after our reads is never lost)."""
    key = key_for(task_name, args)
    token = PendingTask.objects.filter(key=key).values_list("requested_at", flat=True).first()
    yield
    if token is not None:
        PendingTask.objects.filter(key=key, requested_at=token).delete()


def relay_due(now: Any = None, batch: int | None = None) -> int:
    """Re-publish outbox rows waiting longer than TASK_OUTBOX_RELAY_SECONDS since their first
    request or last relay. Rows are claimed with SKIP LOCKED and stamped `relayed_at` in one
    transaction, so overlapping relays (two beats) never publish the same row twice per period."""
    from tradehub.celery import app

    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.TASK_OUTBOX_RELAY_SECONDS)
    batch = batch or settings.TASK_OUTBOX_RELAY_BATCH
    with transaction.atomic():
        rows = list(
            PendingTask.objects.select_for_update(skip_locked=True)
            .filter(Q(relayed_at__isnull=True, created_at__lte=cutoff) | Q(relayed_at__lte=cutoff))
            .order_by("created_at")[:batch]
        )
        PendingTask.objects.filter(pk__in=[row.pk for row in rows]).update(
            relayed_at=now, relays=F("relays") + 1
        )
        for row in rows:
            task = app.tasks.get(row.task)
            if task is None:
                logger.error("Outbox row %s names no registered task; dropped", row.key)
                PendingTask.objects.filter(pk=row.pk).delete()
                continue
            logger.warning("Relaying %s (requested %s)", row.key, row.requested_at.isoformat())
            task.apply_async(row.args)  # published after this transaction commits
    return len(rows)


def backlog(older_than_seconds: int) -> int:
    """How many outbox rows wait longer than that (for health and operators)."""
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    return PendingTask.objects.filter(created_at__lte=cutoff).count()
