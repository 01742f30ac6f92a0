"""The Celery app: JSON only, late acks, time limits, commit-aware enqueueing and the beat schedule."""

import logging
import os
import threading
import time
from functools import partial
from typing import Any

from celery import Celery
from celery.contrib.django.task import DjangoTask
from django.db import InterfaceError, OperationalError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tradehub.settings.dev")

logger = logging.getLogger(__name__)

# After a failed publish this process does not try the broker again for this long: requests stay
# fast while the broker is down or frozen; the outbox relay and the beat sweeps own the work.
PUBLISH_PAUSE_SECONDS = 5.0


class PublishStats:
    """Per-process count of publishes that failed (or were skipped while the broker was down)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.failed = 0
        self.skipped = 0
        self.paused_until = 0.0

    def failure(self) -> None:
        with self.lock:
            self.failed += 1
            self.paused_until = time.monotonic() + PUBLISH_PAUSE_SECONDS

    def paused(self) -> bool:
        if time.monotonic() < self.paused_until:
            with self.lock:
                self.skipped += 1
            return True
        return False


publish_stats = PublishStats()


class CommitAwareTask(DjangoTask):
    """The platform's one enqueue policy.

    - Inside a transaction, publishing waits for the commit (`on_commit(robust=True)`), so a
      worker never reads rows a rollback will erase; a rolled-back request enqueues nothing.
    - A publish that fails (broker down, frozen, refusing) is logged and counted and never raises:
      the write it follows is committed, so the client gets its answer, later on-commit callbacks
      still run, and the work is redone by the task outbox relay (`tradehub.work`) or a beat
      sweep (docs/operations.md names the owner of each kind of work).
    - Every task retries with exponential backoff on database connection errors.
    - `DurableTask` tasks are enqueued with `enqueue_durably` (a `tradehub.work` outbox row in
      the same transaction) and delete that row when a run completes.
    """

    autoretry_for: tuple[type[Exception], ...] = (OperationalError, InterfaceError)
    retry_backoff = 2
    retry_backoff_max = 60
    retry_jitter = True
    max_retries = 12
    durable = False

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if not self.durable:
            return super().__call__(*args, **kwargs)
        from tradehub.work.services import completing

        with completing(self.name, args):
            return super().__call__(*args, **kwargs)

    def apply_async(self, args: Any = None, kwargs: Any = None, **options: Any) -> Any:  # type: ignore[override]
        from django.db import transaction

        if self.app.conf.task_always_eager:
            return super().apply_async(args, kwargs, **options)
        if transaction.get_connection().in_atomic_block:
            transaction.on_commit(partial(self._publish, args, kwargs, options), robust=True)
            return None
        return self._publish(args, kwargs, options)

    def _publish(self, args: Any, kwargs: Any, options: dict[str, Any]) -> Any:
        if publish_stats.paused():
            logger.warning(
                "Broker paused after a failure; %s%r left to relay/sweep", self.name, args
            )
            return None
        try:
            return super().apply_async(args, kwargs, **options)
        except Exception:
            publish_stats.failure()
            logger.exception("Could not publish %s%r; left to relay/sweep", self.name, args)
            return None


class DurableTask(CommitAwareTask):
    """A task whose every request is owed until done (`@shared_task(base=DurableTask)`)."""

    durable = True

    def enqueue_durably(self, *args: Any) -> None:
        """Outbox row in this transaction + publish after commit (see tradehub.work)."""
        from tradehub.work.services import enqueue

        enqueue(self, *args)


app = Celery("tradehub", task_cls=CommitAwareTask)
# Broker URL, transport options, time limits and the beat file come from Django settings
# (CELERY_* names); the rest is policy that no environment should change.
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.update(
    task_serializer="json",
    result_serializer="json",
    accept_content=["json"],
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=1,
    task_ignore_result=True,
    broker_connection_retry_on_startup=True,
    timezone="UTC",
    enable_utc=True,
)

# The whole beat schedule lives here, in code: one place to read what runs when.
# Every entry names a registered task (tests/test_celery.py checks it).
app.conf.beat_schedule = {
    # Task outbox: follow-up work whose publish or run got lost is re-published (tradehub.work).
    "work-relay-pending-tasks": {
        "task": "tradehub.work.tasks.relay_pending_tasks_task",
        "schedule": 30.0,
    },
    # Readings stored but not integrated (e.g. rows from before the outbox) are processed.
    "shipments-process-stale-readings": {
        "task": "shipments.tasks.process_stale_readings_task",
        "schedule": 60.0,
    },
    # Outbox safety net: due retries and messages held by dead workers are re-enqueued in batches.
    "notifications-dispatch-due-messages": {
        "task": "tradehub.notifications.tasks.dispatch_due_messages_task",
        "schedule": 30.0,
    },
    # Alert digests: checked every minute; a recipient's digest goes out once its oldest waiting
    # alert has waited ALERT_DIGEST_MINUTES, grouping everything of that window.
    "notifications-send-alert-digests": {
        "task": "tradehub.notifications.tasks.send_alert_digests_task",
        "schedule": 60.0,
    },
    # Alerts: every rule once a minute over indexed candidates (raise, reopen, resolve).
    "shipments-scan-alerts": {
        "task": "shipments.alerts.tasks.scan_alerts_task",
        "schedule": 60.0,
    },
    # Partner API: forget Idempotency-Keys older than IDEMPOTENCY_KEY_TTL_HOURS (bounded batches).
    "api-purge-idempotency-keys": {
        "task": "tradehub.api.tasks.purge_idempotency_keys_task",
        "schedule": 3600.0,
    },
    # Declarations: pending customs messages get applied (bounded batches). Customs gateways add
    # their own entries (e.g. gateways/simulated/apps.py).
    "declarations-apply-pending-customs-messages": {
        "task": "declarations.tasks.apply_pending_customs_messages_task",
        "schedule": 60.0,
    },
    # Shipments: lots whose shelf life ran out become expired, lots running short become at risk,
    # shipments past their ETA are flagged overdue (bounded batches over partial indexes).
    "shipments-mark-expired-lots": {
        "task": "shipments.tasks.mark_expired_lots_task",
        "schedule": 300.0,
    },
    "shipments-mark-lots-at-risk": {
        "task": "shipments.tasks.mark_lots_at_risk_task",
        "schedule": 900.0,
    },
    # Telemetry: monthly readings partitions created ahead (TELEMETRY_PARTITIONS_AHEAD), and raw
    # readings past TELEMETRY_RAW_RETENTION_MONTHS dropped a whole month at a time (rollups stay).
    "shipments-ensure-reading-partitions": {
        "task": "shipments.tasks.ensure_reading_partitions_task",
        "schedule": 6 * 3600.0,
    },
    "shipments-prune-readings": {
        "task": "shipments.tasks.prune_readings_task",
        "schedule": 24 * 3600.0,
    },
    "shipments-mark-overdue-shipments": {
        "task": "shipments.tasks.mark_overdue_shipments_task",
        "schedule": 300.0,
    },
}
app.autodiscover_tasks()
