"""Tracking events: idempotent intake, history in event time, status/ETA derived from actual events."""

import datetime as dt
import json
from typing import Any

import pytest

from shipments.models import Shipment, TrackingEvent
from shipments.services.tracking import derive_status
from shipments.tasks import derive_shipment_status_task
from tests.shipments.factories import make_shipment

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 7, 15, 2, 0, tzinfo=dt.UTC)


def at(hours: float) -> str:
    return (T0 + dt.timedelta(hours=hours)).isoformat()


def ev(
    event_id: str, type_: str, hours: float, location: str | None = None, classifier: str = "actual"
) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "type": type_,
        "classifier": classifier,
        "occurred_at": at(hours),
        "location": location,
        "details": {},
    }


@pytest.fixture
def shipment(partner, products) -> Shipment:
    return make_shipment(
        partner,
        legs=[("rail", "CNURM", "KZHOR"), ("rail", "KZHOR", "KZALA")],
        planned_departure=T0,
        planned_arrival=T0 + dt.timedelta(hours=96),
    )


def post(api, shipment: Shipment, events: list[dict[str, Any]]):
    return api.post(f"/api/v1/shipments/{shipment.reference}/events/", events, format="json")


JOURNEY = [
    ev("e1", "departed", 0, "CNURM"),
    ev("e2", "arrived", 30, "KZHOR"),
    ev("e3", "border_crossed", 31, "KZHOR"),
    ev("e4", "customs_hold", 32, "KZHOR"),
    ev("e5", "customs_released", 40, "KZHOR"),
    ev("e6", "departed", 41, "KZHOR"),
    ev("e7", "arrived", 70, "KZALA"),
]


def test_events_are_idempotent_on_event_id(api, shipment):
    first = post(api, shipment, JOURNEY[:3])
    assert first.status_code == 202
    assert first.json() == {"accepted": 3, "duplicates": 0, "conflicts": 0}
    again = post(api, shipment, JOURNEY[:4])
    assert again.json() == {"accepted": 1, "duplicates": 3, "conflicts": 0}
    assert TrackingEvent.objects.filter(shipment=shipment).count() == 4


def test_event_id_repeated_inside_one_batch_counts_once(api, shipment):
    response = post(api, shipment, [JOURNEY[0], JOURNEY[0]])
    assert response.json() == {"accepted": 1, "duplicates": 1, "conflicts": 0}


def test_out_of_order_and_repeated_events_derive_the_same_status_and_leg_times(api, shipment):
    post(api, shipment, [JOURNEY[6], JOURNEY[2], JOURNEY[0]])
    post(api, shipment, [JOURNEY[4], JOURNEY[1], JOURNEY[5], JOURNEY[3], JOURNEY[6]])
    assert derive_status(shipment.pk) == "arrived"
    shipment.refresh_from_db()
    legs = list(shipment.legs.order_by("sequence"))
    assert legs[0].actual_departure == T0
    assert legs[0].actual_arrival == T0 + dt.timedelta(hours=30)
    assert legs[1].actual_departure == T0 + dt.timedelta(hours=41)
    assert legs[1].actual_arrival == T0 + dt.timedelta(hours=70)
    assert shipment.actual_arrival == T0 + dt.timedelta(hours=70)
    assert shipment.estimated_arrival == shipment.actual_arrival
    assert not shipment.is_overdue


@pytest.mark.parametrize(
    ("count", "status"),
    [
        (0, "booked"),
        (1, "in_transit"),
        (2, "in_transit"),
        (3, "at_border"),
        (4, "customs_hold"),
        (5, "in_transit"),
        (6, "in_transit"),
        (7, "arrived"),
    ],
)
def test_status_follows_the_latest_actual_event(api, shipment, count, status):
    if count:
        post(api, shipment, list(reversed(JOURNEY[:count])))
    assert derive_shipment_status_task(shipment.pk) == status


def test_a_late_event_lands_in_its_place_in_time(api, shipment):
    post(api, shipment, [JOURNEY[0], JOURNEY[3]])
    assert derive_status(shipment.pk) == "customs_hold"
    # The release happened earlier than the hold was reported? No: a late *earlier* event must
    # not override a later one.
    post(api, shipment, [ev("late", "border_crossed", 31, "KZHOR")])
    assert derive_status(shipment.pk) == "customs_hold"


def test_planned_and_estimated_events_do_not_change_status_but_estimates_move_the_eta(
    api, shipment
):
    post(api, shipment, [JOURNEY[0], ev("eta1", "arrived", 100, "KZALA", "estimated")])
    assert derive_status(shipment.pk) == "in_transit"
    shipment.refresh_from_db()
    assert shipment.estimated_arrival == T0 + dt.timedelta(hours=100)
    post(
        api,
        shipment,
        [
            ev("eta2", "arrived", 90, "KZALA", "estimated"),
            ev("plan", "delivered", 200, "KZALA", "planned"),
        ],
    )
    derive_status(shipment.pk)
    shipment.refresh_from_db()
    assert shipment.status == "in_transit"
    assert shipment.estimated_arrival == T0 + dt.timedelta(hours=90)
    # An estimate for an intermediate stop is not the arrival at destination.
    post(api, shipment, [ev("eta3", "arrived", 20, "KZHOR", "estimated")])
    derive_status(shipment.pk)
    shipment.refresh_from_db()
    assert shipment.estimated_arrival == T0 + dt.timedelta(hours=90)


def test_delivered_is_final_and_exception_is_recoverable(api, shipment):
    post(api, shipment, [JOURNEY[0], ev("x", "exception", 5), ev("d", "departed", 6, "KZHOR")])
    assert derive_status(shipment.pk) == "in_transit"
    post(api, shipment, [ev("del", "delivered", 80, "KZALA"), ev("door", "door_opened", 81)])
    assert derive_status(shipment.pk) == "delivered"
    post(api, shipment, [ev("after", "exception", 90)])
    assert derive_status(shipment.pk) == "delivered"


def test_history_is_returned_in_event_time_order(api, shipment):
    post(api, shipment, [JOURNEY[2], JOURNEY[0], JOURNEY[1]])
    response = api.get(f"/api/v1/shipments/{shipment.reference}/events/")
    assert response.status_code == 200
    results = response.json()["results"]
    assert [e["event_id"] for e in results] == ["e1", "e2", "e3"]
    assert results[0]["location"] == "CNURM"
    assert set(results[0]) >= {
        "event_id",
        "type",
        "classifier",
        "occurred_at",
        "location",
        "details",
    }


@pytest.mark.parametrize(
    ("events", "pointer"),
    [
        ([ev("a", "teleported", 1)], "/0/type"),
        ([ev("a", "departed", 1), ev("b", "departed", 1, "ZZZZZ")], "/1/location"),
        ([{"type": "departed", "classifier": "actual", "occurred_at": at(1)}], "/0/event_id"),
        ([ev("a", "departed", 1, classifier="guessed")], "/0/classifier"),
        ([{**ev("a", "departed", 1), "occurred_at": "yesterday"}], "/0/occurred_at"),
    ],
)
def test_invalid_events_are_rejected_whole(api, shipment, events, pointer):
    response = post(api, shipment, events)
    assert response.status_code == 400
    assert pointer in [e["pointer"] for e in response.json()["errors"]]
    assert not TrackingEvent.objects.exists()


def test_more_than_1000_events_is_too_large(api, shipment):
    response = post(api, shipment, [ev(f"e{i}", "door_opened", 1) for i in range(1001)])
    assert response.status_code == 413
    assert not TrackingEvent.objects.exists()


def test_1000_events_are_accepted(api, shipment):
    response = post(api, shipment, [ev(f"e{i}", "door_opened", i / 10) for i in range(1000)])
    assert response.json() == {"accepted": 1000, "duplicates": 0, "conflicts": 0}


def test_event_details_that_jsonb_cannot_store_are_400(api, shipment):
    body = json.dumps([{**JOURNEY[0], "details": {"note": "a\ud800b"}}])
    response = api.post(
        f"/api/v1/shipments/{shipment.reference}/events/", body, content_type="application/json"
    )
    assert response.status_code == 400  # refused by the JSON parser or by the serializer
    assert not TrackingEvent.objects.exists()


def test_status_change_puts_a_shipment_webhook_in_the_outbox_once(api, partner, shipment):
    from tests.notifications.factories import WebhookSubscriptionFactory
    from tradehub.notifications.models import OutboundMessage

    WebhookSubscriptionFactory(partner=partner, events=["shipment.status_changed"])
    post(api, shipment, [JOURNEY[0]])
    derive_status(shipment.pk)
    derive_status(shipment.pk)  # nothing changed: nothing new to send
    messages = OutboundMessage.objects.filter(event_type="shipment.status_changed")
    assert messages.count() == 1
    data = messages.get().payload["data"]
    assert data["reference"] == shipment.reference
    assert (data["previous_status"], data["status"]) == ("booked", "in_transit")
    assert data["event_id"] == "e1"


def test_resending_an_event_id_with_other_content_is_a_409_naming_the_stored_version(api, shipment):
    assert post(api, shipment, [JOURNEY[0]]).status_code == 202
    changed = {**JOURNEY[0], "occurred_at": "2025-07-01T09:00:00+05:00"}
    fresh = {**JOURNEY[1], "event_id": "NEW-1"}
    response = post(api, shipment, [fresh, changed])
    assert response.status_code == 409, response.content
    body = response.json()
    assert response["Content-Type"] == "application/problem+json"
    assert body["errors"][0]["pointer"] == "/1"
    assert body["errors"][0]["code"] == "event_conflict"
    (conflict,) = body["conflicts"]
    assert conflict["event_id"] == JOURNEY[0]["event_id"]
    assert conflict["stored"]["type"] == JOURNEY[0]["type"]
    assert conflict["stored"]["occurred_at"].endswith("+05:00")  # the documented zone
    # All or nothing: the new event of the refused batch was not stored either.
    assert not shipment.events.filter(event_id="NEW-1").exists()
    # The same content again is still a harmless duplicate.
    assert post(api, shipment, [JOURNEY[0]]).json() == {
        "accepted": 0,
        "duplicates": 1,
        "conflicts": 0,
    }


def test_one_event_id_twice_in_a_batch_with_different_content_is_a_409(api, shipment):
    other = {**JOURNEY[0], "details": {"note": "different"}}
    response = post(api, shipment, [JOURNEY[0], other])
    assert response.status_code == 409
    assert response.json()["conflicts"][0]["same_as_index"] == 0
    assert response.json()["errors"][0]["pointer"] == "/1"
    assert not shipment.events.exists()
