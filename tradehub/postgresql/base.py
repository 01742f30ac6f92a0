"""Django's PostgreSQL backend whose per-request health check costs a `poll()`, not a round trip,
and whose timestamps are read by psycopg's C loader.

With `CONN_HEALTH_CHECKS` Django runs `SELECT 1` on a reused connection before the first query of
every request, so that a connection broken by a PostgreSQL restart is replaced instead of failing
the request. That round trip was a fifth of the time of a one-row partner list
(`bench/request_stack.py --profile products`). A connection that the server closed (a restart, a
crash, `pg_terminate_backend`, an idle timeout) does not go quiet: the server sends its FATAL
message and closes the socket, so the idle connection's socket becomes readable. Here the health
check first asks the kernel whether anything is waiting on that socket (no data leaves the
process); only when something is, or the connection is not idle, does Django's `SELECT 1` run.
A connection the network silently dropped is not detected by either check (`SELECT 1` would wait
for TCP to give up); the connect and socket timeouts cover that case as before.

Timestamps: Django reads every `timestamptz` value with its own loader (`BaseTzLoader` in
django/db/backends/postgresql/psycopg_any.py), a subclass of psycopg's *pure-Python* loader that
then replaces the zone: about 5 µs a value, which for a page of 50 shipments (some 700 timestamps)
was milliseconds. psycopg_binary's C loader reads the same text in about 0.4 µs and, while the
session's `TimeZone` is UTC (Django sets it so on connecting when `USE_TZ` is on and the database
has no `TIME_ZONE`), gives the same aware datetimes with the same `datetime.timezone.utc`.
`UtcTimestamptzLoader` uses it in that case and Django's loader in any other
(`tests/test_db_timestamps.py` compares both over edge values).
"""

import datetime as dt
import select
from functools import lru_cache
from typing import Any

import psycopg
from django.conf import settings
from django.db.backends.postgresql import base
from django.db.backends.postgresql.psycopg_any import BaseTzLoader
from psycopg.adapt import AdaptersMap, Loader
from psycopg.postgres import types as pg_types
from psycopg.pq import Format

IDLE = 0  # psycopg.pq.TransactionStatus.IDLE: connected, no transaction open


def socket_quiet(connection: Any) -> bool:
    """True when an open psycopg connection is idle and nothing has arrived on its socket."""
    try:
        pgconn = connection.pgconn
        if connection.closed or pgconn.transaction_status != IDLE:
            return False
        poller = select.poll()
        poller.register(pgconn.socket, select.POLLIN | select.POLLPRI)
        return not poller.poll(0)
    except Exception:  # a closed or broken connection: let the full check decide
        return False


TIMESTAMPTZ_OID = pg_types["timestamptz"].oid
# The loader psycopg registers by default: its C implementation when psycopg_binary (or
# psycopg_c) is installed.
C_TIMESTAMPTZ_LOADER = psycopg.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT)


class _DjangoUtcTzLoader(BaseTzLoader):
    """Django's own loader for a UTC connection (what `register_tzloader(timezone.utc, …)`
    registers)."""

    timezone = dt.UTC


class UtcTimestamptzLoader(Loader):
    """`timestamptz` text as aware UTC datetimes, equal to Django's loader's: psycopg's C loader
    while the session's time zone is UTC, else Django's."""

    # What Django's `create_cursor` compares with the connection's zone (equal: it registers
    # nothing per cursor).
    timezone = dt.UTC

    def __init__(self, oid: int, context: Any = None) -> None:
        super().__init__(oid, context)
        connection = self.connection
        if connection is None or connection.info.timezone is dt.UTC:
            # The C loader gives its values in the session's zone, UTC here: Django's values.
            # Bound as an instance attribute, so psycopg calls the C method with no Python frame.
            self.load = C_TIMESTAMPTZ_LOADER(oid, context).load  # type: ignore[method-assign,misc]
        else:
            # A session switched to another zone (`SET TIME ZONE`): Django's answer, whatever
            # it is (it relabels the session's local time as UTC).
            self._django = _DjangoUtcTzLoader(oid, context)

    def load(self, data: Any) -> dt.datetime:
        return self._django.load(data)  # type: ignore[no-any-return]


@lru_cache
def with_c_timestamps(template: AdaptersMap) -> AdaptersMap:
    """Django's adapters for a UTC connection, timestamps read by `UtcTimestamptzLoader`."""
    adapters = AdaptersMap(template)
    adapters.register_loader(TIMESTAMPTZ_OID, UtcTimestamptzLoader)
    return adapters


class DatabaseWrapper(base.DatabaseWrapper):
    # Set by Django's BaseDatabaseWrapper (CONN_HEALTH_CHECKS); not in django-stubs.
    health_check_enabled: bool
    health_check_done: bool

    def close_if_health_check_failed(self) -> None:
        if (
            self.connection is not None
            and self.health_check_enabled
            and not self.health_check_done
            and socket_quiet(self.connection)
        ):
            self.health_check_done = True
            return
        super().close_if_health_check_failed()

    def get_connection_params(self) -> dict[str, Any]:
        params = super().get_connection_params()
        template = params.get("context")
        if (
            isinstance(template, AdaptersMap)
            and settings.USE_TZ
            and self.timezone is dt.UTC
            and C_TIMESTAMPTZ_LOADER.__module__.startswith(("psycopg_binary", "psycopg_c"))
        ):
            params["context"] = with_c_timestamps(template)
        return params
