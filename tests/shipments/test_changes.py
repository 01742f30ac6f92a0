"""Correcting (PATCH with If-Match) and cancelling a booked shipment; its history and webhooks."""

import datetime as dt
from typing import Any

import pytest

from declarations.models import Declaration
from shipments.models import Lot, Shipment
from shipments.services.tracking import derive_status
from tests.notifications.factories import WebhookSubscriptionFactory
from tests.shipments.factories import make_shipment, released_declaration
from tradehub.notifications.models import OutboundMessage

pytestmark = pytest.mark.django_db

UTC = dt.UTC
START = dt.datetime(2026, 7, 21, 1, 0, tzinfo=UTC)


@pytest.fixture
def booked(partner, products) -> Shipment:
    return make_shipment(
        partner,
        lots=[{"product": "cherry-tomato", "net_kg": "1000.000", "lot_code": "L1"}],
        planned_departure=START,
        planned_arrival=START + dt.timedelta(days=2),
        setpoint_c=8.0,
    )


@pytest.fixture
def declaration(partner, products) -> Declaration:
    return released_declaration(partner)


def url(shipment: Shipment, tail: str = "") -> str:
    return f"/api/v1/shipments/{shipment.reference}/{tail}"


def etag(api, shipment: Shipment) -> str:
    response = api.get(url(shipment))
    assert response.status_code == 200
    return response["ETag"]


def patch(api, shipment: Shipment, body: dict[str, Any], if_match: str | None = None):
    headers = {"HTTP_IF_MATCH": if_match} if if_match is not None else {}
    return api.patch(url(shipment), body, format="json", **headers)


def distribute(api, declaration: Declaration, net_kg: str) -> str:
    response = api.post(
        f"/api/v1/declarations/{declaration.reference}/distribution/",
        {
            "shipments": [
                {
                    "destination": "KZCIT",
                    "consignee": {"name": "Shymkent Fresh", "country": "KZ"},
                    "planned_departure": "2026-07-21T06:00:00+05:00",
                    "planned_arrival": "2026-07-22T18:00:00+05:00",
                    "lines": [{"goods_item": 1, "net_kg": net_kg, "packages": 100}],
                }
            ]
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    return response.json()["shipments"][0]["reference"]


def test_a_correction_without_if_match_is_428_and_changes_nothing(api, booked):
    response = patch(api, booked, {"setpoint_c": 10.0})
    assert response.status_code == 428
    assert response["Content-Type"] == "application/problem+json"
    booked.refresh_from_db()
    assert booked.setpoint_c == 8.0
    assert booked.version == 1


def test_a_stale_if_match_is_412_with_the_current_etag(api, booked):
    stale = etag(api, booked)
    assert patch(api, booked, {"setpoint_c": 9.0}, stale).status_code == 200
    response = patch(api, booked, {"setpoint_c": 12.0}, stale)
    assert response.status_code == 412
    assert response.json()["etag"] == etag(api, booked)
    booked.refresh_from_db()
    assert booked.setpoint_c == 9.0


def test_planned_times_setpoint_and_legs_are_corrected_and_the_old_version_kept(api, booked):
    body = {
        "setpoint_c": 10.5,
        "planned_departure": "2026-07-22T06:00:00+05:00",
        "planned_arrival": "2026-07-25T06:00:00+05:00",
        "legs": [
            {"sequence": 1, "mode": "road", "from": "CNURM", "to": "KZHOR"},
            {"sequence": 2, "mode": "rail", "from": "KZHOR", "to": "KZALA"},
        ],
    }
    response = patch(api, booked, body, etag(api, booked))
    assert response.status_code == 200, response.json()
    data = response.json()
    assert data["setpoint_c"] == 10.5
    assert data["version"] == 2
    assert response["ETag"] == etag(api, booked)
    assert [(leg["mode"], leg["from"], leg["to"]) for leg in data["legs"]] == [
        ("road", "CNURM", "KZHOR"),
        ("rail", "KZHOR", "KZALA"),
    ]
    booked.refresh_from_db()
    assert booked.planned_arrival == dt.datetime(2026, 7, 25, 1, 0, tzinfo=UTC)
    # No estimate came in by tracking events: the estimate follows the corrected plan.
    assert booked.estimated_arrival == booked.planned_arrival
    versions = api.get(url(booked, "versions/")).json()["results"]
    assert len(versions) == 1
    (kept,) = versions
    assert kept["version"] == 1
    assert kept["change"] == "corrected"
    assert set(kept["changed_fields"]) == {
        "setpoint_c",
        "planned_departure",
        "planned_arrival",
        "legs",
    }
    assert kept["snapshot"]["setpoint_c"] == 8.0
    assert [leg["mode"] for leg in kept["snapshot"]["legs"]] == ["rail"]


def test_a_correction_is_announced_by_webhook(api, partner, booked):
    WebhookSubscriptionFactory(partner=partner, events=["shipment.changed"])
    assert patch(api, booked, {"setpoint_c": 11.0}, etag(api, booked)).status_code == 200
    message = OutboundMessage.objects.get(event_type="shipment.changed")
    data = message.payload["data"]
    assert data["reference"] == booked.reference
    assert (data["change"], data["version"], data["changed_fields"]) == (
        "corrected",
        2,
        ["setpoint_c"],
    )


def test_planned_arrival_before_departure_is_400_and_changes_nothing(api, booked):
    response = patch(
        api, booked, {"planned_arrival": "2026-07-20T00:00:00+05:00"}, etag(api, booked)
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["pointer"] == "/planned_arrival"
    booked.refresh_from_db()
    assert booked.version == 1
    assert not booked.versions.exists()


def test_unknown_fields_are_refused(api, booked):
    response = patch(api, booked, {"destination": "KGFRU"}, etag(api, booked))
    assert response.status_code == 400
    assert response.json()["errors"][0]["pointer"] == "/destination"


def test_after_departure_a_correction_is_409_naming_why(api, booked):
    response = api.post(
        url(booked, "events/"),
        [
            {
                "event_id": "dep-1",
                "type": "departed",
                "classifier": "actual",
                "occurred_at": "2026-07-21T06:10:00+05:00",
                "location": "CNURM",
                "details": {},
            }
        ],
        format="json",
    )
    assert response.status_code == 202, response.json()
    derive_status(booked.pk)
    response = patch(api, booked, {"setpoint_c": 3.0}, etag(api, booked))
    assert response.status_code == 409
    body = response.json()
    assert body["errors"][0]["code"] == "shipment_not_booked"
    assert "departed at 2026-07-21T06:10:00+05:00" in body["detail"]
    assert body["current_status"] == "in_transit"
    cancel = api.post(url(booked, "cancel/"), {}, format="json")
    assert cancel.status_code == 409
    booked.refresh_from_db()
    assert (booked.setpoint_c, booked.status) == (8.0, "in_transit")


def test_lots_keep_their_history_when_only_the_quantity_changes(api, booked):
    lot = booked.lots.get()
    Lot.objects.filter(pk=lot.pk).update(consumed_fraction=0.25)
    body = {
        "lots": [
            {"product": "cherry-tomato", "lot_code": "L1", "net_kg": "800.000", "packages": 80},
            {"product": "table-grape", "lot_code": "G1", "net_kg": "200.000", "packages": 20},
        ]
    }
    response = patch(api, booked, body, etag(api, booked))
    assert response.status_code == 200, response.json()
    lots = {lot.lot_code: lot for lot in booked.lots.all()}
    assert set(lots) == {"L1", "G1"}
    assert lots["L1"].pk == lot.pk  # the same lot, with its shelf-life state
    assert lots["L1"].consumed_fraction == 0.25
    assert str(lots["L1"].net_kg) == "800.000"


def test_lots_of_a_distribution_stay_within_the_declaration(api, declaration):
    first = Shipment.objects.get(reference=distribute(api, declaration, "5000.000"))
    distribute(api, declaration, "1000.000")  # goods item 1 (6000 kg) is now fully drawn
    lots = [{"product": "cherry-tomato", "goods_item": 1, "net_kg": "5500.000", "packages": 100}]
    response = patch(api, first, {"lots": lots}, etag(api, first))
    assert response.status_code == 409
    assert response.json()["errors"][0]["code"] == "over_allocated"
    first.refresh_from_db()
    assert str(first.lots.get().net_kg) == "5000.000"
    # Less is fine, and it gives the rest back: the declaration is only partly distributed.
    lots[0]["net_kg"] = "4000.000"
    response = patch(api, first, {"lots": lots}, etag(api, first))
    assert response.status_code == 200, response.json()
    declaration.refresh_from_db()
    assert declaration.status == "partially_distributed"


def test_lots_naming_a_goods_item_the_declaration_lacks_are_400_per_line(api, declaration):
    first = Shipment.objects.get(reference=distribute(api, declaration, "1000.000"))
    lots = [
        {"product": "cherry-tomato", "goods_item": 7, "net_kg": "10.000"},
        {"product": "cherry-tomato", "goods_item": 1, "net_kg": "10.000"},
        {"product": "cherry-tomato", "goods_item": 9, "net_kg": "10.000"},
    ]
    response = patch(api, first, {"lots": lots}, etag(api, first))
    assert response.status_code == 400
    pointers = [error["pointer"] for error in response.json()["errors"]]
    assert pointers == ["/lots/0/goods_item", "/lots/2/goods_item"]


def test_cancel_gives_the_allocation_back_and_is_announced(api, partner, declaration):
    WebhookSubscriptionFactory(
        partner=partner, events=["shipment.status_changed", "shipment.changed"]
    )
    reference = distribute(api, declaration, "6000.000")
    shipment = Shipment.objects.get(reference=reference)
    response = api.post(
        url(shipment, "cancel/"),
        {"reason": "Buyer withdrew"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="cancel-1",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "cancelled"
    assert response["ETag"] == etag(api, shipment)
    # The same key replays the answer instead of a 409 for cancelling twice.
    replay = api.post(
        url(shipment, "cancel/"),
        {"reason": "Buyer withdrew"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="cancel-1",
    )
    assert replay.status_code == 200
    assert replay["Idempotent-Replayed"] == "true"
    again = api.post(url(shipment, "cancel/"), {}, format="json")
    assert again.status_code == 409
    assert "cancelled" in again.json()["detail"]
    # The 6000 kg are free again: all of it can go elsewhere.
    distribute(api, declaration, "6000.000")
    status_message = OutboundMessage.objects.get(event_type="shipment.status_changed")
    data = status_message.payload["data"]
    assert (data["previous_status"], data["status"], data["reason"]) == (
        "booked",
        "cancelled",
        "Buyer withdrew",
    )
    changed = OutboundMessage.objects.get(event_type="shipment.changed").payload["data"]
    assert (changed["change"], changed["status"]) == ("cancelled", "cancelled")
    (kept,) = api.get(url(shipment, "versions/")).json()["results"]
    assert (kept["change"], kept["reason"], kept["snapshot"]["status"]) == (
        "cancelled",
        "Buyer withdrew",
        "booked",
    )


def test_cancelling_moves_a_distributed_declaration_back_to_partly_distributed(
    api, partner, products
):
    declaration = released_declaration(partner, items=[("0702000000", "6000.000", 1200)])
    reference = distribute(api, declaration, "6000.000")
    declaration.refresh_from_db()
    assert declaration.status == "distributed"
    shipment = Shipment.objects.get(reference=reference)
    assert api.post(url(shipment, "cancel/"), {}, format="json").status_code == 200
    declaration.refresh_from_db()
    assert declaration.status == "partially_distributed"


def test_versions_list_honours_updated_since_and_refuses_unknown_parameters(api, booked):
    assert patch(api, booked, {"setpoint_c": 9.0}, etag(api, booked)).status_code == 200
    later = "2999-01-01T00:00:00+00:00"
    response = api.get(url(booked, "versions/"), {"updated_since": later})
    assert response.status_code == 200
    assert response.json()["results"] == []
    assert api.get(url(booked, "versions/"), {"nope": "1"}).status_code == 400


def test_another_partner_cannot_correct_or_cancel(other_api, api, booked):
    tag = etag(api, booked)
    assert patch(other_api, booked, {"setpoint_c": 1.0}, tag).status_code == 404
    assert other_api.post(url(booked, "cancel/"), {}, format="json").status_code == 404
    assert other_api.get(url(booked, "versions/")).status_code == 404
