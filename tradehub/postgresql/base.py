"""Django's PostgreSQL backend whose per-request health check costs a `poll()`, not a round trip.

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
"""

import select
from typing import Any

from django.db.backends.postgresql import base

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
