"""Celery policy: JSON only, late acks, time limits, beat entries that exist, commit-aware enqueue."""

from unittest import mock

import pytest
from celery import shared_task
from django.db import transaction

from tradehub.celery import CommitAwareTask
from tradehub.celery import app as celery_app


@shared_task(name="tests.noop_task")
def noop_task() -> None:
    """A task that does nothing (enqueue behaviour is what is tested)."""


def test_every_beat_entry_names_a_registered_task():
    celery_app.loader.import_default_modules()
    missing = {
        name: entry["task"]
        for name, entry in celery_app.conf.beat_schedule.items()
        if entry["task"] not in celery_app.tasks
    }
    assert missing == {}


def test_policy_is_json_only_with_late_acks_and_time_limits():
    conf = celery_app.conf
    assert conf.accept_content == ["json"]
    assert conf.task_serializer == "json"
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.task_time_limit and conf.task_soft_time_limit
    assert conf.task_soft_time_limit < conf.task_time_limit


def test_tasks_use_the_commit_aware_base():
    assert isinstance(noop_task, CommitAwareTask)


@pytest.mark.django_db(transaction=True)
def test_enqueue_waits_for_commit_and_is_dropped_on_rollback():
    with mock.patch("celery.app.task.Task.apply_async") as sent:
        with transaction.atomic():
            noop_task.delay()
            assert not sent.called
        assert sent.call_count == 1

        with pytest.raises(RuntimeError), transaction.atomic():
            noop_task.delay()
            raise RuntimeError("rollback")
        assert sent.call_count == 1

        noop_task.delay()
        assert sent.call_count == 2


@pytest.mark.parametrize(
    ("task", "queue"),
    [
        ("shipments.tasks.process_readings_task", "ingest"),
        ("shipments.tasks.process_stale_readings_task", "ingest"),
        ("shipments.alerts.tasks.scan_alerts_task", "alerts"),
        ("shipments.alerts.tasks.scan_shipment_alerts_task", "alerts"),
        ("shipments.tasks.mark_expired_lots_task", "alerts"),
        ("tradehub.notifications.tasks.deliver_message_task", "delivery"),
        ("tradehub.notifications.tasks.send_alert_digests_task", "delivery"),
        ("declarations.tasks.apply_customs_messages_task", "customs"),
        ("gateways.simulated.tasks.assess_task", "customs"),
        ("tradehub.work.tasks.relay_pending_tasks_task", "celery"),
    ],
)
def test_tasks_are_routed_to_the_queue_of_their_workload(task, queue):
    celery_app.loader.import_default_modules()
    assert task in celery_app.tasks
    assert celery_app.amqp.router.route({}, task)["queue"].name == queue


def test_a_worker_without_q_consumes_every_queue():
    # One machine: `celery -A tradehub worker` (Procfile) serves all workloads.
    declared = {queue.name for queue in celery_app.conf.task_queues}
    routed = {route["queue"] for route in celery_app.conf.task_routes.values()}
    assert routed <= declared
    assert {"celery", "ingest", "alerts", "delivery", "customs"} == declared
