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
