"""Bad input catalogue, end to end on the real endpoints: every case is a 4xx problem+json with a
pointer naming what is wrong, and nothing is stored."""

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.db.models import Model

from declarations.models import Declaration, GoodsItem
from shipments.models import Shipment, TemperatureReading, TrackingEvent
from tests.declarations.factories import payload as declaration_payload
from tests.shipments.factories import make_shipment, product

pytestmark = pytest.mark.django_db

STORED: list[type[Model]] = [Declaration, GoodsItem, Shipment, TemperatureReading, TrackingEvent]


def counts() -> dict[str, int]:
    return {model.__name__: model._default_manager.count() for model in STORED}


def send(client: Any, method: str, url: str, body: Any, content_type: str = "application/json"):
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.generic(method, url, data, content_type=content_type)


def assert_rejected(response: Any, before: dict[str, int], status: int = 400, pointer: str = "/"):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status
    pointers = [error["pointer"] for error in body["errors"]]
    assert pointer in pointers, pointers
    assert counts() == before, "a rejected request stored something"


@pytest.fixture
def shipment(partner):
    product("cherry-tomato")
    return make_shipment(partner)


def reading(owner_shipment: Shipment, **overrides: Any) -> dict[str, Any]:
    row = {
        "shipment": owner_shipment.reference,
        "sensor_id": "probe-1",
        "recorded_at": "2025-07-21T07:00:00+05:00",
        "temperature_c": 4.5,
        "humidity_pct": 90.0,
    }
    row.update(overrides)
    return row


def event(**overrides: Any) -> dict[str, Any]:
    row = {
        "event_id": "EV-1",
        "type": "departed",
        "classifier": "actual",
        "occurred_at": "2025-07-21T06:12:00+05:00",
        "location": "KZALA",
        "details": {},
    }
    row.update(overrides)
    return row


def declaration(**overrides: Any) -> dict[str, Any]:
    return declaration_payload(**overrides)


def with_goods(**item: Any) -> dict[str, Any]:
    body = declaration()
    body["goods_items"][0].update(item)
    return body


# --- The catalogue: (name, method, url factory, body factory, expected status, pointer) -------
Case = tuple[str, str, Callable[[Shipment], str], Callable[[Shipment], Any], int, str]
DECLARATIONS = lambda s: "/api/v1/declarations/"  # noqa: E731
TELEMETRY = lambda s: "/api/v1/telemetry/"  # noqa: E731
SHIPMENTS = lambda s: "/api/v1/shipments/"  # noqa: E731


def events_url(shipment: Shipment) -> str:
    return f"/api/v1/shipments/{shipment.reference}/events/"


def too_many_readings(shipment: Shipment) -> dict[str, Any]:
    row = reading(shipment)
    return {"readings": [dict(row, sensor_id=f"p{i}") for i in range(10_001)]}


CASES: list[Case] = [
    # malformed JSON
    ("truncated JSON", "POST", DECLARATIONS, lambda s: '{"lrn": "X", ', 400, "/"),
    ("single quotes", "POST", TELEMETRY, lambda s: "{'readings': []}", 400, "/"),
    ("trailing garbage", "POST", events_url, lambda s: json.dumps([event()]) + "]", 400, "/"),
    # NaN / Infinity literals
    (
        "NaN temperature",
        "POST",
        TELEMETRY,
        lambda s: json.dumps({"readings": [reading(s, temperature_c=0)]}).replace(
            '"temperature_c": 0', '"temperature_c": NaN'
        ),
        400,
        "/",
    ),
    (
        "Infinity weight",
        "POST",
        DECLARATIONS,
        lambda s: json.dumps(declaration()).replace('"6000.000"', "Infinity", 1),
        400,
        "/",
    ),
    # unknown fields
    (
        "unknown top field",
        "POST",
        DECLARATIONS,
        lambda s: declaration(colour="red"),
        400,
        "/colour",
    ),
    (
        "unknown nested field",
        "POST",
        DECLARATIONS,
        lambda s: with_goods(gross_weight="1.000"),
        400,
        "/goods_items/0/gross_weight",
    ),
    (
        "unknown reading field",
        "POST",
        TELEMETRY,
        lambda s: {"readings": [reading(s, temp=4)]},
        400,
        "/readings/0/temp",
    ),
    ("unknown event field", "POST", events_url, lambda s: [event(where="x")], 400, "/0/where"),
    # wrong types
    (
        "weight as list",
        "POST",
        DECLARATIONS,
        lambda s: with_goods(net_kg=[1]),
        400,
        "/goods_items/0/net_kg",
    ),
    (
        "goods not a list",
        "POST",
        DECLARATIONS,
        lambda s: declaration(goods_items={"a": 1}),
        400,
        "/goods_items",
    ),
    (
        "temperature as text",
        "POST",
        TELEMETRY,
        lambda s: {"readings": [reading(s, temperature_c="cold")]},
        400,
        "/readings/0/temperature_c",
    ),
    (
        "temperature as bool",
        "POST",
        TELEMETRY,
        lambda s: {"readings": [reading(s, temperature_c=True)]},
        400,
        "/readings/0/temperature_c",
    ),
    ("readings not a list", "POST", TELEMETRY, lambda s: {"readings": "many"}, 400, "/readings"),
    ("body is a list", "POST", DECLARATIONS, lambda s: [declaration()], 400, "/"),
    # naive timestamps
    (
        "naive reading time",
        "POST",
        TELEMETRY,
        lambda s: {"readings": [reading(s, recorded_at="2025-07-21T07:00:00")]},
        400,
        "/readings/0/recorded_at",
    ),
    (
        "naive event time",
        "POST",
        events_url,
        lambda s: [event(occurred_at="2025-07-21T06:12:00")],
        400,
        "/0/occurred_at",
    ),
    # far future / far past
    (
        "reading from the future",
        "POST",
        TELEMETRY,
        lambda s: {"readings": [reading(s, recorded_at="2099-01-01T00:00:00+00:00")]},
        400,
        "/readings/0/recorded_at",
    ),
    (
        "reading from 1900",
        "POST",
        TELEMETRY,
        lambda s: {"readings": [reading(s, recorded_at="1900-01-01T00:00:00+00:00")]},
        400,
        "/readings/0/recorded_at",
    ),
    (
        "reading in year 1",
        "POST",
        TELEMETRY,
        lambda s: {"readings": [reading(s, recorded_at="0001-01-01T00:00:00+05:00")]},
        400,
        "/readings/0/recorded_at",
    ),
    (
        "event in year 9999",
        "POST",
        events_url,
        lambda s: [event(occurred_at="9999-12-31T23:59:59-05:00")],
        400,
        "/0/occurred_at",
    ),
    (
        "actual event in the future",
        "POST",
        events_url,
        lambda s: [event(occurred_at="2090-01-01T00:00:00+00:00")],
        400,
        "/0/occurred_at",
    ),
    (
        "event in 1950",
        "POST",
        events_url,
        lambda s: [event(occurred_at="1950-01-01T00:00:00+00:00")],
        400,
        "/0/occurred_at",
    ),
    # temperatures outside the physical range
    (
        "below absolute zero",
        "POST",
        TELEMETRY,
        lambda s: {"readings": [reading(s, temperature_c=-300)]},
        400,
        "/readings/0/temperature_c",
    ),
    (
        "boiling reefer",
        "POST",
        TELEMETRY,
        lambda s: {"readings": [reading(s, temperature_c=1e6)]},
        400,
        "/readings/0/temperature_c",
    ),
    (
        "humidity over 100",
        "POST",
        TELEMETRY,
        lambda s: {"readings": [reading(s, humidity_pct=180)]},
        400,
        "/readings/0/humidity_pct",
    ),
    # oversized strings and batches
    (
        "10,000-character description",
        "POST",
        DECLARATIONS,
        lambda s: with_goods(description="x" * 10_000),
        400,
        "/goods_items/0/description",
    ),
    (
        "long sensor id",
        "POST",
        TELEMETRY,
        lambda s: {"readings": [reading(s, sensor_id="s" * 65)]},
        400,
        "/readings/0/sensor_id",
    ),
    ("long lrn", "POST", DECLARATIONS, lambda s: declaration(lrn="L" * 500), 400, "/lrn"),
    ("10,001 readings", "POST", TELEMETRY, too_many_readings, 413, "/"),
    (
        "1,001 events",
        "POST",
        events_url,
        lambda s: [event(event_id=f"E{i}") for i in range(1001)],
        413,
        "/",
    ),
    # unknown references
    (
        "unknown shipment",
        "POST",
        TELEMETRY,
        lambda s: {"readings": [reading(s, shipment="SHP-0000000000")]},
        400,
        "/readings/0/shipment",
    ),
    ("unknown office", "POST", DECLARATIONS, lambda s: declaration(office="99999"), 400, "/office"),
    (
        "unknown border crossing",
        "POST",
        DECLARATIONS,
        lambda s: declaration(border_crossing="XXZZZ"),
        400,
        "/border_crossing",
    ),
    (
        "unknown commodity code",
        "POST",
        DECLARATIONS,
        lambda s: with_goods(commodity_code="999999"),
        400,
        "/goods_items/0/commodity_code",
    ),
    (
        "unknown event location",
        "POST",
        events_url,
        lambda s: [event(location="ZZZZZ")],
        400,
        "/0/location",
    ),
    (
        "unknown product",
        "POST",
        SHIPMENTS,
        lambda s: {
            "kind": "inbound",
            "partner_reference": "BAD-PRODUCT",
            "origin": "CNURM",
            "destination": "KZALA",
            "legs": [{"sequence": 1, "mode": "rail", "from": "CNURM", "to": "KZALA"}],
            "lots": [{"product": "dragonfruit-x", "net_kg": "100.000", "packages": 10}],
        },
        400,
        "/lots/0/product",
    ),
]


@pytest.mark.parametrize(
    ("name", "method", "url", "body", "status", "pointer"), CASES, ids=[c[0] for c in CASES]
)
def test_bad_input_is_a_4xx_problem_with_a_pointer_and_stores_nothing(
    api, shipment, name, method, url, body, status, pointer
):
    before = counts()
    response = send(api, method, url(shipment), body(shipment))
    assert_rejected(response, before, status, pointer)


@pytest.mark.parametrize("url", [DECLARATIONS, TELEMETRY, events_url, SHIPMENTS])
@pytest.mark.parametrize("content_type", ["text/plain", "application/xml", "multipart/form-data"])
def test_wrong_content_type_is_415(api, shipment, url, content_type):
    before = counts()
    body = json.dumps({"readings": [reading(shipment)]})
    if content_type == "multipart/form-data":
        content_type = "multipart/form-data; boundary=xyz"
    response = send(api, "POST", url(shipment), body, content_type=content_type)
    assert_rejected(response, before, 415, "/")


def test_one_bad_row_rejects_the_whole_batch(api, shipment):
    before = counts()
    rows = [reading(shipment, sensor_id=f"p{i}") for i in range(50)]
    rows[37] = reading(shipment, temperature_c=-500)
    response = send(api, "POST", "/api/v1/telemetry/", {"readings": rows})
    assert_rejected(response, before, 400, "/readings/37/temperature_c")
    assert len(response.json()["errors"]) == 1


def test_every_bad_row_is_named(api, shipment):
    rows = [reading(shipment, sensor_id=f"p{i}") for i in range(5)]
    rows[1]["temperature_c"] = "x"
    rows[3]["recorded_at"] = "2025-07-21T07:00:00"
    response = send(api, "POST", "/api/v1/telemetry/", {"readings": rows})
    pointers = {error["pointer"] for error in response.json()["errors"]}
    assert pointers == {"/readings/1/temperature_c", "/readings/3/recorded_at"}


def test_a_valid_batch_is_accepted_for_contrast(api, shipment):
    response = send(api, "POST", "/api/v1/telemetry/", {"readings": [reading(shipment)]})
    assert response.status_code == 202, response.content


def test_payload_helpers_are_not_shared_between_cases():
    first = declaration()
    first["goods_items"][0]["net_kg"] = "1"
    assert declaration()["goods_items"][0]["net_kg"] != "1"
    assert copy.deepcopy(first) == first
