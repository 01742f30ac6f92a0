"""`POST /api/v1/telemetry/` in process: 10,000 new readings, then the same batch again.

Run: DATABASE_URL=postgres://... python bench/telemetry_request.py [--profile] [--rounds N]
(or bin/bench)

The whole request (middleware, authentication, parsing, validation, COPY with rollups, queueing)
through Django's test client, without gunicorn or sockets: the quick loop for profiling what
`bin/bench e2e` measures end to end. Baseline: a raw psycopg COPY of the same rows into a bare
temp table, committed, paired with each request in the same round. Prints time ratios (lower is
faster; 2.50x is the issue's 0.40x end-to-end target). `--profile` prints cProfile's top entries
of the last new and re-sent requests instead.
"""

import cProfile
import datetime as dt
import json
import pstats
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _setup import print_ratios, setup_django, timed

setup_django()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from shipments.models import Product, Shipment  # noqa: E402
from shipments.products import load_products  # noqa: E402
from shipments.services.telemetry import ensure_reading_partitions  # noqa: E402
from tests.shipments.factories import make_shipment  # noqa: E402
from tradehub.partners.models import Partner  # noqa: E402
from tradehub.partners.services import create_partner, issue_api_key  # noqa: E402
from tradehub.reference.models import CustomsOffice  # noqa: E402

N = 10_000
ROUNDS = int(sys.argv[sys.argv.index("--rounds") + 1]) if "--rounds" in sys.argv else 5
RAW = "bench_raw_readings"

if not CustomsOffice.objects.exists():
    call_command("load_reference_data", verbosity=0)
if not Product.objects.exists():
    load_products()
partner = Partner.objects.filter(name="Bench telemetry").first() or create_partner(
    "Bench telemetry"
)
_, KEY = issue_api_key(partner, "bench")
SHIPMENT = Shipment.objects.filter(partner=partner).first() or make_shipment(partner)
START = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(days=7)
# The month of the batches has its partition, as beat (months ahead) makes sure in production.
ensure_reading_partitions(START)
client = Client()
state: dict[str, Any] = {}


def new_batch() -> None:
    sensor = f"bench-{time.time_ns() % 10**12}"
    rows = [
        {
            "shipment": SHIPMENT.reference,
            "sensor_id": sensor,
            "recorded_at": (START + dt.timedelta(seconds=30 * i)).isoformat(),
            "temperature_c": round(2.0 + (i % 50) / 10, 1),
            "humidity_pct": 90.0,
        }
        for i in range(N)
    ]
    state["body"] = json.dumps({"readings": rows}).encode()
    state["copy"] = [
        (SHIPMENT.pk, sensor, START + dt.timedelta(seconds=30 * i), r["temperature_c"], 90.0)
        for i, r in enumerate(rows)
    ]
    state["sent"] = False


def post() -> None:
    response = client.post(
        "/api/v1/telemetry/",
        state["body"],
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Api-Key {KEY}",
    )
    assert response.status_code == 202, response.content[:500]
    expected = "duplicates" if state["sent"] else "accepted"
    assert response.json()[expected] == N, response.content
    state["sent"] = True


def raw_copy() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {RAW}")
        with cursor.cursor.copy(f"COPY {RAW} FROM STDIN") as copy:
            for row in state["copy"]:
                copy.write_row(row)


with connection.cursor() as cursor:
    cursor.execute(
        f"CREATE TABLE IF NOT EXISTS {RAW} (shipment_id bigint, sensor_id text, "
        "recorded_at timestamptz, temperature_c double precision, humidity_pct double precision)"
    )

if "--profile" in sys.argv:
    for label in ("new", "re-sent"):
        if label == "new":
            new_batch()
            post()  # warm up
            new_batch()
        profiler = cProfile.Profile()
        profiler.enable()
        post()
        profiler.disable()
        print(f"== {label} batch")
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
    sys.exit()

ratios: dict[str, list[float]] = {"new readings": [], "the same batch re-sent": []}
new_batch()
post()  # warm up
for _round in range(ROUNDS):
    new_batch()
    base = timed(raw_copy)
    ratios["new readings"].append(timed(post) / base)
    base = timed(raw_copy)
    ratios["the same batch re-sent"].append(timed(post) / base)
print_ratios(
    f"POST /telemetry/, {N:,} readings in process (time vs raw COPY of the same rows)",
    {label: statistics.median(values) for label, values in ratios.items()},
)
