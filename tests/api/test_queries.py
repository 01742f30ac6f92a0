"""Strict query strings, walked over every list route of /api/v1/ (taken from the URL conf, so a new
list is covered without touching this file): unknown parameters and invalid `page_size`, `cursor`
and filter values answer 400 with the pointer `/query/<name>`; every list documents `cursor`,
`page_size` (1..500) and `updated_since` in the served schema, and honours `updated_since`; every
page is reachable by following `next`."""

import base64
import json
from typing import Any
from urllib.parse import urlencode

import pytest
from drf_spectacular.generators import SchemaGenerator

from tests.api.test_tenancy import OWNED, ROUTES, Route, registry_key
from tests.shipments.factories import make_shipment

pytestmark = pytest.mark.django_db

GET_ROUTES = [r for r in ROUTES if "GET" in r.methods]
FUTURE = "2999-01-01T00:00:00Z"
INVALID_BY_TYPE = {"boolean": "maybe", "date-time": "yesterday", "integer": "one"}


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    with django_db_blocker.unblock():
        return SchemaGenerator().get_schema(request=None, public=True)


def owned_url(route: Route, partner) -> str:
    if not route.kwargs:
        return route.url()
    kwargs, _ = OWNED.get(registry_key(route), lambda p: ({}, []))(partner)
    if not kwargs:
        pytest.skip(f"no object factory for {route.template}")
    return route.url(**kwargs)


def is_list(client, url: str) -> bool:
    response = client.get(url)
    assert response.status_code in (200, 403), (url, response.content[:200])
    if "json" not in response["Content-Type"]:
        return False  # a file download
    body = response.json()
    return response.status_code == 200 and isinstance(body, dict) and "next" in body


def assert_query_error(response, name: str) -> None:
    assert response.status_code == 400, (name, response.status_code, response.content[:300])
    assert response["Content-Type"] == "application/problem+json"
    pointers = [error["pointer"] for error in response.json()["errors"]]
    assert f"/query/{name}" in pointers, pointers


def list_routes(api, partner) -> list[tuple[Route, str]]:
    found = []
    for route in GET_ROUTES:
        if route.kwargs and registry_key(route) not in OWNED:
            continue  # shared reference detail routes are not lists
        url = owned_url(route, partner)
        if is_list(api, url):
            found.append((route, url))
    return found


@pytest.fixture
def lists(api, partner, settings, tmp_path):
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = True
    settings.MEDIA_ROOT = tmp_path
    routes = list_routes(api, partner)
    templates = {route.template for route, _ in routes}
    # The walk must find the nested lists too, or it proves little.
    assert {
        "api/v1/declarations/",
        "api/v1/declarations/{reference}/events/",
        "api/v1/declarations/{reference}/versions/",
        "api/v1/declarations/{reference}/customs-messages/",
        "api/v1/shipments/{reference}/events/",
        "api/v1/shipments/{reference}/readings/",
        "api/v1/shipments/{reference}/excursions/",
        "api/v1/webhooks/{reference}/deliveries/",
        "api/v1/alerts/",
    } <= templates, templates
    return routes


def with_query(url: str, **params: Any) -> str:
    return f"{url}?{urlencode(params)}"


def test_unknown_query_parameters_are_refused_on_every_route(api, lists, partner):
    for route in GET_ROUTES:
        if route.kwargs and registry_key(route) not in OWNED:
            continue
        url = owned_url(route, partner)
        assert_query_error(api.get(with_query(url, stauts="released")), "stauts")


def test_invalid_page_size_and_cursor_are_refused_on_every_list(api, lists):
    for _route, url in lists:
        for value in ("0", "-1", "abc", "1.5", "501", ""):
            assert_query_error(api.get(with_query(url, page_size=value)), "page_size")
        assert_query_error(api.get(with_query(url, cursor="not-a-cursor")), "cursor")
        # A well-formed cursor with a made-up position is a position like any other where the
        # list is ordered by text, and a 400 where the position cannot be a time: never a 500.
        forged = base64.b64encode(b"o=0&r=0&p=not-a-time").decode()
        response = api.get(with_query(url, cursor=forged))
        if response.status_code != 200:
            assert_query_error(response, "cursor")
        assert_query_error(api.get(f"{url}?page_size=5&page_size=6"), "page_size")


def test_every_list_documents_pagination_and_updated_since(schema, lists):
    for route, _url in lists:
        operation = schema["paths"]["/" + route.template]["get"]
        parameters = {p["name"]: p for p in operation.get("parameters", [])}
        assert {"cursor", "page_size", "updated_since"} <= parameters.keys(), route.template
        page_size = parameters["page_size"]["schema"]
        assert (page_size["minimum"], page_size["maximum"]) == (1, 500), route.template
        assert parameters["updated_since"]["schema"]["format"] == "date-time", route.template


def test_every_list_honours_updated_since(api, lists):
    for route, url in lists:
        everything = api.get(url).json()["results"]
        assert api.get(with_query(url, updated_since=FUTURE)).json()["results"] == [], route
        since_2000 = api.get(with_query(url, updated_since="2000-01-01T00:00:00Z"))
        assert since_2000.json()["results"] == everything, route.template
        assert_query_error(api.get(with_query(url, updated_since="yesterday")), "updated_since")
        assert_query_error(
            api.get(with_query(url, updated_since="2025-07-21T06:00:00")), "updated_since"
        )


def test_invalid_filter_values_are_refused_on_every_list(schema, api, lists):
    checked = 0
    for route, url in lists:
        operation = schema["paths"]["/" + route.template]["get"]
        for parameter in operation.get("parameters", []):
            if parameter["in"] != "query" or parameter["name"] in ("cursor", "page_size"):
                continue
            spec = parameter["schema"]
            spec = spec.get("items", spec) if spec.get("type") == "array" else spec
            value: str | None = "not-a-choice"
            if "enum" not in spec:
                value = INVALID_BY_TYPE.get(spec.get("format") or spec.get("type"))
            if value is None:
                continue  # free text filters accept any value
            assert_query_error(
                api.get(with_query(url, **{parameter["name"]: value})), parameter["name"]
            )
            checked += 1
    assert checked >= 15, checked


def test_every_page_is_reachable_by_following_next(api, partner):
    for _ in range(7):
        make_shipment(partner)
    url = "/api/v1/shipments/?page_size=2"
    seen: list[str] = []
    while url:
        page = api.get(url).json()
        seen += [row["reference"] for row in page["results"]]
        url = page["next"]
    assert len(seen) == len(set(seen)) == 7
    assert "page_size=2" in json.dumps(api.get("/api/v1/shipments/?page_size=2").json()["next"])


def test_a_filter_set_is_built_only_when_the_query_names_a_filter(api, partner, monkeypatch):
    """Without filter parameters (a detail, an unfiltered list) the filter set is skipped: each
    filter would leave the queryset as it is; with one, it filters as before."""
    from shipments.api.filters import ShipmentFilter

    inbound = make_shipment(partner)
    make_shipment(partner, kind="direct")
    built: list[str] = []
    original = ShipmentFilter.__init__

    def counting_init(self, *args: Any, **kwargs: Any) -> None:
        built.append(type(self).__name__)
        original(self, *args, **kwargs)

    monkeypatch.setattr(ShipmentFilter, "__init__", counting_init)
    assert api.get(f"/api/v1/shipments/{inbound.reference}/").status_code == 200
    assert len(api.get("/api/v1/shipments/?page_size=5").json()["results"]) == 2
    assert built == []
    filtered = api.get("/api/v1/shipments/?kind=inbound").json()["results"]
    assert [s["reference"] for s in filtered] == [inbound.reference]
    assert built == ["ShipmentFilter"]
    assert api.get("/api/v1/shipments/?at_risk=maybe").status_code == 400


def test_an_empty_query_string_is_not_checked_against_the_views_parameters(
    api, partner, monkeypatch
):
    """Nothing to refuse without parameters (every detail, a first page): the allowed names
    are not worked out; with any parameter they are, as before."""
    from tradehub.api import queries

    asked: list[object] = []
    original = queries.allowed_parameters

    def counted(view, request):
        asked.append(view)
        return original(view, request)

    monkeypatch.setattr(queries, "allowed_parameters", counted)
    for path in ("/api/v1/products/", "/api/v1/products/?", "/api/v1/alerts/"):
        assert api.get(path).status_code == 200
    assert asked == []
    assert api.get("/api/v1/products/?page_size=1").status_code == 200
    assert api.get("/api/v1/products/?=x").status_code == 400
    assert api.get("/api/v1/alerts/?stauts=open").status_code == 400
    assert len(asked) == 3


UPDATED_SINCE_VALUES = [
    "2025-07-21T06:00:00+05:00",
    "2025-07-21T06:00:00Z",
    "2025-07-21 06:00:00.123456-19:01",
    FUTURE,
    "0001-01-01T00:00+05:00",  # before year 1 in UTC
    "2025-07-21T06:00:00",  # no offset
    "yesterday",
    "2025-13-40T99:00:00Z",
    "",
    " 2025-07-21T06:00:00+05:00 ",
]


@pytest.mark.parametrize("value", UPDATED_SINCE_VALUES)
def test_an_updated_since_poll_filters_and_refuses_as_the_filter_set_does(value, rf):
    """`?updated_since=` alone skips the filter set (`updated_since`): the same SQL, or the same
    400 (message, code, pointer), as django-filter's backend gives through the form, for every
    filter set that inherits the shared filter."""
    from django_filters.rest_framework import DjangoFilterBackend
    from rest_framework.exceptions import ValidationError
    from rest_framework.request import Request

    from tradehub.api.filters import UpdatedSinceFilterSet
    from tradehub.api.queries import StrictFilterBackend, asks_for_updated_since_only

    def outcome(backend: Any, filterset: Any, request: Request) -> Any:
        view = type("View", (), {"filterset_class": filterset})()
        queryset = filterset._meta.model.objects.all()
        try:
            return str(backend.filter_queryset(request, queryset, view).query)
        except ValidationError as exc:
            detail: Any = exc.detail
            detail = detail.get("query", detail)
            return {key: [(str(e), e.code) for e in errors] for key, errors in detail.items()}

    filtersets = [
        cls for cls in _subclasses(UpdatedSinceFilterSet) if getattr(cls._meta, "model", None)
    ]
    assert len(filtersets) >= 8
    for filterset in filtersets:
        request = Request(rf.get("/api/v1/x/", {"updated_since": value}))
        shared = (
            filterset.base_filters["updated_since"]
            is (UpdatedSinceFilterSet.declared_filters["updated_since"])
        )
        assert asks_for_updated_since_only(request, filterset) is shared
        assert outcome(StrictFilterBackend(), filterset, request) == outcome(
            DjangoFilterBackend(), filterset, request
        )
    paged = Request(rf.get("/api/v1/x/", {"updated_since": value, "page_size": "5", "kind": "x"}))
    from shipments.api.filters import ShipmentFilter

    assert not asks_for_updated_since_only(paged, ShipmentFilter)


def _subclasses(cls: type) -> list[Any]:
    found: list[Any] = []
    for sub in cls.__subclasses__():
        found += [sub, *_subclasses(sub)]
    return found
