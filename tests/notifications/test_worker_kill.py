"""THE KILL TEST: a real Celery worker is SIGKILLed in the middle of 500 webhook deliveries.

Exactly once, for the outbox, means: every message ends `delivered`, each with exactly one
successful attempt, and the receiver saw all 500 distinct webhook-ids. A copy at the receiver
is only possible for a message whose HTTP call had been answered when the worker died but
whose "delivered" commit had not happened yet; those messages are exactly the ones left in
`sending` by the kill, so duplicates are bounded by that count (see docs/notifications.md).
"""

import contextlib
import os
import signal
import subprocess
import time
from pathlib import Path
from unittest import mock
from urllib.parse import urlsplit, urlunsplit

import pytest
import redis
from celery import Celery
from django.conf import settings
from django.db import transaction

from tests.notifications.factories import WebhookSubscriptionFactory
from tests.processes import LONE_WORKER, start_celery, wait_for
from tradehub.notifications import services
from tradehub.notifications.choices import DeliveryMessageStatus
from tradehub.notifications.models import DeliveryAttempt, OutboundMessage

TOTAL = 500
LEASE_SECONDS = 3


def kill_test_broker_url() -> str:
    """A Redis DB of its own for this test's broker (purged before and after)."""
    explicit = os.environ.get("KILL_TEST_BROKER_URL")
    if explicit:
        return explicit
    parts = urlsplit(settings.REDIS_URL)
    current = int((parts.path or "/0").strip("/") or 0)
    return urlunsplit(parts._replace(path=f"/{15 - current if current != 15 else 14}"))


def start_worker(broker: str, log: Path) -> subprocess.Popen[bytes]:
    env = {
        "REDIS_URL": broker,
        "CELERY_BROKER_URL": broker,
        "WEBHOOKS_ALLOW_PRIVATE_URLS": "true",
        "OUTBOX_LEASE_SECONDS": str(LEASE_SECONDS),
        "OUTBOX_RETRY_BASE_SECONDS": "1",
        "OUTBOX_MAX_ATTEMPTS": "20",
    }
    return start_celery(
        "worker",
        "--pool=prefork",
        "--concurrency=4",
        *LONE_WORKER,
        "--loglevel=WARNING",
        env=env,
        log=log.open("ab"),
    )


def kill(worker: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(worker.pid, signal.SIGKILL)
    worker.wait(timeout=30)


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_sigkilled_worker_loses_nothing_and_delivers_each_message_once(
    partner, webhook_receiver, tmp_path
):
    broker = kill_test_broker_url()
    redis.Redis.from_url(broker).flushdb()
    # Not the current app: tasks created later in this process must keep using tradehub's app.
    producer = Celery("kill-test-producer", broker=broker, set_as_current=False)
    producer.conf.update(task_serializer="json", accept_content=["json"])

    subscription = WebhookSubscriptionFactory(
        partner=partner, url=webhook_receiver.url, events=["shipment.status_changed"]
    )
    webhook_receiver.secrets.append(subscription.secret)
    webhook_receiver.delay = 0.02  # keep the batch in flight long enough to kill it midway

    # Enqueue 500 deliveries (the tasks go to this test's own broker below).
    with (
        mock.patch("tradehub.notifications.services.outbox.schedule_delivery"),
        transaction.atomic(),
    ):
        for n in range(TOTAL):
            services.publish_event(
                "shipment.status_changed",
                partner,
                {"reference": f"SHP-{n:04d}", "status": "in_transit"},
                source_key=f"kill-test:{n}",
            )
    ids = list(OutboundMessage.objects.order_by("id").values_list("id", flat=True))
    assert len(ids) == TOTAL

    log = tmp_path / "worker.log"
    worker = start_worker(broker, log)
    try:
        for message_id in ids:
            producer.send_task(
                "tradehub.notifications.tasks.deliver_message_task", args=[message_id]
            )
        wait_for(lambda: sum(webhook_receiver.ids.values()) >= 150, "the batch to start", 120)
        kill(worker)
        in_flight = OutboundMessage.objects.filter(status=DeliveryMessageStatus.SENDING).count()
        delivered_at_kill = OutboundMessage.objects.filter(
            status=DeliveryMessageStatus.DELIVERED
        ).count()
        assert delivered_at_kill < TOTAL, "the kill came after the batch had finished"

        worker = start_worker(broker, log)
        time.sleep(LEASE_SECONDS + 1)

        def all_delivered() -> bool:
            if OutboundMessage.objects.exclude(status=DeliveryMessageStatus.DELIVERED).exists():
                # What beat does every 30 s: re-enqueue due and lease-expired messages.
                producer.send_task("tradehub.notifications.tasks.dispatch_due_messages_task")
                time.sleep(1)
                return False
            return True

        wait_for(all_delivered, "every message to be delivered", 180)
    finally:
        kill(worker)
        redis.Redis.from_url(broker).flushdb()

    assert OutboundMessage.objects.filter(status=DeliveryMessageStatus.DELIVERED).count() == TOTAL
    successes = DeliveryAttempt.objects.filter(succeeded=True)
    assert successes.count() == TOTAL
    assert successes.values("message").distinct().count() == TOTAL
    references = set(OutboundMessage.objects.values_list("reference", flat=True))
    assert set(webhook_receiver.ids) == references
    duplicates = sum(count - 1 for count in webhook_receiver.ids.values())
    assert webhook_receiver.bad_signatures == 0
    assert duplicates <= in_flight, (duplicates, in_flight)
    print(
        f"\nkill test: {delivered_at_kill} delivered at kill, {in_flight} in flight, "
        f"{duplicates} duplicate(s) at the receiver"
    )
