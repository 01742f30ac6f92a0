"""Tenancy proof: walks every route of /api/v1/ from the URL conf, so a new endpoint is covered.

For every route with a lookup in its path, partner A owns an object (made by the factory
registered for the route's resource) and partner B tries every method on it: B must get
403/404/405 — the very same status as for an object that does not exist, so nothing leaks — and
A's object must be unchanged afterwards. A route whose resource has no factory registered FAILS
the test: whoever adds an endpoint must say how to make an object for it (or declare it shared
reference data). Every list route is read by B while A owns one object of every kind: none of
A's references may appear. Server-owned fields sent by clients never take effect.
"""

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.db import models
from django.forms.models import model_to_dict
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern, RoutePattern

from declarations.models import Declaration, DeclarationVersion, Document
from shipments.models import Shipment
from tests.declarations.factories import DocumentFactory
from tests.factories import PartnerFactory
from tests.notifications.factories import WebhookSubscriptionFactory
from tests.shipments.factories import make_shipment, released_declaration
from tradehub.notifications.models import WebhookSubscription
from tradehub.partners.models import Partner

API_PREFIX = "api/v1/"
METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")
MISSING = {"reference": "ZZZ-0000000000", "code": "ZZZZZZZZ", "version": 999999, "sequence": 999}
# Statuses that reveal nothing about another partner's object.
DENIED = {403, 404, 405}


@dataclass(frozen=True)
class Route:
    """One URL pattern of the API: its template (`api/v1/shipments/{reference}/events/`)."""

    template: str
    methods: tuple[str, ...]
    view: Any

    @property
    def kwargs(self) -> tuple[str, ...]:
        return tuple(re.findall(r"\{(\w+)\}", self.template))

    @property
    def resource(self) -> str:
        """The collection the route belongs to (first segment after the prefix)."""
        return self.template.removeprefix(API_PREFIX).split("/", 1)[0]

    def url(self, **values: Any) -> str:
        return "/" + self.template.format(**values)


def _template(pattern: Any) -> str:
    if isinstance(pattern, RoutePattern):
        return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", str(pattern))
    assert isinstance(pattern, RegexPattern), pattern
    regex = str(pattern).lstrip("^").rstrip("$").replace("\\Z", "")
    regex = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", regex)
    return regex.replace("\\.", ".").replace("\\-", "-")


def _methods(callback: Any) -> tuple[str, ...]:
    actions = getattr(callback, "actions", None)
    if actions:
        # DRF answers HEAD wherever it answers GET.
        return tuple(
            m for m in METHODS if m.lower() in actions or (m == "HEAD" and "get" in actions)
        )
    view_class = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    allowed = getattr(view_class, "http_method_names", [])
    served = {m for m in METHODS if m.lower() in allowed and hasattr(view_class, m.lower())}
    if "GET" in served and "head" in allowed:
        served.add("HEAD")
    return tuple(m for m in METHODS if m in served)


def walk(patterns: list[Any], prefix: str = "") -> Iterator[Route]:
    """Every URL pattern below `patterns`, depth first, as a Route."""
    for entry in patterns:
        template = prefix + _template(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from walk(entry.url_patterns, template)
        elif isinstance(entry, URLPattern):
            yield Route(template, _methods(entry.callback), entry.callback)


def api_routes() -> list[Route]:
    routes = [r for r in walk(get_resolver().url_patterns) if r.template.startswith(API_PREFIX)]
    assert routes, "the walk found no API routes"
    return routes


ROUTES = api_routes()
DETAIL_ROUTES = [r for r in ROUTES if r.kwargs]
LIST_ROUTES = [r for r in ROUTES if not r.kwargs and "GET" in r.methods]


# --- The registry: how to make an object of partner A for each resource ----------------------
# A factory takes the owner and returns (path kwargs, the objects to check for changes).
Made = tuple[dict[str, Any], list[models.Model]]


def make_declaration(owner: Partner) -> Made:
    declaration = released_declaration(owner)
    version = DeclarationVersion.objects.create(
        declaration=declaration, version=1, snapshot={"lrn": declaration.lrn}
    )
    document: Document = DocumentFactory(declaration=declaration, type="phytosanitary_certificate")  # type: ignore[assignment]
    document.file.save("phyto.pdf", ContentFile(b"%PDF-1.4\n%tenancy test\n"), save=True)
    kwargs = {"reference": declaration.reference, "version": 1, "position": 1}
    return kwargs, [declaration, version, document]


def make_shipment_of(owner: Partner) -> Made:
    shipment = make_shipment(owner)
    return {"reference": shipment.reference}, [shipment]


def make_checklist(owner: Partner) -> Made:
    """A regional shipment distributed from a customs warehouse, with its document checklist."""
    from decimal import Decimal

    from shipments.products import load_products
    from shipments.services import distribution
    from shipments.services.shipments import LotInput
    from tests.declarations.factories import stock_declaration
    from tests.shipments.factories import location, product

    load_products()
    warehouse = stock_declaration(owner)
    item = warehouse.goods_items.get(sequence=1)
    [shipment] = distribution.distribute(
        warehouse,
        [
            distribution.DistributionShipment(
                destination=location("KGFRU"),
                lines=[LotInput(product("cherry-tomato"), Decimal("100"), 10, goods_item=item)],
            )
        ],
        actor="system",
    )
    entries = list(shipment.required_documents.all())
    return {"reference": shipment.reference, "sequence": 2}, [*entries, shipment]


def make_transit(owner: Partner) -> Made:
    """An opened EAEU transit from Khorgos to Almaty."""
    from tests.declarations.test_transit import opened_transit

    declaration = opened_transit(owner)
    return {"reference": declaration.reference}, [declaration.transit, declaration]


def make_webhook(owner: Partner) -> Made:
    subscription: WebhookSubscription = WebhookSubscriptionFactory(partner=owner)  # type: ignore[assignment]
    return {"reference": subscription.reference}, [subscription]


def make_alert(owner: Partner) -> Made:
    from shipments.models import Alert  # the alerts app may land after this test

    shipment = make_shipment(owner)
    alert = Alert.objects.create(
        partner=owner,
        kind="temperature_excursion",
        severity="high",
        subject_type="shipment",
        subject_reference=shipment.reference,
        shipment=shipment,
        dedup_key=f"temperature_excursion:{shipment.reference}",
        message="Above 12 °C for 2 h",
    )
    return {"reference": alert.reference}, [alert, shipment]


def make_lot(owner: Partner) -> Made:
    """A lot of the owner's (re-route advice is looked up by its lot code)."""
    from shipments.products import load_products

    load_products()
    shipment = make_shipment(
        owner, lots=[{"product": "cherry-tomato", "lot_code": "TENANCY-LOT-1"}]
    )
    lot = shipment.lots.get()
    return {"lot_code": lot.lot_code}, [lot, shipment]


OWNED: dict[tuple[str, tuple[str, ...]], Callable[[Partner], Made]] = {
    ("declarations", ("reference",)): make_declaration,
    ("declarations", ("reference", "version")): make_declaration,
    ("declarations", ("reference", "position")): make_declaration,
    ("shipments", ("reference",)): make_shipment_of,
    ("shipments", ("reference", "sequence")): make_checklist,
    ("webhooks", ("reference",)): make_webhook,
    ("transits", ("reference",)): make_transit,
    ("alerts", ("reference",)): make_alert,
    ("lots", ("lot_code",)): make_lot,
}
# Shared, read-only reference data: the same for every partner by design.
SHARED = {
    ("hs-codes", ("code",)),
    ("locations", ("code",)),
    ("customs-offices", ("code",)),
    ("products", ("code",)),
}


def registry_key(route: Route) -> tuple[str, tuple[str, ...]]:
    return route.resource, route.kwargs


def snapshot(objects: list[models.Model]) -> list[Any]:
    """What is stored for the objects now (None for a deleted one)."""
    state = []
    for obj in objects:
        fresh = type(obj)._default_manager.filter(pk=obj.pk).first()
        state.append(model_to_dict(fresh) if fresh is not None else None)
    return state


def request(client: Any, method: str, url: str) -> Any:
    return client.generic(method, url, json.dumps({}), content_type="application/json")


# --- Tests ----------------------------------------------------------------------------------


def test_the_walk_covers_the_known_partner_resources():
    resources = {r.resource for r in ROUTES}
    assert {"declarations", "shipments", "telemetry", "webhooks"} <= resources
    templates = {r.template for r in ROUTES}
    assert "api/v1/declarations/{reference}/submit/" in templates
    assert "api/v1/shipments/{reference}/events/" in templates


@pytest.mark.parametrize("route", DETAIL_ROUTES, ids=lambda r: r.template)
def test_every_route_with_a_lookup_has_a_tenancy_factory(route):
    key = registry_key(route)
    assert key in OWNED or key in SHARED, (
        f"No tenancy factory for {route.template} (resource {key}): register one in OWNED in "
        "tests/api/test_tenancy.py (or add it to SHARED if it is reference data)."
    )
    if key in SHARED:
        assert set(route.methods) <= {"GET", "HEAD"}, (
            f"shared reference data must be read-only: {route}"
        )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "route", [r for r in DETAIL_ROUTES if registry_key(r) in OWNED], ids=lambda r: r.template
)
def test_another_partner_cannot_touch_the_object_with_any_method(
    route, api, other_api, partner, settings, tmp_path
):
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = True
    settings.MEDIA_ROOT = tmp_path
    kwargs, objects = OWNED[registry_key(route)](partner)
    url = route.url(**kwargs)
    missing_url = route.url(**{name: MISSING.get(name, "ZZZ-0000000000") for name in kwargs})
    before = snapshot(objects)
    for method in route.methods:
        response = request(other_api, method, url)
        for_missing = request(other_api, method, missing_url)
        assert response.status_code in DENIED, (method, url, response.status_code, response.content)
        assert response.status_code == for_missing.status_code, (method, url)
        for value in kwargs.values():
            if isinstance(value, str):
                assert value.encode() not in response.content, (method, url)
    assert snapshot(objects) == before, f"partner B changed partner A's object via {url}"
    if "GET" in route.methods:
        # The owner sees the object (403 only where a role, not tenancy, is missing).
        assert api.get(url).status_code in (200, 403), f"the owner cannot read {url}: factory?"


@pytest.mark.django_db
def test_no_list_returns_another_partners_objects(api, other_api, partner, settings, tmp_path):
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = True
    settings.MEDIA_ROOT = tmp_path
    references: set[str] = set()
    for factory in set(OWNED.values()):
        kwargs, _ = factory(partner)
        references.update(value for value in kwargs.values() if isinstance(value, str))
    for route in LIST_ROUTES:
        mine = api.get(route.url())
        assert mine.status_code == 200, route.template
        paginated = "next" in mine.json()
        theirs = other_api.get(route.url(), {"page_size": 500} if paginated else {})
        assert theirs.status_code == 200, route.template
        shown = json.dumps(theirs.json())
        leaked = [ref for ref in references if ref in shown]
        assert not leaked, f"{route.template} shows partner A's {leaked} to partner B"


@pytest.mark.django_db
def test_list_filters_do_not_reach_another_partners_objects(other_api, partner):
    declaration = released_declaration(partner)
    shipment = make_shipment(partner)
    assert other_api.get("/api/v1/declarations/", {"lrn": declaration.lrn}).json()["results"] == []
    for route in LIST_ROUTES:
        # No list filters by `reference`: the strict query check refuses it (400), which
        # reveals nothing either.
        response = other_api.get(route.url(), {"reference": shipment.reference})
        assert response.status_code in (200, 400), route.template
        body = response.json()
        assert shipment.reference not in json.dumps(body.get("results", body))


# --- Mass assignment --------------------------------------------------------------------------

SERVER_OWNED = {
    "status": "released",
    "number": "50510/010125/0000001",
    "channel": "green",
    "partner": "PTR-FORGED0000",
    "reference": "DEC-FORGED0000",
    "version": 7,
    "created_at": "2020-01-01T00:00:00+00:00",
}


def declaration_body(**overrides: Any) -> dict[str, Any]:
    from tests.declarations.factories import payload

    return payload(**overrides)


@pytest.mark.django_db
@pytest.mark.parametrize("field", sorted(SERVER_OWNED))
def test_server_owned_fields_cannot_be_set_on_create(api, partner, field):
    body = declaration_body(lrn=f"MASS-{field}")
    body[field] = SERVER_OWNED[field]
    response = api.post("/api/v1/declarations/", body, format="json")
    if response.status_code == 201:
        created = Declaration.objects.get(reference=response.json()["reference"])
        assert created.partner_id == partner.pk
        assert created.status == "draft"
        assert created.number is None or created.number == ""
        assert created.channel in (None, "")
        assert created.version == 1
        assert created.reference != SERVER_OWNED["reference"]
    else:
        assert response.status_code == 400, response.content
        assert response.json()["errors"][0]["pointer"] == f"/{field}"
        assert not Declaration.objects.filter(lrn=f"MASS-{field}").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("field", sorted(SERVER_OWNED))
def test_server_owned_fields_cannot_be_set_by_patch(api, partner, field):
    created = api.post("/api/v1/declarations/", declaration_body(lrn=f"P-{field}"), format="json")
    assert created.status_code == 201, created.content
    reference = created.json()["reference"]
    before = model_to_dict(Declaration.objects.get(reference=reference))
    response = api.patch(
        f"/api/v1/declarations/{reference}/", {field: SERVER_OWNED[field]}, format="json"
    )
    assert response.status_code in (200, 400), response.content
    after = model_to_dict(Declaration.objects.get(reference=reference))
    for name in ("status", "number", "channel", "partner", "reference", "version"):
        assert after.get(name) == before.get(name), name


@pytest.mark.django_db
def test_shipment_status_partner_and_reference_cannot_be_set(api, partner):
    from tests.shipments.factories import product

    product("cherry-tomato")
    body = {
        "kind": "inbound",
        "partner_reference": "MASS-SHP",
        "origin": "CNURM",
        "destination": "KZALA",
        "legs": [{"sequence": 1, "mode": "rail", "from": "CNURM", "to": "KZALA"}],
        "lots": [{"product": "cherry-tomato", "net_kg": "100.000", "packages": 10}],
        "status": "delivered",
        "partner": "PTR-FORGED0000",
        "reference": "SHP-FORGED0000",
    }
    response = api.post("/api/v1/shipments/", body, format="json")
    if response.status_code == 201:
        shipment = Shipment.objects.get(reference=response.json()["reference"])
        assert shipment.status == "booked"
        assert shipment.partner_id == partner.pk
        assert shipment.reference != "SHP-FORGED0000"
    else:
        assert response.status_code == 400, response.content
        assert not Shipment.objects.filter(partner=partner).exists()


@pytest.mark.django_db
def test_webhook_partner_and_secret_cannot_be_set(api, partner, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = True
    other: Partner = PartnerFactory()  # type: ignore[assignment]
    body = {
        "url": "https://hooks.example.com/x",
        "events": ["alert.created"],
        "partner": other.reference,
        "secret": "whsec_Zm9yZ2Vk",
        "reference": "WHK-FORGED0000",
    }
    response = api.post("/api/v1/webhooks/", body, format="json")
    if response.status_code == 201:
        subscription = WebhookSubscription.objects.get(reference=response.json()["reference"])
        assert subscription.partner_id == partner.pk
        assert subscription.secret != "whsec_Zm9yZ2Vk"
    else:
        assert response.status_code == 400, response.content
    assert not WebhookSubscription.objects.filter(partner=other).exists()
