"""With a real Celery worker: events and telemetry posted through the API are processed after
commit (status derived from out-of-order events, shelf life and excursions from readings)."""

import contextlib
import datetime as dt
import os
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from django.conf import settings

from shipments.models import Excursion, Lot, Shipment
from shipments.products import load_products
from tests.processes import LONE_WORKER, start_celery, wait_for


@pytest.fixture
def celery_worker_process(tmp_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A real worker on this test run's database and broker (the broker DB is purged)."""
    broker = settings.CELERY_BROKER_URL
    redis.Redis.from_url(broker).flushdb()
    log = (tmp_path / "worker.log").open("ab")
    worker = start_celery(
        "worker",
        "--pool=solo",
        *LONE_WORKER,
        "--loglevel=WARNING",
        env={"CELERY_BROKER_URL": broker},
        log=log,
    )
    try:
        yield worker
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=30)
        redis.Redis.from_url(broker).flushdb()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_worker_derives_status_and_shelf_life_after_commit(
    reference_data, partner, client_for, celery_worker_process
):
    load_products()
    api = client_for(partner)
    now = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
    start = now - dt.timedelta(hours=30)
    created = api.post(
        "/api/v1/shipments/",
        {
            "kind": "inbound",
            "origin": "CNURM",
            "destination": "KZALA",
            "planned_departure": start.isoformat(),
            "planned_arrival": (now + dt.timedelta(days=1)).isoformat(),
            "legs": [
                {"sequence": 1, "mode": "rail", "from": "CNURM", "to": "KZHOR"},
                {"sequence": 2, "mode": "rail", "from": "KZHOR", "to": "KZALA"},
            ],
            "lots": [
                {"product": "kiwifruit", "net_kg": "1000", "packed_on": start.date().isoformat()}
            ],
        },
        format="json",
    )
    assert created.status_code == 201
    reference = created.json()["reference"]

    def event(eid: str, type_: str, hours: float, loc: str, classifier: str = "actual") -> dict:
        return {
            "event_id": eid,
            "type": type_,
            "classifier": classifier,
            "location": loc,
            "occurred_at": (start + dt.timedelta(hours=hours)).isoformat(),
        }

    events = [
        event("3", "departed", 12, "KZHOR"),
        event("1", "departed", 0, "CNURM"),
        event("eta", "arrived", 40, "KZALA", "estimated"),
        event("2", "arrived", 10, "KZHOR"),
    ]
    url = f"/api/v1/shipments/{reference}/events/"
    assert api.post(url, events, format="json").json() == {
        "accepted": 4,
        "duplicates": 0,
        "conflicts": 0,
    }
    assert api.post(url, events, format="json").json() == {
        "accepted": 0,
        "duplicates": 4,
        "conflicts": 0,
    }
    shipment = Shipment.objects.get(reference=reference)
    wait_for(lambda: Shipment.objects.get(pk=shipment.pk).status == "in_transit", "status")
    shipment.refresh_from_db()
    assert shipment.estimated_arrival == start + dt.timedelta(hours=40)
    assert [leg.actual_departure is not None for leg in shipment.legs.order_by("sequence")] == [
        True,
        True,
    ]

    temps = [0.0] * 8 + [10.0] * 40 + [0.0] * 20
    readings = [
        {
            "shipment": reference,
            "sensor_id": "S1",
            "temperature_c": t,
            "recorded_at": (start + dt.timedelta(minutes=15 * i)).isoformat(),
        }
        for i, t in enumerate(temps)
    ]
    response = api.post("/api/v1/telemetry/", {"readings": readings}, format="json")
    assert response.json() == {"accepted": len(temps), "duplicates": 0, "conflicts": 0}
    wait_for(lambda: Excursion.objects.filter(shipment=shipment, kind="high").exists(), "excursion")
    wait_for(lambda: Lot.objects.get(shipment=shipment).consumed_fraction > 0, "shelf life")
    excursions = api.get(f"/api/v1/shipments/{reference}/excursions/").json()["results"]
    assert [(e["kind"], e["peak_c"]) for e in excursions] == [("high", 10.0)]
