"""DRILL: Redis (broker and cache) is stopped hard during mixed writes, then started empty; a real
worker is SIGKILLed while it catches up. Counted: rows in, work done, answers by status."""

import datetime as dt
import signal
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.utils import timezone

from shipments.models import Shipment
from shipments.products import load_products
from tests.drills.conftest import PrivateRedis, Processes
from tests.processes import wait_for
from tests.shipments.factories import make_shipment
from tradehub.celery import app as celery_app
from tradehub.celery import publish_stats
from tradehub.settings.base import redis_cache
from tradehub.work.models import PendingTask

SHIPMENTS = 12
PER_BATCH = 24
STEP = dt.timedelta(minutes=15)


@contextmanager
def broker(url: str) -> Iterator[None]:
    """Publish from this process to `url` (the producer pools are rebuilt for it)."""
    old = celery_app.conf.broker_url

    def reset() -> None:
        celery_app._pool = None  # type: ignore[attr-defined]
        celery_app.amqp._producer_pool = None  # type: ignore[attr-defined]
        publish_stats.paused_until = 0.0

    celery_app.conf.update(broker_url=url)
    reset()
    try:
        yield
    finally:
        celery_app.conf.update(broker_url=old)
        reset()


def readings(reference: str, start: dt.datetime, first: int) -> dict:
    return {
        "readings": [
            {
                "shipment": reference,
                "sensor_id": "probe-1",
                "recorded_at": (start + STEP * (first + i)).isoformat(),
                "temperature_c": 1.0 + (i % 3) * 0.5,
            }
            for i in range(PER_BATCH)
        ]
    }


def event(event_id: str, type_: str, at: dt.datetime, location: str) -> list[dict]:
    return [
        {
            "event_id": event_id,
            "type": type_,
            "classifier": "actual",
            "occurred_at": at.isoformat(),
            "location": location,
        }
    ]


@pytest.mark.django_db(transaction=True)
def test_redis_stopped_during_mixed_writes_loses_nothing(
    reference_data, partner, client_for, settings, private_redis: PrivateRedis, processes: Processes
):
    load_products()
    settings.CACHES = redis_cache(private_redis.url)
    env = {
        "REDIS_URL": private_redis.url,
        "CELERY_BROKER_URL": private_redis.url,
        "TASK_OUTBOX_RELAY_SECONDS": "5",
    }
    start = timezone.now().replace(microsecond=0) - dt.timedelta(hours=20)
    shipments = [
        make_shipment(
            partner,
            lots=[{"product": "kiwifruit", "packed_on": start.date()}],
            planned_departure=start,
            planned_arrival=start + dt.timedelta(days=2),
        )
        for _ in range(SHIPMENTS)
    ]
    api = client_for(partner)
    answers: Counter[int] = Counter()

    def post(url: str, body: object, key: str | None = None) -> None:
        headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
        answers[api.post(url, body, format="json", **headers).status_code] += 1

    with broker(private_redis.url):
        worker = processes.celery("worker", env, name="worker-1")
        processes.celery("beat", env)

        # Phase 1, everything up: the first readings and the departures.
        for index, shipment in enumerate(shipments):
            post("/api/v1/telemetry/", readings(shipment.reference, start, 0), key=f"a-{index}")
            post(
                f"/api/v1/shipments/{shipment.reference}/events/",
                event("dep", "departed", start + dt.timedelta(hours=1), "CNURM"),
            )

        # Phase 2, Redis stopped hard (its queue is lost): more readings, arrivals, retries.
        private_redis.stop()
        for index, shipment in enumerate(shipments):
            post("/api/v1/telemetry/", readings(shipment.reference, start, PER_BATCH))
            if index % 2 == 0:
                post(
                    f"/api/v1/shipments/{shipment.reference}/events/",
                    event("arr", "arrived", start + dt.timedelta(hours=15), "KZALA"),
                )
            # A client retry of phase 1 with its key replays the stored answer.
            post("/api/v1/telemetry/", readings(shipment.reference, start, 0), key=f"a-{index}")
        health = api.get("/api/v1/health/")
        down_health = (health.status_code, health.json()["broker"], health.json()["cache"])
        read = api.get("/api/v1/shipments/")
        answers[read.status_code] += 1

        # Phase 3, Redis back (empty). The worker is SIGKILLed once it is catching up.
        private_redis.start()
        back = time.monotonic()
        wait_for(lambda: PendingTask.objects.count() < SHIPMENTS * 2, "the worker catching up")
        processes.kill(worker, signal.SIGKILL)
        processes.celery("worker", env, name="worker-2")

        last = start + STEP * (2 * PER_BATCH - 1)

        def converged() -> bool:
            rows = list(
                Shipment.objects.order_by("pk").values_list("readings_processed_until", "status")
            )
            expected = [
                (last, "arrived" if index % 2 == 0 else "in_transit") for index in range(SHIPMENTS)
            ]
            return rows == expected and not PendingTask.objects.exists()

        wait_for(converged, "every reading processed and every event reflected", timeout=240)
        recovery = time.monotonic() - back

    print(
        f"\nDRILL broker outage: {SHIPMENTS * 2 * PER_BATCH} readings in, answers {dict(answers)}, "
        f"health while down {down_health}, converged {recovery:.1f} s after Redis returned "
        f"(worker SIGKILLed meanwhile)"
    )
    assert set(answers) <= {200, 202}, answers
    assert answers[202] >= SHIPMENTS * 3
    assert down_health[0] == 503 and down_health[1].startswith("down")
    assert down_health[2].startswith("down")
