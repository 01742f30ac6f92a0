"""The inbound shipment under an EAEU transit: its border crossing and arrival link to the
transit, arrival at the office of destination marks the transit arrived, and an overdue transit
raises an alert (high for perishables) that resolves once the goods are presented."""

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from declarations.choices import TransitStatus
from declarations.models import Declaration
from shipments.alerts import services as alert_services
from shipments.alerts.choices import AlertKind, AlertState
from shipments.models import Alert, TrackingEvent
from shipments.services import tracking
from tests.declarations.factories import MACHINE_PARTS
from tests.declarations.test_transit import opened_transit
from tests.shipments.factories import location, make_shipment

pytestmark = pytest.mark.django_db

H = dt.timedelta(hours=1)


def inbound(partner: Any, declaration: Declaration):
    items = declaration.goods_items.order_by("sequence")
    return make_shipment(
        partner,
        declaration=declaration,
        legs=[("rail", "CNURM", "KZHOR"), ("rail", "KZHOR", "KZALA")],
        lots=[{"product": "cherry-tomato", "goods_item": items[0], "net_kg": "6000.000"}],
    )


def report(shipment, events: list[tuple[str, str, dt.datetime, str]]) -> None:
    tracking.record_events(
        shipment,
        [
            tracking.TrackingEventInput(
                event_id=f"ev-{kind}-{at.isoformat()}",
                type=kind,
                classifier=classifier,
                occurred_at=at,
                location_id=location(code).pk,
            )
            for kind, classifier, at, code in events
        ],
    )
    tracking.derive_status(shipment.pk)


def test_border_crossing_and_arrival_link_to_the_transit_and_arrival_marks_it(partner):
    declaration = opened_transit(partner)
    shipment = inbound(partner, declaration)
    now = timezone.now()
    report(
        shipment,
        [
            ("departed", "actual", now - 50 * H, "CNURM"),
            ("border_crossed", "actual", now - 30 * H, "KZHOR"),
        ],
    )
    crossing = TrackingEvent.objects.get(shipment=shipment, type="border_crossed")
    assert crossing.transit == declaration.transit
    declaration.transit.refresh_from_db()
    assert declaration.transit.status == TransitStatus.OPENED
    arrived_at = now - 2 * H
    report(shipment, [("arrived", "actual", arrived_at, "KZALA")])
    transit = declaration.transit
    transit.refresh_from_db()
    assert transit.status == TransitStatus.ARRIVED and transit.arrived_at == arrived_at
    assert transit.arrival_source.startswith(f"shipment {shipment.reference}")
    assert TrackingEvent.objects.filter(shipment=shipment, transit=transit).count() == 2


def test_an_overdue_transit_raises_a_high_alert_for_perishables(partner, api):
    now = timezone.now()
    declaration = opened_transit(partner, deadline=now - 3 * H)
    shipment = inbound(partner, declaration)
    result = alert_services.scan_alerts(now)
    [alert] = [a for a in result.raised if a.kind == AlertKind.TRANSIT_OVERDUE]
    assert alert.severity == "high"
    assert alert.subject_type == "declaration" and alert.subject_reference == declaration.reference
    assert alert.shipment == shipment
    assert "3.0 h overdue" in alert.message
    listed = api.get("/api/v1/alerts/", {"kind": "transit_overdue"}).json()["results"]
    assert [a["reference"] for a in listed] == [alert.reference]
    # The goods are presented: the condition clears and the alert resolves.
    report(shipment, [("arrived", "actual", now - H, "KZALA")])
    alert_services.scan_alerts(now)
    alert.refresh_from_db()
    assert alert.state == AlertState.RESOLVED


def test_an_overdue_transit_of_machine_parts_is_medium(partner):
    now = timezone.now()
    declaration = opened_transit(partner, deadline=now - H)
    declaration.goods_items.update(commodity_code=MACHINE_PARTS["commodity_code"])
    alert_services.scan_alerts(now)
    alert = Alert.objects.get(kind=AlertKind.TRANSIT_OVERDUE)
    assert alert.severity == "medium"


def test_a_per_shipment_rescan_keeps_the_transit_alert_of_that_shipment(partner):
    now = timezone.now()
    declaration = opened_transit(partner, deadline=now - 3 * H)
    shipment = inbound(partner, declaration)
    alert_services.scan_alerts(now)
    alert_services.scan_alerts(now, shipment_ids=[shipment.pk])
    alert = Alert.objects.get(kind=AlertKind.TRANSIT_OVERDUE)
    assert alert.state == AlertState.OPEN
