"""The per-request connection health check (tradehub/postgresql/base.py): a reused connection the
server closed is still replaced before the request's first query, and a healthy one costs no
`SELECT 1`."""

import select
import time

import pytest
from django.db import OperationalError, connection, connections

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def usable_checks(monkeypatch):
    """Counts Django's `SELECT 1` health checks (`is_usable`) on the default connection."""
    calls: list[bool] = []
    original = connection.is_usable

    def counted() -> bool:
        calls.append(True)
        return original()

    monkeypatch.setattr(connection, "is_usable", counted)
    return calls


def terminate_from_elsewhere() -> int:
    """Close the default connection from the server's side, as a PostgreSQL restart does."""
    connection.ensure_connection()
    pid = connection.connection.info.backend_pid
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    finally:
        other.close()
    poller = select.poll()
    poller.register(connection.connection.pgconn.socket, select.POLLIN)
    deadline = time.monotonic() + 5
    while not poller.poll(100) and time.monotonic() < deadline:
        pass
    return pid


def new_request() -> None:
    """What `request_started` does to a persistent connection (`close_old_connections`; the
    test settings' CONN_MAX_AGE of 0 would close it instead, production keeps it 60 s)."""
    connection.close_at = None
    connection.close_if_unusable_or_obsolete()


def test_a_healthy_reused_connection_is_not_pinged(usable_checks):
    assert connection.health_check_enabled  # type: ignore[attr-defined]
    connection.ensure_connection()
    for _ in range(3):
        new_request()
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    assert usable_checks == []


def test_a_connection_the_server_closed_is_replaced_before_the_first_query(usable_checks):
    pid = terminate_from_elsewhere()
    new_request()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != pid
    assert usable_checks == [True]  # the socket had something to say: the full check ran


def test_without_the_check_the_same_request_fails():
    # The scenario above really breaks the connection: with no health check the query fails.
    terminate_from_elsewhere()
    new_request()
    connection.health_check_enabled = False  # type: ignore[attr-defined]
    try:
        with pytest.raises(OperationalError), connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    finally:
        connection.health_check_enabled = True  # type: ignore[attr-defined]
        connection.close()
