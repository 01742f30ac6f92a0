"""Beat sweeps: expired lots, lots running short, overdue shipments (bounded batches)."""

import datetime as dt

import pytest

from shipments.models import Lot, Shipment
from shipments.services import housekeeping
from shipments.tasks import (
    mark_expired_lots_task,
    mark_lots_at_risk_task,
    mark_overdue_shipments_task,
)
from tests.shipments.factories import make_shipment
from tradehub.celery import app

pytestmark = pytest.mark.django_db

TODAY = dt.date.today()


def test_beat_runs_the_shipment_sweeps():
    tasks = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert {
        "shipments.tasks.mark_expired_lots_task",
        "shipments.tasks.mark_lots_at_risk_task",
        "shipments.tasks.mark_overdue_shipments_task",
    } <= tasks


def test_lots_past_their_shelf_life_are_marked_expired(partner, products):
    old = make_shipment(
        partner, lots=[{"product": "cherry-tomato", "packed_on": TODAY - dt.timedelta(days=20)}]
    )
    fresh = make_shipment(partner, lots=[{"product": "kiwifruit", "packed_on": TODAY}])
    Lot.objects.update(condition="ok")
    assert mark_expired_lots_task() == 1
    assert Lot.objects.get(shipment=old).condition == "expired"
    assert Lot.objects.get(shipment=fresh).condition == "ok"
    assert mark_expired_lots_task() == 0


def test_expiry_sweep_is_bounded(partner, products):
    make_shipment(
        partner, lots=[{"product": "cherry-tomato", "packed_on": TODAY - dt.timedelta(days=20)}] * 5
    )
    Lot.objects.update(condition="ok")
    assert housekeeping.mark_expired_lots(batch_size=2) == 2
    assert Lot.objects.filter(condition="expired").count() == 2


def test_lots_running_short_become_at_risk(partner, products):
    make_shipment(
        partner, lots=[{"product": "cherry-tomato", "packed_on": TODAY - dt.timedelta(days=12)}]
    )
    Lot.objects.update(condition="ok")
    assert mark_lots_at_risk_task() == 1
    assert Lot.objects.get().condition == "at_risk"


def test_shipments_past_their_eta_are_flagged_overdue(partner, products):
    now = dt.datetime.now(dt.UTC)
    late = make_shipment(
        partner,
        planned_departure=now - dt.timedelta(days=3),
        planned_arrival=now - dt.timedelta(hours=1),
    )
    on_time = make_shipment(
        partner, planned_departure=now, planned_arrival=now + dt.timedelta(days=1)
    )
    arrived = make_shipment(
        partner,
        planned_departure=now - dt.timedelta(days=3),
        planned_arrival=now - dt.timedelta(hours=1),
    )
    Shipment.objects.filter(pk=arrived.pk).update(status="arrived")
    assert mark_overdue_shipments_task() == 1
    assert set(Shipment.objects.filter(is_overdue=True)) == {late}
    assert not Shipment.objects.get(pk=on_time.pk).is_overdue
    assert mark_overdue_shipments_task() == 0


def test_sweeps_bump_the_shipment_so_updated_since_pollers_see_it(partner, products):
    shipment = make_shipment(
        partner, lots=[{"product": "cherry-tomato", "packed_on": TODAY - dt.timedelta(days=20)}]
    )
    Lot.objects.update(condition="ok")
    before = Shipment.objects.get(pk=shipment.pk).updated_at
    mark_expired_lots_task()
    assert Shipment.objects.get(pk=shipment.pk).updated_at > before


def test_at_risk_sweep_reaches_long_keeping_products(partner, products):
    # Garlic keeps 195 days: with 45 days left it is under a quarter of its life.
    make_shipment(
        partner, lots=[{"product": "garlic", "packed_on": TODAY - dt.timedelta(days=150)}]
    )
    Lot.objects.update(condition="ok")
    assert mark_lots_at_risk_task() == 1
    assert Lot.objects.get().condition == "at_risk"
