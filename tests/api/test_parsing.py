"""Request-level hardening: strict JSON, content types and body size, all as problem+json."""

import json

import pytest

from tradehub.api.idempotency import canonical_body

PING = "/api/v1/_test/ping/"
CREATE = "/api/v1/_test/create/"

pytestmark = pytest.mark.django_db


def raw_post(client, body: bytes | str, content_type: str = "application/json", url: str = PING):
    return client.generic("POST", url, body, content_type=content_type)


def assert_problem(response, status: int, pointer: str = "/"):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status
    assert {"type", "title", "detail", "errors"} <= body.keys()
    assert body["errors"] and body["errors"][0]["pointer"] == pointer
    return body


@pytest.mark.parametrize(
    "literal", ["NaN", "Infinity", "-Infinity", '{"t": NaN}', '{"t": [1, Infinity]}']
)
def test_nan_and_infinity_literals_are_rejected(machinery, api, literal):
    assert_problem(raw_post(api, literal), 400)


@pytest.mark.parametrize(
    "body",
    ['{"name": ', "{'name': 'x'}", "", "   ", "\xff\xfe", '{"a": 1}{"b": 2}', "[" * 100_000],
)
def test_malformed_json_is_400_with_pointer_to_the_root(machinery, api, body):
    if body == "":
        # An empty body is "no data": the view validates it like {}.
        assert api.generic("POST", CREATE, "", content_type="application/json").status_code == 400
        return
    assert_problem(raw_post(api, body.encode("latin-1") if body == "\xff\xfe" else body), 400)


def test_duplicate_keys_are_rejected(machinery, api):
    body = assert_problem(raw_post(api, '{"name": "a", "name": "b"}'), 400)
    assert "duplicate" in body["detail"]


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/xml", "application/x-www-form-urlencoded"]
)
def test_wrong_content_type_is_415(machinery, api, content_type):
    assert_problem(raw_post(api, '{"name": "x"}', content_type=content_type), 415)


def test_json_with_charset_is_accepted(machinery, api):
    response = raw_post(api, '{"a": 1}', content_type="application/json; charset=utf-8")
    assert response.status_code == 200
    assert response.json() == {"received": {"a": 1}}


def test_body_over_the_limit_is_413_problem_and_nothing_runs(machinery, api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    payload = json.dumps({"name": "x" * 2000})
    body = assert_problem(raw_post(api, payload, url=CREATE), 413)
    assert body["max_bytes"] == 1000
    assert machinery.CALLS.get("create", 0) == 0


def test_body_over_the_limit_with_idempotency_key_is_413(machinery, api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = api.generic(
        "POST",
        CREATE,
        json.dumps({"name": "x" * 2000}),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="big",
    )
    assert_problem(response, 413)


def test_largest_documented_batch_fits_the_default_limit():
    """10,000 telemetry readings, pretty-printed with long ids, stay under the 413 limit."""
    from django.conf import settings

    reading = {
        "shipment": "SHP-7K2M9Q4XTB",
        "sensor_id": "S" * 64,
        "recorded_at": "2025-07-20T06:15:00.000000+05:00",
        "temperature_c": -12.3456,
        "humidity_pct": 90.55,
    }
    payload = json.dumps({"readings": [reading] * 10_000}, indent=4)
    assert len(payload.encode()) < settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def test_unauthenticated_problem_is_401_problem_json(machinery, client):
    response = client.get(PING)
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response["WWW-Authenticate"] == "Api-Key"


def test_unknown_api_url_is_404_problem(api):
    response = api.get("/api/v1/no-such-endpoint/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


def test_canonical_body_ignores_layout_but_not_content():
    assert canonical_body(b'{"a": 1, "b": [1, 2]}') == canonical_body(b'{"b":[1,2],"a":1}')
    assert canonical_body(b'{"a": 1}') != canonical_body(b'{"a": 2}')
    assert canonical_body(b"not json") == b"not json"
