"""The served schema says what the server does: response headers, typed fields, and the webhook
payloads (OpenAPI 3.1 `webhooks`), which real outbox messages must validate against."""

import datetime as dt
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone
from jsonschema import Draft202012Validator
from rest_framework.test import APIClient

from declarations import services as declaration_services
from shipments.alerts.services import alert_view
from shipments.models import Alert
from shipments.services.changes import ShipmentCorrection, correct_shipment
from shipments.services.tracking import TrackingEventInput, derive_status, record_events
from tests.declarations.factories import create_declaration
from tests.notifications.factories import WebhookSubscriptionFactory
from tests.shipments.factories import make_shipment
from tradehub.notifications.choices import WebhookEvent
from tradehub.notifications.models import OutboundMessage
from tradehub.notifications.services import notify_alert

pytestmark = pytest.mark.django_db
EVENTS = tuple(WebhookEvent.values)


@pytest.fixture(scope="module")
def served(django_db_blocker) -> dict[str, Any]:
    with django_db_blocker.unblock():
        return APIClient().get("/api/schema/?format=json").json()


def operation(schema: dict[str, Any], path: str, method: str) -> dict[str, Any]:
    return schema["paths"][path][method]


def test_schema_is_openapi_3_1_with_every_webhook_event(served):
    assert served["openapi"].startswith("3.1")
    assert set(served["webhooks"]) == set(EVENTS)
    for event in EVENTS:
        body = served["webhooks"][event]["post"]["requestBody"]["content"]["application/json"]
        assert body["schema"]["$ref"].startswith("#/components/schemas/")


def test_response_headers_are_declared(served):
    submit = operation(served, "/api/v1/declarations/{reference}/submit/", "post")["responses"]
    assert {"ETag", "Idempotent-Replayed", "Idempotency-Key"} <= submit["202"]["headers"].keys()
    assert "Idempotent-Replayed" in submit["400"]["headers"]
    assert "Retry-After" in submit["409"]["headers"]
    assert "Idempotent-Replayed" not in submit["429"].get("headers", {})
    created = operation(served, "/api/v1/declarations/", "post")["responses"]
    assert "Idempotent-Replayed" in created["201"]["headers"]
    detail = operation(served, "/api/v1/shipments/{reference}/", "get")["responses"]
    assert "ETag" in detail["200"]["headers"]
    for item in served["paths"].values():
        for method, op in item.items():
            if method in {"get", "post", "put", "patch", "delete"}:
                assert {"406", "429", "500"} <= op["responses"].keys()
                assert "application/problem+json" in op["responses"]["500"]["content"]


def test_formerly_untyped_fields_are_typed(served):
    schemas = served["components"]["schemas"]

    def prop(component: str, name: str) -> dict[str, Any]:
        return schemas[component]["properties"][name]

    assert "$ref" in str(prop("Shipment", "consignee"))
    assert "$ref" in str(prop("Declaration", "distribution"))
    assert "$ref" in str(prop("DistributionResult", "declaration_status"))
    assert "$ref" in str(prop("CustomsMessage", "type"))
    readings = operation(served, "/api/v1/shipments/{reference}/readings/", "get")
    names = {p["name"] for p in readings["parameters"]}
    assert {"cursor", "page_size", "updated_since", "from", "to", "bucket"} <= names


def validator(served: dict[str, Any], event: str) -> Draft202012Validator:
    pointer = f"#/webhooks/{event}/post/requestBody/content/application~1json/schema"
    return Draft202012Validator({**served, "$ref": pointer})


def test_real_webhook_payloads_validate_against_the_served_schema(served, partner):
    WebhookSubscriptionFactory(partner=partner, events=list(EVENTS))
    declaration = create_declaration(partner)
    declaration_services.submit(declaration, actor="test")
    shipment = make_shipment(partner)
    correct_shipment(shipment, ShipmentCorrection(setpoint_c=6.0), actor="test")
    now = timezone.now()
    record_events(
        shipment,
        [
            TrackingEventInput(
                event_id="E1",
                type="departed",
                classifier="actual",
                occurred_at=now - dt.timedelta(hours=1),
            )
        ],
    )
    derive_status(shipment.pk)
    lot = shipment.lots.get()
    alert = Alert.objects.create(
        partner=partner,
        kind="expiring_soon",
        severity="high",
        subject_type="lot",
        subject_reference=lot.lot_code or str(lot.pk),
        shipment=shipment,
        lot=lot,
        dedup_key=f"test:{lot.pk}",
        message="runs out soon",
    )
    with transaction.atomic():
        notify_alert(alert_view(alert), partner=partner)
    payloads = {m.event_type: m.payload for m in OutboundMessage.objects.filter(partner=partner)}
    assert set(payloads) == set(EVENTS)
    for event, payload in payloads.items():
        errors = sorted(validator(served, event).iter_errors(payload), key=str)
        assert not errors, (event, [e.message for e in errors], payload)
        assert payload["timestamp"].endswith("+05:00")  # the one documented zone
    alert_data = payloads["alert.created"]["data"]
    assert dt.datetime.fromisoformat(alert_data["expires_at"]) == lot.expires_at
    assert alert_data["expires_at"].endswith("+05:00")
    assert alert_data["shelf_life_ends_at"].endswith("+05:00")
