"""The platform's enqueue policy and the task outbox: committed work is never lost."""

import datetime as dt
import threading
from unittest import mock

import pytest
from celery import shared_task
from django.db import OperationalError, connection, transaction
from django.utils import timezone

from shipments.models import Shipment, TemperatureReading
from shipments.tasks import derive_shipment_status_task, process_readings_task
from tests.shipments.factories import make_shipment
from tradehub.celery import CommitAwareTask, publish_stats
from tradehub.work import services
from tradehub.work.models import PendingTask

BROKER_DOWN = ConnectionRefusedError(111, "Connection refused")
START = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(hours=3)


def readings(shipment: Shipment, count: int = 5) -> dict:
    return {
        "readings": [
            {
                "shipment": shipment.reference,
                "sensor_id": "S1",
                "recorded_at": (START + dt.timedelta(minutes=10 * i)).isoformat(),
                "temperature_c": 1.5,
            }
            for i in range(count)
        ]
    }


@pytest.fixture
def kiwi(partner, products) -> Shipment:
    return make_shipment(partner, lots=[{"product": "kiwifruit", "packed_on": START.date()}])


@pytest.fixture(autouse=True)
def _broker_not_paused():
    publish_stats.paused_until = 0.0
    yield
    publish_stats.paused_until = 0.0


def age_outbox(seconds: int = 3600) -> None:
    past = timezone.now() - dt.timedelta(seconds=seconds)
    PendingTask.objects.update(created_at=past, requested_at=past)


@pytest.mark.django_db
def test_refused_publish_answers_the_client_and_leaves_the_work_to_the_relay(
    api, kiwi, django_capture_on_commit_callbacks, settings
):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    failed = publish_stats.failed
    later = mock.Mock()
    with (
        mock.patch("celery.app.task.Task.apply_async", side_effect=BROKER_DOWN) as publish,
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = api.post("/api/v1/telemetry/", readings(kiwi), format="json")
        transaction.on_commit(later)  # a later callback of the same commit still runs
    assert response.status_code == 202
    assert publish.call_count == 1
    assert publish_stats.failed == failed + 1
    later.assert_called_once()
    row = PendingTask.objects.get()
    assert row.task == process_readings_task.name and row.args == [kiwi.pk]
    kiwi.refresh_from_db()
    assert kiwi.readings_processed_until is None
    publish_stats.paused_until = 0.0  # the broker is back

    # Nothing is relayed before TASK_OUTBOX_RELAY_SECONDS; afterwards exactly once per period.
    with (
        mock.patch("celery.app.task.Task.apply_async") as publish,
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert services.relay_due() == 0
        age_outbox()
        assert services.relay_due() == 1
        assert services.relay_due() == 0
    publish.assert_called_once_with([kiwi.pk], None)

    # The relayed run does the work and clears the row.
    process_readings_task.apply(args=(kiwi.pk,))
    kiwi.refresh_from_db()
    assert kiwi.readings_processed_until == START + dt.timedelta(minutes=40)
    assert not PendingTask.objects.exists()


@pytest.mark.django_db
def test_a_retry_of_an_all_duplicate_batch_still_owes_processing(
    api, kiwi, django_capture_on_commit_callbacks
):
    with (
        mock.patch("celery.app.task.Task.apply_async", side_effect=BROKER_DOWN),
        django_capture_on_commit_callbacks(execute=True),
    ):
        api.post("/api/v1/telemetry/", readings(kiwi), format="json")
    PendingTask.objects.all().delete()  # as if the row had been lost with the first attempt
    publish_stats.paused_until = 0.0
    with (
        mock.patch("celery.app.task.Task.apply_async") as publish,
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = api.post("/api/v1/telemetry/", readings(kiwi), format="json")
    assert response.json()["accepted"] == 0
    publish.assert_called_once()
    assert PendingTask.objects.filter(args=[kiwi.pk]).count() == 1


@pytest.mark.django_db
def test_events_owe_a_status_derivation_even_when_duplicates(
    api, kiwi, django_capture_on_commit_callbacks
):
    body = [
        {
            "event_id": "dep-1",
            "type": "departed",
            "classifier": "actual",
            "occurred_at": (START + dt.timedelta(hours=1)).isoformat(),
        }
    ]
    url = f"/api/v1/shipments/{kiwi.reference}/events/"
    for _ in range(2):
        with (
            mock.patch("celery.app.task.Task.apply_async", side_effect=BROKER_DOWN),
            django_capture_on_commit_callbacks(execute=True),
        ):
            assert api.post(url, body, format="json").status_code == 202
        publish_stats.paused_until = 0.0
    row = PendingTask.objects.get()
    assert row.task == derive_shipment_status_task.name
    derive_shipment_status_task.apply(args=(kiwi.pk,))
    kiwi.refresh_from_db()
    assert kiwi.status == "in_transit"
    assert not PendingTask.objects.exists()


@pytest.mark.django_db
def test_a_request_during_a_run_keeps_the_row_for_one_more_run(kiwi):
    services.enqueue(process_readings_task, kiwi.pk)
    with services.completing(process_readings_task.name, [kiwi.pk]):
        PendingTask.objects.update(requested_at=timezone.now() + dt.timedelta(seconds=1))
    assert PendingTask.objects.count() == 1
    with services.completing(process_readings_task.name, [kiwi.pk]):
        pass
    assert not PendingTask.objects.exists()


@pytest.mark.django_db
def test_a_failed_run_keeps_the_row(kiwi):
    services.enqueue(process_readings_task, kiwi.pk)
    with pytest.raises(RuntimeError), services.completing(process_readings_task.name, [kiwi.pk]):
        raise RuntimeError("worker fell over")
    assert PendingTask.objects.count() == 1


@pytest.mark.django_db
def test_the_stale_readings_sweep_processes_what_no_task_will(api, kiwi):
    with mock.patch("celery.app.task.Task.apply_async", side_effect=BROKER_DOWN):
        api.post("/api/v1/telemetry/", readings(kiwi, 3), format="json")
    PendingTask.objects.all().delete()
    TemperatureReading.objects.update(received_at=timezone.now() - dt.timedelta(minutes=5))
    from shipments.tasks import process_stale_readings_task

    assert process_stale_readings_task.apply().get() == 1
    kiwi.refresh_from_db()
    assert kiwi.readings_processed_until == START + dt.timedelta(minutes=20)
    assert process_stale_readings_task.apply().get() == 0


@pytest.mark.django_db(transaction=True)
def test_two_overlapping_relays_publish_each_row_once(reference_data, partner, products):
    shipments = [make_shipment(partner) for _ in range(30)]
    for shipment in shipments:
        services.enqueue(process_readings_task, shipment.pk)
    age_outbox()
    barrier = threading.Barrier(2)
    sent: list[list[int]] = []
    lock = threading.Lock()

    def record(self, args=None, kwargs=None, **options):
        with lock:
            sent.append(list(args))

    def relay() -> None:
        try:
            barrier.wait()
            services.relay_due()
        finally:
            connection.close()

    with mock.patch("celery.app.task.Task.apply_async", record):
        threads = [threading.Thread(target=relay) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert sorted(args[0] for args in sent) == sorted(s.pk for s in shipments)


calls = {"n": 0}


@shared_task(name="tests.flaky_database_task")
def flaky_database_task() -> str:
    calls["n"] += 1
    if calls["n"] < 3:
        raise OperationalError("server closed the connection unexpectedly")
    return "done"


def test_every_task_retries_on_database_connection_errors():
    assert isinstance(flaky_database_task, CommitAwareTask)
    assert OperationalError in flaky_database_task.autoretry_for
    calls["n"] = 0
    with mock.patch.object(flaky_database_task, "retry_backoff", False):
        result = flaky_database_task.apply()
    assert result.get() == "done"
    assert calls["n"] == 3
