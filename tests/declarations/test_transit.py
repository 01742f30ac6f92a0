"""EAEU customs transit from the border post to Almaty: declared with route, seals and deadline;
opened by release, arrived when presented (by customs, the carrier or the inbound shipment's
event), completed by the office of destination; then its goods are a stock at Almaty."""

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from declarations import services
from declarations.choices import DeclarationStatus as S
from declarations.choices import TransitStatus as T
from declarations.models import Declaration
from declarations.states import Message, fold_customs_messages
from gateways.simulated import engine as simulated
from tests.declarations.factories import payload, validated

pytestmark = pytest.mark.django_db

NOW = timezone.now() - dt.timedelta(hours=1)


def transit_body(**overrides: Any) -> dict[str, Any]:
    body = payload(
        lrn=overrides.pop("lrn", "TR-KHORGOS-1"),
        procedure="transit",
        office="50903",
        border_crossing="KZHOR",
        documents=[{"type": "phytosanitary_certificate", "number": "PH-1"}],
        transit={
            "destination_office": "50510",
            "route": ["KZHOR", "KZALA"],
            "navigation_seals": ["KZ-ENP-0001234"],
            "delivery_deadline": (NOW + dt.timedelta(days=2)).isoformat(),
        },
    )
    body.update(overrides)
    return body


def post(declaration: Declaration, message_id: str, type: str, minutes: int, **data: Any):
    services.receive_customs_message(
        declaration,
        message_id=message_id,
        type=type,
        occurred_at=NOW + dt.timedelta(minutes=minutes),
        **data,
    )
    return services.apply_customs_messages(declaration)


_lrns = iter(range(1, 10**6))


def opened_transit(partner: Any = None, deadline: dt.datetime | None = None) -> Declaration:
    from tests.factories import PartnerFactory

    body = transit_body(lrn=f"TR-KHORGOS-{next(_lrns)}")
    declaration = services.create_declaration(
        partner=partner or PartnerFactory.create(), data=validated(body), actor="t"
    )
    declaration = services.submit(declaration, actor="t")
    post(
        declaration,
        f"{declaration.pk}-a",
        "accepted",
        1,
        number=f"50903/010126/{declaration.pk:07d}",
    )
    extra = {"delivery_deadline": deadline} if deadline else {}
    return post(declaration, f"{declaration.pk}-r", "released", 2, **extra)


def test_a_transit_is_declared_with_its_offices_route_seals_and_deadline(api):
    response = api.post("/api/v1/declarations/", transit_body(), format="json")
    assert response.status_code == 201, response.json()
    transit = response.json()["transit"]
    assert transit["status"] == "declared" and transit["overdue"] is False
    assert (transit["departure_office"], transit["destination_office"]) == ("50903", "50510")
    assert transit["route"] == ["KZHOR", "KZALA"]
    assert transit["navigation_seals"] == ["KZ-ENP-0001234"]
    assert transit["seals"] == ["CN 778812"]
    assert transit["transit_number"] is None


@pytest.mark.parametrize(
    ("overrides", "pointer"),
    [
        ({"transit": None}, "/transit"),
        ({"procedure": "import", "lrn": "NOT-TR"}, "/transit"),
        (
            {
                "transit": {
                    "destination_office": "50903",
                    "delivery_deadline": NOW.isoformat(),
                }
            },
            "/transit/destination_office",
        ),
        (
            {
                "transit": {
                    "destination_office": "50510",
                    "delivery_deadline": NOW.isoformat(),
                    "route": ["KZHOR", "XXXXX"],
                }
            },
            "/transit/route/1",
        ),
    ],
)
def test_a_bad_transit_block_is_400_with_a_pointer(api, overrides, pointer):
    response = api.post("/api/v1/declarations/", transit_body(**overrides), format="json")
    assert response.status_code == 400, response.json()
    assert pointer in [e["pointer"] for e in response.json()["errors"]]
    assert not Declaration.objects.exists()


def test_release_opens_the_transit_with_the_deadline_customs_sets():
    deadline = NOW + dt.timedelta(hours=30)
    declaration = opened_transit(deadline=deadline)
    transit = declaration.transit
    transit.refresh_from_db()
    assert declaration.status == S.RELEASED
    assert transit.status == T.OPENED and transit.delivery_deadline == deadline
    assert transit.opened_at == NOW + dt.timedelta(minutes=2)
    types = list(declaration.events.values_list("type", flat=True))
    assert "transit_opened" in types


def test_without_a_deadline_from_customs_the_one_asked_applies():
    declaration = opened_transit()
    transit = declaration.transit
    assert transit.delivery_deadline == transit.requested_deadline


def test_the_carrier_reports_arrival_and_the_simulated_office_completes_the_transit(api, partner):
    declaration = opened_transit(partner)
    response = api.post(f"/api/v1/transits/{declaration.reference}/arrival/", {}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "arrived"
    simulated.complete_transit(declaration.pk)
    detail = api.get(f"/api/v1/transits/{declaration.reference}/").json()
    assert detail["status"] == "completed" and detail["completed_at"]
    item = declaration.goods_items.get(sequence=1)
    assert item.storage_place.startswith("Temporary storage warehouse of 50510")
    stock = api.get(f"/api/v1/declarations/{declaration.reference}/stock/").json()
    assert stock["available"] is True


def test_arrival_of_a_transit_not_opened_is_409(api, partner):
    created = api.post("/api/v1/declarations/", transit_body(), format="json").json()
    response = api.post(f"/api/v1/transits/{created['reference']}/arrival/", {}, format="json")
    assert response.status_code == 409


def test_transit_facts_do_not_depend_on_the_order_they_arrive_in():
    accepted = Message("a", "accepted", NOW, number="N")
    released = Message("r", "released", NOW + dt.timedelta(minutes=1))
    arrived = Message("t1", "transit_arrived", NOW + dt.timedelta(hours=20))
    completed = Message("t2", "transit_completed", NOW + dt.timedelta(hours=21))
    in_order = fold_customs_messages([accepted, released, arrived, completed]).state
    reversed_ = fold_customs_messages([completed, arrived, released, accepted]).state
    assert in_order == reversed_
    assert in_order.transit_arrived_at == arrived.occurred_at
    assert in_order.transit_completed_at == completed.occurred_at
    # A completion alone implies the arrival; facts before the release are ignored.
    early = Message("t0", "transit_arrived", NOW - dt.timedelta(minutes=5))
    state = fold_customs_messages([accepted, early, released, completed]).state
    assert state.transit_arrived_at == completed.occurred_at


def test_the_transit_list_filters_overdue_transits(api, partner):
    late = opened_transit(partner, deadline=NOW - dt.timedelta(hours=1))
    on_time = opened_transit(partner, deadline=NOW + dt.timedelta(days=1))
    listed = api.get("/api/v1/transits/", {"overdue": "true"}).json()["results"]
    assert [t["declaration"] for t in listed] == [late.reference]
    assert listed[0]["overdue"] is True
    others = api.get("/api/v1/transits/", {"overdue": "false"}).json()["results"]
    assert [t["declaration"] for t in others] == [on_time.reference]


def test_a_completed_transit_is_a_stock_for_a_customs_warehouse_declaration(partner):
    from decimal import Decimal

    declaration = opened_transit(partner)
    post(declaration, "done", "transit_completed", 600, storage_place="TSW Almaty-1")
    warehouse = services.draw_from_stock(
        declaration,
        partner=partner,
        procedure="customs_warehouse",
        lines=[(1, Decimal("6000.000"), 1200), (2, Decimal("4000.000"), 800)],
        actor="t",
    )
    assert warehouse.parent == declaration and warehouse.procedure == "customs_warehouse"
    assert warehouse.goods_items.get(sequence=1).storage_place == "TSW Almaty-1"
    declaration.refresh_from_db()
    assert declaration.status == S.DISTRIBUTED
