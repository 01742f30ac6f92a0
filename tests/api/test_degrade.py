"""Degrade, don't fail: a stopped cache or an unreachable database never answers 500."""

import logging

import pytest
from django.db import OperationalError

from tradehub.api import idempotency, throttling
from tradehub.settings.base import redis_cache

PING = "/api/v1/_test/ping/"
# Port 1 on loopback: nothing listens there, exactly like a stopped Redis.
STOPPED_REDIS = "redis://127.0.0.1:1/0"


@pytest.fixture
def cache_stopped(settings):
    settings.CACHES = redis_cache(STOPPED_REDIS)
    throttling.breaker.down_until = 0.0
    throttling.breaker.fallback.clear()
    yield
    throttling.breaker.down_until = 0.0
    throttling.breaker.fallback.clear()


@pytest.mark.django_db
def test_with_the_cache_stopped_reads_and_writes_work_and_a_warning_is_logged(
    machinery, api, settings, cache_stopped, caplog
):
    settings.API_THROTTLE_RATE = "100/min"
    with caplog.at_level(logging.WARNING, logger="tradehub.api.throttling"):
        assert api.get(PING).status_code == 200
        assert api.post(PING, {"a": 1}, format="json").json() == {"received": {"a": 1}}
    assert any("Throttle cache unavailable" in r.getMessage() for r in caplog.records)


@pytest.mark.django_db
def test_with_the_cache_stopped_the_per_process_limiter_still_limits(
    machinery, api, settings, cache_stopped
):
    settings.API_THROTTLE_RATE = "3/min"
    statuses = [api.get(PING).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]


@pytest.mark.django_db
def test_a_database_outage_in_a_view_is_503_problem_with_retry_after(machinery, api, monkeypatch):
    from tests.api import urls

    def down(self, request):
        raise OperationalError("connection to server at 127.0.0.1 failed: Connection refused")

    monkeypatch.setattr(urls.PingView, "get", down)
    response = api.get(PING)
    assert response.status_code == 503
    assert response["Content-Type"] == "application/problem+json"
    assert response["Retry-After"] == "5"
    assert response.json()["status"] == 503


@pytest.mark.django_db
def test_a_database_outage_in_a_middleware_is_503_too(machinery, api, monkeypatch):
    def down(name):
        raise OperationalError("server closed the connection unexpectedly")

    # The middleware's first query for a new key is its advisory lock.
    monkeypatch.setattr(idempotency, "try_transaction_lock", down)
    api.raise_request_exception = False  # answer as a server would (handler500)
    response = api.post(PING, {}, format="json", HTTP_IDEMPOTENCY_KEY="k-db-down")
    assert response.status_code == 503
    assert response["Content-Type"] == "application/problem+json"
    assert response["Retry-After"] == "5"
