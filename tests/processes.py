"""Other processes a test starts (a real Celery worker or beat) and waits for."""

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO
from urllib.parse import quote

from django.db import connection

REPO = Path(__file__).resolve().parents[1]
# A worker that talks to no other worker: no gossip, mingle or heartbeat events.
LONE_WORKER = ("--without-gossip", "--without-mingle", "--without-heartbeat")


def wait_for(predicate: Callable[[], bool], what: str, timeout: float = 120) -> float:
    """Poll until true; returns the seconds it took (a measured figure, never asserted on)."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if predicate():
            return time.monotonic() - started
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def database_url() -> str:
    """The URL of this test run's database (worker and beat processes use the test database)."""
    db = connection.settings_dict
    auth = quote(db["USER"] or "postgres")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"])
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def start_celery(*args: str, env: dict[str, str], log: IO[bytes]) -> subprocess.Popen[bytes]:
    """`celery -A tradehub <args>` (a worker or beat) on this test run's database with `env` on
    top, in its own process group, so that killing the group reaches every pool child."""
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "tradehub", *args],
        cwd=REPO,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tradehub.settings.test",
            "DATABASE_URL": database_url(),
            **env,
        },
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
