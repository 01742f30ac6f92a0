"""Drills with real processes: a private Redis that is stopped and started, real Celery worker and
beat processes (SIGKILLed on purpose), a private PostgreSQL cluster restarted with pg_ctl. The
shared services on 5432/6379 are never touched. Every drill is marked `drill` (it runs in
`make test`; `pytest -m "not drill"` leaves them out)."""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import signal
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.processes import LONE_WORKER, start_celery, wait_for

REPO = Path(__file__).resolve().parents[2]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/drills/" in str(item.fspath):
            item.add_marker(pytest.mark.drill)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PrivateRedis:
    """A redis-server of this drill alone, on a free port, without persistence."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.workdir = workdir
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                shutil.which("redis-server") or "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        wait_for(self.answers, "private redis", timeout=20)

    def answers(self) -> bool:
        import redis

        try:
            return bool(redis.Redis(port=self.port, socket_timeout=0.5).ping())
        except Exception:
            return False

    def stop(self) -> None:
        """Stopped hard: the queue held in memory is lost with it."""
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None


class Processes:
    """Celery worker / beat processes started by a drill; all stopped at the end."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.started: list[subprocess.Popen[bytes]] = []

    def celery(
        self, role: str, env: dict[str, str], name: str | None = None, loglevel: str = "WARNING"
    ) -> subprocess.Popen[bytes]:
        args = [role, f"--loglevel={loglevel}"]
        if role == "worker":
            args += ["--pool=solo", *LONE_WORKER]
        else:
            args += ["--schedule", str(self.workdir / f"{name or 'beat'}-schedule")]
        log = (self.workdir / f"{name or role}.log").open("ab")
        process = start_celery(*args, env=env, log=log)
        self.started.append(process)
        return process

    @staticmethod
    def kill(process: subprocess.Popen[bytes], sig: int = signal.SIGKILL) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=30)

    def stop_all(self) -> None:
        for process in self.started:
            if process.poll() is None:
                self.kill(process, signal.SIGTERM)
            if process.poll() is None:
                self.kill(process, signal.SIGKILL)


@pytest.fixture
def private_redis() -> Iterator[PrivateRedis]:
    with tempfile.TemporaryDirectory(prefix="drill-redis-") as workdir:
        server = PrivateRedis(Path(workdir))
        server.start()
        try:
            yield server
        finally:
            server.stop()


@pytest.fixture
def processes(tmp_path: Path) -> Iterator[Processes]:
    started = Processes(tmp_path)
    try:
        yield started
    finally:
        started.stop_all()


def pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        pytest.skip(f"PostgreSQL server binaries ({name}) are not installed")
    return found[-1]


class PrivatePostgres:
    """A PostgreSQL cluster of this drill alone: initdb in a temporary directory, pg_ctl."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.data = workdir / "data"
        self.port = free_port()
        self.user = "postgres"

    def _run(self, *args: str) -> None:
        command = list(args)
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            command = ["runuser", "-u", "nobody", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def init(self) -> None:
        os.chmod(self.workdir, 0o777)  # noqa: S103 - PostgreSQL runs as nobody in a temp dir
        self._run(
            pg_bin("initdb"), "-D", str(self.data), "-U", self.user, "--auth=trust", "-E", "UTF8"
        )

    def start(self) -> None:
        self._run(
            pg_bin("pg_ctl"),
            "-D",
            str(self.data),
            "-o",
            f"-p {self.port} -k {self.workdir} -c listen_addresses=127.0.0.1 -c fsync=off",
            "-l",
            str(self.workdir / "postgres.log"),
            "-w",
            "start",
        )

    def stop(self, mode: str = "fast") -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self._run(pg_bin("pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")

    def url(self, database: str = "postgres") -> str:
        return f"postgres://{self.user}@127.0.0.1:{self.port}/{database}"


@pytest.fixture
def private_postgres() -> Iterator[Any]:
    workdir = Path(tempfile.mkdtemp(prefix="drill-pg-"))
    cluster = PrivatePostgres(workdir)
    try:
        cluster.init()
        cluster.start()
        yield cluster
    finally:
        cluster.stop("immediate")
        shutil.rmtree(workdir, ignore_errors=True)
