"""DRILL: two beats by mistake. Every beat job that sends something runs twice at the same instant
(two threads, each with its own database connection, released together by a barrier): alert
scans, digests, the task-outbox relay and the notification dispatcher; then two workers deliver
every message at once. Nothing is sent twice: alerts, emails and relayed tasks are keyed
uniquely and claimed with row locks."""

import datetime as dt
import threading
from collections import Counter
from collections.abc import Callable
from unittest import mock

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from shipments.alerts.services import scan_alerts
from shipments.models import Alert, Lot, Shipment
from shipments.products import load_products
from shipments.tasks import process_readings_task
from tests.shipments.factories import make_shipment
from tradehub.notifications import services as notifications
from tradehub.notifications.choices import EmailKind
from tradehub.notifications.models import OutboundMessage
from tradehub.notifications.services import subscribe_alert_email
from tradehub.work import services as work
from tradehub.work.models import PendingTask

SHIPMENTS = 8


def twice(job: Callable[[], object]) -> list[object]:
    """Run `job` in two threads released at the same instant; their results."""
    barrier = threading.Barrier(2)
    results: list[object] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait()
            results.append(job())
        except BaseException as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    return results


@pytest.mark.django_db(transaction=True)
def test_two_beats_at_once_send_nothing_twice(reference_data, partner, settings):
    load_products()
    settings.ALERT_DIGEST_MINUTES = 0
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    subscribe_alert_email("ops@example.com", partner=partner)
    now = timezone.now()
    shipments = [
        make_shipment(
            partner,
            lots=[{"product": "cherry-tomato", "lot_code": f"CT-{i}"}],
            planned_departure=now - dt.timedelta(days=1),
            planned_arrival=now + dt.timedelta(days=1),
        )
        for i in range(SHIPMENTS)
    ]
    for index, shipment in enumerate(shipments):
        # Half expire soon (mailed at once), half arrive late (into the digest).
        if index % 2 == 0:
            Lot.objects.filter(shipment=shipment).update(
                shelf_life_ends_at=now + dt.timedelta(hours=20)
            )
        else:
            Shipment.objects.filter(pk=shipment.pk).update(
                estimated_arrival=now + dt.timedelta(days=3)
            )
        work.enqueue(process_readings_task, shipment.pk)
    PendingTask.objects.update(created_at=now - dt.timedelta(hours=1))

    published: Counter[tuple[str, str]] = Counter()
    lock = threading.Lock()

    def record(self, args=None, kwargs=None, **options):
        with lock:
            published[(self.name, repr(args))] += 1

    with mock.patch("celery.app.task.Task.apply_async", record):
        twice(lambda: scan_alerts(timezone.now()))
        twice(lambda: notifications.send_digests(timezone.now() + dt.timedelta(minutes=1)))
        twice(work.relay_due)
        twice(notifications.dispatch_due_messages)

    alerts = Alert.objects.count()
    messages = list(OutboundMessage.objects.values_list("pk", flat=True))
    relayed = {key: n for key, n in published.items() if key[0] == process_readings_task.name}
    with mock.patch("celery.app.task.Task.apply_async"):
        twice(lambda: [notifications.deliver_message(pk) for pk in messages])

    statuses = Counter(OutboundMessage.objects.values_list("status", flat=True))
    print(
        f"\nDRILL two beats: {alerts} alerts, {len(messages)} outbox messages, "
        f"{len(mail.outbox)} emails sent, {len(relayed)} tasks relayed once each"
    )
    assert alerts >= SHIPMENTS  # every condition raised its alert ...
    assert Alert.objects.values("dedup_key").distinct().count() == alerts  # ... once
    assert len(relayed) == SHIPMENTS and set(relayed.values()) == {1}
    # Every message delivered, and as many emails as messages: none went out twice.
    assert statuses == Counter({"delivered": len(messages)}), statuses
    assert len(mail.outbox) == len(messages)
    assert OutboundMessage.objects.filter(event_type=EmailKind.DIGEST).count() == 1
