"""DRILL: a private PostgreSQL cluster (initdb + pg_ctl in a temporary directory) is restarted
under load, behind a real gunicorn with production settings and a real worker whose tasks hit the
restart. Counted: answers by status (never a 500), the recovery time without restarting anything,
tasks that failed on the restart and were retried, and that an Idempotency-Key is never blocked."""

import json
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

import pytest
from celery import Celery
from django.db import connection

from tests.drills.conftest import (
    REPO,
    PrivatePostgres,
    PrivateRedis,
    Processes,
    free_port,
    pg_bin,
)
from tests.processes import database_url, wait_for

TASKS = 30


def request(url: str, key: str, method: str = "GET", body: bytes | None = None, idem: str = ""):
    headers = {"Authorization": f"Api-Key {key}", "Content-Type": "application/json"}
    if idem:
        headers["Idempotency-Key"] = idem
    req = urllib.request.Request(url, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=20) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return 0, {}, b""


@pytest.mark.django_db(transaction=True)
def test_postgresql_restart_under_load_answers_503_and_recovers_by_itself(
    private_postgres: PrivatePostgres,
    private_redis: PrivateRedis,
    processes: Processes,
    tmp_path: Path,
):
    # The drill database: this run's schema copied into the private cluster (pg_dump -s).
    subprocess.run(
        [pg_bin("psql"), private_postgres.url(), "-qc", "CREATE DATABASE drill"], check=True
    )
    schema = subprocess.run(
        [pg_bin("pg_dump"), "--schema-only", "--no-owner", database_url()],
        check=True,
        capture_output=True,
    ).stdout
    subprocess.run(
        [pg_bin("psql"), "-q", private_postgres.url("drill")],
        input=schema,
        check=True,
        capture_output=True,
    )
    connection.close()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tradehub.settings.production",
        "SECRET_KEY": "drill-" + "x" * 50,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "DATABASE_URL": private_postgres.url("drill"),
        "REDIS_URL": private_redis.url,
        "CELERY_BROKER_URL": private_redis.url,
        "CONN_MAX_AGE": "60",
    }
    created = subprocess.run(
        [sys.executable, "manage.py", "create_partner", "Drill Freight"],
        cwd=REPO,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    key = created.stdout.strip().splitlines()[-1]
    port = free_port()
    web = subprocess.Popen(
        [
            *(sys.executable, "-m", "gunicorn", "tradehub.wsgi:application"),
            *("-b", f"127.0.0.1:{port}", "-w", "2", "--timeout", "60"),
        ],
        cwd=REPO,
        env=env,
        stdout=(tmp_path / "gunicorn.log").open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    processes.started.append(web)
    worker_env = {k: env[k] for k in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL")}
    worker = processes.celery("worker", worker_env, name="pg-worker", loglevel="INFO")
    base = f"http://127.0.0.1:{port}/api/v1"
    wait_for(lambda: request(f"{base}/alerts/", key)[0] == 200, "gunicorn", timeout=90)

    answers: Counter[int] = Counter()
    problems: list[tuple[int, str | None, str]] = []
    stop = threading.Event()
    body = json.dumps(
        {
            "readings": [
                {
                    "shipment": "SHP-NOSUCHONE",
                    "sensor_id": "S1",
                    "recorded_at": "2025-07-21T07:00:00+05:00",
                    "temperature_c": 4.0,
                }
            ]
        }
    ).encode()

    def load() -> None:
        index = 0
        while not stop.is_set():
            index += 1
            for status, headers, _content in (
                request(f"{base}/alerts/", key),
                request(f"{base}/telemetry/", key, "POST", body, idem=f"drill-{index % 5}"),
            ):
                answers[status] += 1
                if status == 503:
                    problems.append(
                        (status, headers.get("Retry-After"), headers.get("Content-Type", ""))
                    )

    # Tasks that run through the restart: a database sweep every 0.2 s for six seconds.
    # Not the current app: later tests' @shared_task proxies must keep resolving to TradeHub's.
    sender = Celery(broker=private_redis.url, set_as_current=False)
    for index in range(TASKS):
        sender.send_task("shipments.tasks.process_stale_readings_task", countdown=1 + index * 0.2)
    thread = threading.Thread(target=load, daemon=True)
    thread.start()
    time.sleep(2)
    private_postgres.stop("fast")
    down_health = request(f"{base}/health/", key)
    time.sleep(2)
    private_postgres.start()
    back = time.monotonic()
    wait_for(lambda: request(f"{base}/alerts/", key)[0] == 200, "the API after the restart")
    recovery = time.monotonic() - back
    time.sleep(2)
    stop.set()
    thread.join(timeout=60)
    # A key used while the database was down is not blocked afterwards.
    retried = request(f"{base}/telemetry/", key, "POST", body, idem="drill-after-outage")

    print(
        f"\nDRILL PostgreSQL restart: answers {dict(answers)}, health while down "
        f"{down_health[0]} {json.loads(down_health[2] or b'{}').get('database')}, API back "
        f"{recovery:.1f} s after PostgreSQL started (no restart of gunicorn or worker)"
    )
    assert 500 not in answers and 0 not in answers, answers
    assert set(answers) <= {200, 400, 503}, answers
    assert answers[503] > 0  # the outage was seen ...
    assert all(p[1] == "5" and p[2] == "application/problem+json" for p in problems)
    assert down_health[0] == 503
    assert json.loads(down_health[2])["database"].startswith("down")
    assert retried[0] == 400  # ... and the key is usable at once, the request runs

    log = tmp_path / "pg-worker.log"

    def all_tasks_succeeded() -> bool:
        return log.read_text(errors="replace").count("succeeded in") >= TASKS

    wait_for(all_tasks_succeeded, "every task done", timeout=180)
    text = log.read_text(errors="replace")
    processes.kill(worker)
    print(f"DRILL tasks through the restart: {TASKS} all done, {text.count('Retry in')} retried")
    assert "raised unexpected" not in text
