"""`GET /api/v1/health/`: are the database, the Celery broker and the cache answering?

The three checks run side by side with one deadline (HEALTH_DEADLINE_SECONDS), so the answer comes
within about a second even when a part is frozen (a part that has not answered by then is
`down: timeout`). Any part down answers 503 naming it; the view itself never fails.
"""

import contextlib
import threading
import time
from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.db import connections
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from tradehub.celery import app as celery_app

HEALTH_DEADLINE_SECONDS = 0.8


def _down(exc: BaseException) -> str:
    return f"down: {exc.__class__.__name__}"


def check_database() -> str:
    """`ok`, or the error the database gave (on a connection of its own, closed afterwards)."""
    connection = connections.create_connection("default")
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return "ok"
    except Exception as exc:
        return _down(exc)
    finally:
        with contextlib.suppress(Exception):  # one that never opened has nothing to close
            connection.close()


def check_broker() -> str:
    """`ok`, or the error the broker gave; fails fast instead of retrying."""
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, timeout=1)
            conn.default_channel  # noqa: B018 - opening a channel proves the broker answers
        return "ok"
    except Exception as exc:
        return _down(exc)


def check_cache() -> str:
    """`ok`, or the error the cache gave (short socket timeouts: CACHE_SOCKET_TIMEOUT)."""
    try:
        cache.get("health:probe")
        return "ok"
    except Exception as exc:
        return _down(exc)


CHECKS: dict[str, Callable[[], str]] = {
    "database": check_database,
    "broker": check_broker,
    "cache": check_cache,
}


def run_checks(deadline: float = HEALTH_DEADLINE_SECONDS) -> dict[str, str]:
    """Every check in its own daemon thread; what has not answered by the deadline is down."""
    results: dict[str, str] = {}

    def run(name: str, check: Callable[[], str]) -> None:
        try:
            results[name] = check()
        except BaseException as exc:  # a check must never take the endpoint down
            results[name] = _down(exc)

    threads = [
        threading.Thread(target=run, args=(name, check), daemon=True, name=f"health-{name}")
        for name, check in CHECKS.items()
    ]
    for thread in threads:
        thread.start()
    until = time.monotonic() + deadline
    for thread in threads:
        thread.join(max(0.0, until - time.monotonic()))
    return {name: results.get(name, "down: timeout") for name in CHECKS}


HealthSerializer = inline_serializer(
    "Health",
    {
        "status": serializers.CharField(),
        "database": serializers.CharField(),
        "broker": serializers.CharField(),
        "cache": serializers.CharField(),
    },
)


class HealthView(APIView):
    """Liveness of the parts a request depends on; 503 names each part that is down."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    throttle_classes: list[Any] = []

    @extend_schema(
        responses={
            200: HealthSerializer,
            503: OpenApiResponse(HealthSerializer, "A component is down"),
        },
        auth=[],
    )
    def get(self, request: Request) -> Response:
        checks = run_checks()
        down = [name for name, value in checks.items() if value != "ok"]
        response = Response(
            {"status": "down" if down else "ok", **checks}, status=503 if down else 200
        )
        if down:
            response["Retry-After"] = "5"
        return response
