"""`/api/v1/health/` answers without credentials and names the component that is down."""

import pytest
from rest_framework.test import APIClient

from tradehub.celery import app as celery_app

pytestmark = pytest.mark.django_db


def test_health_is_ok_when_database_and_broker_answer():
    response = APIClient().get("/api/v1/health/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok", "cache": "ok"}


def test_health_is_503_naming_the_broker_when_it_is_down(monkeypatch):
    # Port 1 on loopback: nothing listens there, exactly like a stopped Redis.
    monkeypatch.setattr(celery_app.conf, "broker_url", "redis://127.0.0.1:1/0")
    response = APIClient().get("/api/v1/health/")
    assert response.status_code == 503
    body = response.json()
    assert body["broker"].startswith("down")
    assert body["database"] == "ok"
    assert body["status"] == "down"


def test_health_is_503_naming_the_database_when_it_is_down(monkeypatch):
    from django.db.backends.utils import CursorWrapper

    def broken(*args, **kwargs):
        from django.db import OperationalError

        raise OperationalError("connection refused")

    monkeypatch.setattr(CursorWrapper, "execute", broken)
    response = APIClient().get("/api/v1/health/")
    assert response.status_code == 503
    assert response.json()["database"].startswith("down")


def test_health_is_503_naming_the_cache_when_it_is_down(settings):
    from tradehub.settings.base import redis_cache

    settings.CACHES = redis_cache("redis://127.0.0.1:1/0")  # nothing listens: a stopped Redis
    response = APIClient().get("/api/v1/health/")
    assert response.status_code == 503
    body = response.json()
    assert body["cache"] == "down: ConnectionError"
    assert body["database"] == "ok" and body["broker"] == "ok"
    assert response["Retry-After"] == "5"


def test_a_part_that_does_not_answer_by_the_deadline_is_named_timeout(monkeypatch):
    import threading

    from tradehub.api import health

    release = threading.Event()

    def frozen() -> str:
        release.wait(10)
        return "ok"

    monkeypatch.setitem(health.CHECKS, "broker", frozen)
    try:
        response = APIClient().get("/api/v1/health/")
    finally:
        release.set()
    assert response.status_code == 503
    assert response.json()["broker"] == "down: timeout"
    assert response.json()["database"] == "ok"
