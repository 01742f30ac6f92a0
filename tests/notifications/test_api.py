"""Webhook subscriptions API: CRUD, secret shown once, SSRF refusal, scoping, delivery log."""

import pytest
from django.db import transaction

from tradehub.notifications import services
from tradehub.notifications.models import WebhookSubscription

pytestmark = pytest.mark.django_db

URL = "/api/v1/webhooks/"


@pytest.fixture
def public_dns(monkeypatch, settings):
    """Every host name resolves to a public address (tests do not depend on real DNS)."""
    import socket

    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = False
    real = socket.getaddrinfo

    def fake(host, port, *args, **kwargs):
        if str(host).endswith("example.com"):
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake)


def test_create_returns_secret_once_and_never_again(api, public_dns):
    response = api.post(
        URL, {"url": "https://hooks.example.com/in", "events": ["alert.created"]}, format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["secret"].startswith("whsec_")
    assert body["events"] == ["alert.created"]
    assert body["active"] is True
    assert body["reference"].startswith("WHK-")
    detail = api.get(f"{URL}{body['reference']}/")
    assert detail.status_code == 200
    assert "secret" not in detail.json()
    listing = api.get(URL).json()
    assert [s["reference"] for s in listing["results"]] == [body["reference"]]
    assert "secret" not in listing["results"][0]


def test_loopback_url_is_refused_with_pointer_to_url(api, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = False
    response = api.post(
        URL, {"url": "http://127.0.0.1:8000/hook", "events": ["alert.created"]}, format="json"
    )
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    assert [e["pointer"] for e in response.json()["errors"]] == ["/url"]
    assert not WebhookSubscription.objects.exists()


def test_unknown_event_and_empty_events_are_refused(api, public_dns):
    response = api.post(URL, {"url": "https://h.example.com/", "events": ["nope"]}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["pointer"] == "/events/0"
    response = api.post(URL, {"url": "https://h.example.com/", "events": []}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["pointer"] == "/events"


def test_patch_changes_events_and_active_and_rechecks_url(api, public_dns, settings):
    ref = api.post(
        URL, {"url": "https://h.example.com/", "events": ["alert.created"]}, format="json"
    ).json()["reference"]
    response = api.patch(
        f"{URL}{ref}/",
        {"events": ["shipment.status_changed", "shipment.status_changed"], "active": False},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["events"] == ["shipment.status_changed"]
    assert response.json()["active"] is False
    sub = WebhookSubscription.objects.get(reference=ref)
    assert not sub.is_active
    response = api.patch(f"{URL}{ref}/", {"url": "http://10.0.0.1/"}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["pointer"] == "/url"


def test_delete_removes_subscription(api, public_dns):
    ref = api.post(
        URL, {"url": "https://h.example.com/", "events": ["alert.created"]}, format="json"
    ).json()["reference"]
    assert api.delete(f"{URL}{ref}/").status_code == 204
    assert api.get(f"{URL}{ref}/").status_code == 404


def test_other_partners_subscription_answers_404(api, other_api, public_dns):
    ref = api.post(
        URL, {"url": "https://h.example.com/", "events": ["alert.created"]}, format="json"
    ).json()["reference"]
    assert other_api.get(f"{URL}{ref}/").status_code == 404
    assert other_api.patch(f"{URL}{ref}/", {"active": False}, format="json").status_code == 404
    assert other_api.delete(f"{URL}{ref}/").status_code == 404
    assert other_api.get(f"{URL}{ref}/deliveries/").status_code == 404
    assert other_api.get(URL).json()["results"] == []


def test_anonymous_gets_401(client):
    assert client.get(URL).status_code == 401


def test_deliveries_lists_attempts_with_status_code(api, partner, webhook_receiver):
    ref = api.post(
        URL, {"url": webhook_receiver.url, "events": ["shipment.status_changed"]}, format="json"
    ).json()
    webhook_receiver.secrets.append(ref["secret"])
    with transaction.atomic():
        (message,) = services.publish_event(
            "shipment.status_changed", partner, {"reference": "SHP-1", "status": "arrived"}
        )
    assert services.deliver_message(message.pk) == "delivered"
    response = api.get(f"{URL}{ref['reference']}/deliveries/")
    assert response.status_code == 200
    (attempt,) = response.json()["results"]
    assert attempt["webhook_id"] == message.reference
    assert attempt["status_code"] == 204
    assert attempt["succeeded"] is True
    assert attempt["event"] == "shipment.status_changed"
    assert attempt["started_at"] and attempt["finished_at"]


def test_deliveries_accept_updated_since(api, partner, webhook_receiver):
    ref = api.post(
        URL, {"url": webhook_receiver.url, "events": ["shipment.status_changed"]}, format="json"
    ).json()
    webhook_receiver.secrets.append(ref["secret"])
    with transaction.atomic():
        (message,) = services.publish_event("shipment.status_changed", partner, {"n": 1})
    services.deliver_message(message.pk)
    url = f"{URL}{ref['reference']}/deliveries/"
    assert len(api.get(url, {"updated_since": "2000-01-01T00:00:00Z"}).json()["results"]) == 1
    assert api.get(url, {"updated_since": "2099-01-01T00:00:00Z"}).json()["results"] == []
