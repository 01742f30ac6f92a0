"""`/api/v1/health/` answers without credentials and names the component that is down."""

import pytest
from rest_framework.test import APIClient

from tradehub.celery import app as celery_app

pytestmark = pytest.mark.django_db


def test_health_is_ok_when_database_and_broker_answer():
    response = APIClient().get("/api/v1/health/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}


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
