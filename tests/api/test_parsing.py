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


def test_unknown_fields_are_400_with_a_pointer_each_and_nothing_runs(machinery, api):
    response = api.post(
        CREATE, {"name": "Unknown Co", "colour": "red", "partner": "PTR-X"}, format="json"
    )
    body = assert_problem(response, 400, pointer="/colour")
    assert {e["pointer"] for e in body["errors"]} == {"/colour", "/partner"}
    assert {e["code"] for e in body["errors"]} == {"unknown_field"}
    from tradehub.partners.models import Partner

    assert not Partner.objects.filter(name="Unknown Co").exists()


def test_unknown_fields_in_nested_lists_point_at_the_row(machinery, api):
    response = api.post(
        CREATE, {"name": "Nested Co", "items": [{"n": 1}, {"n": 2, "m": 3}]}, format="json"
    )
    assert_problem(response, 400, pointer="/items/1/m")


def test_declared_read_only_fields_are_ignored(machinery, api):
    response = api.post(CREATE, {"name": "Readonly Co", "reference": "PTR-FORGED"}, format="json")
    assert response.status_code == 201
    assert response.json()["reference"] != "PTR-FORGED"


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("2025-07-21T06:00:00", "naive_datetime"),
        ("2025-07-21 06:00", "naive_datetime"),
        ("2300-01-01T00:00:00+00:00", "datetime_out_of_range"),
        ("1900-01-01T00:00:00+00:00", "datetime_out_of_range"),
        ("0001-01-01T00:00:00+05:00", "datetime_out_of_range"),
        ("9999-12-31T23:59:59-05:00", "datetime_out_of_range"),
    ],
)
def test_times_need_an_offset_and_a_plausible_year(machinery, api, value, code):
    response = api.post(CREATE, {"name": f"Time {value}", "at": value}, format="json")
    body = assert_problem(response, 400, pointer="/at")
    assert body["errors"][0]["code"] == code


def test_times_with_any_valid_offset_are_accepted(machinery, api):
    response = api.post(
        CREATE, {"name": "Offset Co", "at": "2025-07-21T06:00:00-19:01"}, format="json"
    )
    assert response.status_code == 201, response.content


@pytest.mark.parametrize(
    ("value", "status"),
    [
        ("2025-07-21T06:00:00-19:01", 200),
        ("2025-07-21T06:00:00Z", 200),
        ("2025-07-21T06:00:00", 400),
        ("3383-12-18T05:35:43-19:01", 200),
        ("0001-01-01T00:00:00+05:00", 400),
        ("yesterday", 400),
    ],
)
def test_updated_since_filter_is_strict_and_never_a_500(api, value, status):
    response = api.get("/api/v1/webhooks/", {"updated_since": value})
    assert response.status_code == status, response.content
    if status == 400:
        assert response.json()["errors"][0]["pointer"] == "/query/updated_since"


def test_problem_extras_never_replace_the_standard_members():
    from tradehub.api.exceptions import problem

    body = problem(409, "Not now.", status="submitted", reference="DEC-1")
    assert body["status"] == 409
    assert body["current_status"] == "submitted"
    assert body["reference"] == "DEC-1"


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ('{"name": "a\\u0000b"}', "/name"),
        ('{"name": "\\ud800"}', "/name"),
        ('{"a\\u0000": 1}', "/"),
        ('["\\udfff"]', "/0"),
        ('{"items": [{"n": 1}, {"n": "\\udc00"}]}', "/items/1/n"),
    ],
)
def test_strings_postgresql_cannot_store_are_400_with_a_pointer(machinery, api, body, pointer):
    body = assert_problem(raw_post(api, body, url=CREATE), 400, pointer=pointer)
    assert body["errors"][0]["code"] == "invalid_string"


def test_surrogate_pairs_are_fine(machinery, api):
    response = raw_post(api, '{"name": "Grapes \\ud83c\\udf47"}', url=CREATE)
    assert response.status_code == 201, response.content


@pytest.mark.parametrize(
    "url",
    ["/api/v1/declarations/?lrn=%00", "/api/v1/declarations/DEC-%00/", "/api/v1/x/?a=1&a=%00"],
)
def test_nul_in_the_url_is_400_not_500(api, url):
    response = api.get(url)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"


def test_multipart_uploads_have_their_own_larger_ceiling(machinery, api):
    body = b"--xyz\r\n" + b"x" * (5 * 1024 * 1024) + b"\r\n--xyz--\r\n"
    content_type = "multipart/form-data; boundary=xyz"
    response = api.generic("PUT", PING, body, content_type=content_type)
    assert response.status_code == 405  # reached the view: not refused as too large
    huge = b"x" * (13 * 1024 * 1024)
    assert_problem(api.generic("PUT", PING, huge, content_type=content_type), 413)


def test_an_unhandled_error_is_a_500_problem_json(machinery, api):
    from tradehub import urls
    from tradehub.api.exceptions import api_server_error

    assert urls.handler500 is api_server_error
    api.raise_request_exception = False
    response = api.get("/api/v1/_test/crash/")
    assert response.status_code == 500
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == 500


FAST_PARSE_CASES = [
    b'{"readings": [{"a": 1, "b": "x:y", "c": [1.5, -0, null, true]}]}',
    b'{"a": 1, "a": 2}',  # duplicate key: orjson alone would keep the last
    b'{"a": 1, "a": 2, "b": "\\u003a"}',  # an escaped colon must not hide the duplicate
    b'{"a": {"k": 1, "k": 1}}',
    b'{"n": 123456789012345678901234567890}',  # orjson alone would return a float
    b'{"n": 9223372036854775808}',
    b'{"s": "\\u0000"}',
    b'{"s": "\\ud800"}',
    b'{"s": "\\u0436\\u00e9 \\ud83d\\ude00", "t": "a:b"}',  # escapes orjson reads alike
    b'{"s": "\\u003A", "s": 1}',
    b'{"f": 1e400}',
    b'{"f": 1.5e-400}',
    b"[" * 300 + b"]" * 300,
    b'"text"',
    b"null",
    b"\xef\xbb\xbf{}",
]


@pytest.mark.parametrize("body", FAST_PARSE_CASES)
def test_fast_parse_answers_like_the_strict_parser_or_steps_aside(body):
    """orjson takes a body only when its reading is provably the strict parser's: same document,
    and every body the strict parser refuses goes the old way (for the old error)."""
    import io

    from rest_framework.exceptions import ParseError, ValidationError

    from tradehub.api import parsers

    fast = parsers._fast_parse(body)
    try:
        strict: object = parsers.StrictJSONParser().parse(io.BytesIO(body))
    except (ParseError, ValidationError):
        strict = "refused"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(parsers, "_fast_parse", lambda body: None)
        try:
            old: object = parsers.StrictJSONParser().parse(io.BytesIO(body))
        except (ParseError, ValidationError):
            old = "refused"
    assert strict == old
    if fast is not None:
        assert fast == old
        assert type(fast) is type(old)
    if old == "refused":
        assert fast is None


@pytest.mark.parametrize(
    ("text", "suspicious"),
    [
        ('{"a": "x"}', False),
        ('{"a": 1.5e30, "b": "code01"}', False),
        ('{"a": 1.5e300}', True),
        ('{"a": 1e-300}', True),
        ('{"a": 1E+308}', True),
        ('{"a": "e000"}', True),
        ('{"a": 1234567890123456789}', True),
        ('{"a": 123456789012345678}', False),
        ('{"a": "\\u0000"}', True),
        ('{"a": "\\uDc00"}', True),
        ('{"a": "\\u0436"}', False),
        ('{"a": "\x00"}', True),
    ],
)
def test_the_cheap_prefilter_finds_every_spelling_that_needs_the_walk(text, suspicious):
    from tradehub.api.parsers import _may_hold_unstorable

    assert _may_hold_unstorable(text) is suspicious
