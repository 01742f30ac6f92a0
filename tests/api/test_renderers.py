"""The orjson renderer writes the bytes DRF's JSONRenderer writes (tradehub/api/renderers.py)."""

import datetime as dt
import math
import uuid
from decimal import Decimal

import pytest
from django.utils.translation import gettext_lazy
from rest_framework.exceptions import ErrorDetail
from rest_framework.renderers import JSONRenderer
from rest_framework.utils.serializer_helpers import ReturnDict, ReturnList

from tests.api.test_list_queries import LEGS, LOTS, add_alerts, add_declarations
from tests.shipments.factories import make_shipment
from tradehub.api.renderers import FastJSONRenderer

ALMATY = dt.timezone(dt.timedelta(hours=5))
PAYLOADS = [
    {},
    [],
    {"a": None, "b": True, "c": False, "d": 0, "e": -1, "f": 2**63 - 1, "g": -(2**63)},
    {"big": 2**64, "bigger": -(2**70)},  # orjson refuses: handed to JSONRenderer
    {"floats": [0.0, -0.0, 1.0, 2.5, 1 / 3, 21.7, -40.0, 1e15, 1e16, 1.5e300, 1e-4, 1e-5, 3e-7]},
    {"decimals": [Decimal("0"), Decimal("12.500"), Decimal("-0.001"), Decimal("1E+3")]},
    {
        "utc": dt.datetime(2026, 11, 30, 8, 15, tzinfo=dt.UTC),
        "micro": dt.datetime(2026, 11, 30, 8, 15, 0, 123456, tzinfo=dt.UTC),
        "almaty": dt.datetime(2026, 11, 30, 13, 15, tzinfo=ALMATY),
        "naive": dt.datetime(2026, 11, 30, 8, 15),
        "date": dt.date(2026, 2, 28),
        "time": dt.time(23, 59, 58),
        "delta": dt.timedelta(hours=36, seconds=1),
        "uuid": uuid.UUID("12345678-1234-5678-1234-567812345678"),
    },
    {
        "text": 'Черешня, 樱桃, café \u2028 \u2029 "quoted" back\\slash \t\n\r\x00\x1f\x7f 😀',
        "lazy": gettext_lazy("Partner API"),
        "error": ErrorDetail("Must be true or false.", "invalid_boolean"),
        "reference_like": "SHP-1E5X0",
        "number_like": "1e-05",
        "colon": "ratio:1e5",
    },
    {1: "int key", None: "null key"},  # orjson refuses non-string keys
    ReturnDict({"results": ReturnList([{"id": 1}], serializer=None)}, serializer=None),  # type: ignore[call-overload]
    {"tuple": (1, 2), "nested": [[{"a": [None]}]], "bytes": b"raw"},
]


@pytest.mark.parametrize("data", PAYLOADS, ids=range(len(PAYLOADS)))
def test_same_bytes_as_drf(data):
    assert FastJSONRenderer().render(data) == JSONRenderer().render(data)


def test_pretty_printing_is_drfs():
    data = {"a": [1, {"b": None}]}
    accepted = "application/json; indent=4"
    assert FastJSONRenderer().render(data, accepted) == JSONRenderer().render(data, accepted)
    assert b"\n    " in FastJSONRenderer().render(data, accepted)


@pytest.mark.parametrize(
    ("accepted", "context"),
    [
        ("application/json", {}),
        ("application/json", {"indent": 2}),
        ("application/json", None),
        (None, {"indent": 4}),
        ("application/json; indent=0", {}),
        ("application/json;indent=3", {"indent": 1}),
        ("application/json; charset=utf-8", {}),
    ],
)
def test_indentation_is_drfs_for_any_media_type_and_context(accepted, context):
    data = {"a": [1, {"b": None}], "t": "ü"}
    assert FastJSONRenderer().render(data, accepted, context) == JSONRenderer().render(
        data, accepted, context
    )


def test_none_is_empty():
    assert FastJSONRenderer().render(None) == b""


def test_nan_is_null_where_drf_refused():
    with pytest.raises(ValueError):
        JSONRenderer().render({"t": math.nan})
    assert FastJSONRenderer().render({"t": math.nan}) == b'{"t":null}'


@pytest.mark.django_db
def test_partner_lists_and_details_render_as_drf_would(api, partner):
    """Real answers (nested lots, legs, goods items; nulls, decimals, times) byte for byte."""
    for _ in range(3):
        shipment = make_shipment(partner, lots=LOTS, legs=LEGS, destination="KZSCO")
    add_declarations(partner, 2)
    add_alerts(partner, 2)
    urls = [
        "/api/v1/shipments/",
        f"/api/v1/shipments/{shipment.reference}/",
        "/api/v1/declarations/",
        "/api/v1/alerts/",
        "/api/v1/products/?page_size=5",
        "/api/v1/shipments/?page_size=abc",  # a problem answer
    ]
    declaration = api.get("/api/v1/declarations/").json()["results"][0]["reference"]
    urls.append(f"/api/v1/declarations/{declaration}/")
    for url in urls:
        response = api.get(url)
        assert response.content == JSONRenderer().render(response.data), url


def test_every_float_python_spells_otherwise_is_caught():
    import json
    import random

    import orjson

    from tradehub.api.renderers import spelled_differently

    rng = random.Random(15)
    values = [1e16, 1e-5, 9.9e-5, 1e-7, 5e-324, 1.7976931348623157e308, 1e22]
    values += [
        rng.random() * 10 ** rng.randint(-30, 30) * rng.choice([1, -1]) for _ in range(20000)
    ]
    # Every place a value starts: after a key, first and later in an array, the whole document.
    for value in values:
        for data in ({"v": value}, [value], [1, value], value):
            rendered = orjson.dumps(data)
            if rendered != json.dumps(data, separators=(",", ":")).encode():
                assert spelled_differently(rendered), data
    assert not spelled_differently(b'{"product":"table-grape","t":21.5,"code":"SHP-1E5X0"}')


def test_times_with_few_microseconds_keep_orjson():
    """A time whose microseconds start with four zeros is text, not a float: no fallback (it sent
    whole pages of declarations to the slower renderer)."""
    from tradehub.api.renderers import spelled_differently

    micro = dt.datetime(2026, 12, 1, 4, 13, 26, 4, tzinfo=ALMATY)
    data = {"updated_at": micro.isoformat(), "at": [micro.isoformat()], "t": 10.00001}
    rendered = FastJSONRenderer().render(data)
    assert rendered == JSONRenderer().render(data)
    assert b"26.000004+05:00" in rendered
    assert not spelled_differently(rendered)
    assert spelled_differently(b'{"v":-0.00001}') and spelled_differently(b"[0.00001]")


def test_separator_search_is_the_regular_expressions():
    """`has_separators` (led by memchr on the lead byte) answers what the regular expression it
    replaced answers: every string of up to 5 bytes over the bytes that matter, then random
    longer ones."""
    import itertools
    import random
    import re

    from tradehub.api.renderers import has_separators

    reference = re.compile(b"\xe2\x80[\xa8\xa9]")
    alphabet = b"\xe2\x80\xa8\xa9a\x81"
    for length in range(6):
        for combination in itertools.product(alphabet, repeat=length):
            text = bytes(combination)
            assert has_separators(text) == bool(reference.search(text)), text
    chooser = random.Random(15)
    pool = alphabet + "—✓€‧‪".encode()
    for _ in range(20_000):
        text = bytes(chooser.choice(pool) for _ in range(chooser.randint(6, 60)))
        assert has_separators(text) == bool(reference.search(text)), text


def test_line_and_paragraph_separators_are_escaped_as_drf_does():
    data = {"a": "x\u2028y\u2029z", "b": ["\u2028"], "\u2029": 1}
    assert FastJSONRenderer().render(data) == JSONRenderer().render(data)
