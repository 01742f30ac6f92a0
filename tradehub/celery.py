"""The Celery app: JSON only, late acks, time limits, commit-aware enqueueing and the beat schedule."""

import os
from functools import partial
from typing import Any

from celery import Celery
from celery.contrib.django.task import DjangoTask

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tradehub.settings.dev")


class CommitAwareTask(DjangoTask):
    """Enqueue only after the surrounding transaction commits, so a worker never reads rows that
    a rollback will erase nor misses rows that are not yet visible to it."""

    def apply_async(self, args: Any = None, kwargs: Any = None, **options: Any) -> Any:  # type: ignore[override]
        from django.db import transaction

        if transaction.get_connection().in_atomic_block and not self.app.conf.task_always_eager:
            transaction.on_commit(partial(super().apply_async, args, kwargs, **options))
            return None
        return super().apply_async(args, kwargs, **options)


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
    "shipments-mark-overdue-shipments": {
        "task": "shipments.tasks.mark_overdue_shipments_task",
        "schedule": 300.0,
    },
}
app.autodiscover_tasks()
