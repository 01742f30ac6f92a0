"""Alert rules, raising through the outbox, auto-resolution, scan command, API and admin."""

import datetime as dt
from io import StringIO
from unittest import mock

import pytest
from django.core.management import call_command
from django.utils import timezone

from shipments.alerts import services
from shipments.alerts.choices import AlertKind, AlertState
from shipments.models import Alert, Excursion, Lot, Shipment, TrackingEvent
from tests.shipments.factories import make_shipment
from tradehub.notifications.models import DigestItem, OutboundMessage
from tradehub.notifications.services import subscribe_alert_email
from tradehub.partners.principals import actor_label
from tradehub.times import local_label

pytestmark = pytest.mark.django_db

H = dt.timedelta(hours=1)


@pytest.fixture(autouse=True)
def alert_settings(settings):
    settings.ALERT_EXPIRING_THRESHOLDS_HOURS = [72, 24]
    settings.ALERT_ARRIVAL_MARGIN_HOURS = 12
    settings.ALERT_CUSTOMS_HOLD_HOURS = 24


@pytest.fixture
def shipment(partner) -> Shipment:
    now = timezone.now()
    return make_shipment(
        partner,
        lots=[{"product": "cherry-tomato", "lot_code": "CT-0042"}],
        planned_departure=now - 24 * H,
        planned_arrival=now + 24 * H,
    )


def lot_of(shipment: Shipment) -> Lot:
    return shipment.lots.get()


def set_shelf_life(lot: Lot, ends_at: dt.datetime) -> None:
    Lot.objects.filter(pk=lot.pk).update(shelf_life_ends_at=ends_at)


def kinds(result) -> list[tuple[str, int | None]]:
    return sorted((a.kind, a.threshold_hours) for a in result.raised)


def test_expiring_soon_is_raised_once_per_threshold_however_often_the_scan_runs(shipment, partner):
    subscribe_alert_email("contact@example.com", partner=partner)
    now = timezone.now()
    set_shelf_life(lot_of(shipment), now + 60 * H)
    Shipment.objects.filter(pk=shipment.pk).update(estimated_arrival=now + 5 * H)
    assert kinds(services.scan_alerts(now)) == [("expiring_soon", 72)]
    assert services.scan_alerts(now).raised == []
    assert DigestItem.objects.count() == 0  # expiring soon is mailed at once
    assert OutboundMessage.objects.filter(channel="email").count() == 1
    set_shelf_life(lot_of(shipment), now + 20 * H)
    assert kinds(services.scan_alerts(now)) == [("expiring_soon", 24)]
    for _ in range(3):
        assert services.scan_alerts(now).raised == []
    emails = OutboundMessage.objects.filter(channel="email")
    assert [(m.recipient_email, m.event_type) for m in emails] == [
        ("contact@example.com", "alert"),
        ("contact@example.com", "alert"),
    ]
    assert all("CT-0042" in m.subject for m in emails)
    assert sorted("under the 72 h" in m.payload["text"] for m in emails) == [False, True]
    assert Alert.objects.filter(kind=AlertKind.EXPIRING_SOON).count() == 2


def test_alert_resolves_when_its_condition_clears_and_reopens_quietly(shipment, partner):
    subscribe_alert_email("contact@example.com", partner=partner)
    now = timezone.now()
    lot = lot_of(shipment)
    set_shelf_life(lot, now + 20 * H)
    Shipment.objects.filter(pk=shipment.pk).update(estimated_arrival=now + 1 * H)
    services.scan_alerts(now)
    set_shelf_life(lot, now + 100 * H)
    result = services.scan_alerts(now)
    assert sorted(a.threshold_hours or 0 for a in result.resolved) == [24, 72]
    assert set(Alert.objects.values_list("state", flat=True)) == {AlertState.RESOLVED}
    emails_before = OutboundMessage.objects.count()
    set_shelf_life(lot, now + 20 * H)
    result = services.scan_alerts(now)
    assert result.raised == [] and len(result.reopened) == 2
    assert OutboundMessage.objects.count() == emails_before


def test_eta_slipping_past_shelf_life_raises_expires_before_arrival(shipment):
    now = timezone.now()
    lot = lot_of(shipment)
    set_shelf_life(lot, now + 100 * H)
    Shipment.objects.filter(pk=shipment.pk).update(estimated_arrival=now + 80 * H)
    assert services.scan_alerts(now, kinds=["expires_before_arrival"]).raised == []
    Shipment.objects.filter(pk=shipment.pk).update(estimated_arrival=now + 95 * H)
    (alert,) = services.scan_alerts(now, kinds=["expires_before_arrival"]).raised
    assert (alert.severity, alert.subject_type, alert.lot_id) == ("high", "lot", lot.pk)
    assert alert.subject_reference == f"{shipment.reference}/CT-0042"
    Shipment.objects.filter(pk=shipment.pk).update(estimated_arrival=now + 50 * H)
    (resolved,) = services.scan_alerts(now, kinds=["expires_before_arrival"]).resolved
    assert resolved.pk == alert.pk


def test_expired_lot_on_a_shipment_still_under_way(shipment):
    now = timezone.now()
    set_shelf_life(lot_of(shipment), now - 2 * H)
    (alert,) = services.scan_alerts(now, kinds=["expired"]).raised
    assert alert.severity == "high"
    Shipment.objects.filter(pk=shipment.pk).update(status="delivered")
    assert services.scan_alerts(now, kinds=["expired"]).resolved == [alert]


def test_arrival_late_when_eta_passed_or_slipped_beyond_plan(shipment):
    now = timezone.now()
    Shipment.objects.filter(pk=shipment.pk).update(estimated_arrival=now + 30 * H)
    assert services.scan_alerts(now, kinds=["arrival_late"]).raised == []
    Shipment.objects.filter(pk=shipment.pk).update(estimated_arrival=now + 40 * H)
    (alert,) = services.scan_alerts(now, kinds=["arrival_late"]).raised
    assert alert.subject_type == "shipment" and alert.subject_reference == shipment.reference
    Shipment.objects.filter(pk=shipment.pk).update(status="arrived")
    assert services.scan_alerts(now, kinds=["arrival_late"]).resolved == [alert]


def test_customs_hold_longer_than_the_limit(shipment):
    now = timezone.now()
    Shipment.objects.filter(pk=shipment.pk).update(status="customs_hold")
    TrackingEvent.objects.create(
        shipment=shipment,
        event_id="hold-1",
        type="customs_hold",
        classifier="actual",
        occurred_at=now - 10 * H,
    )
    assert services.scan_alerts(now, kinds=["customs_hold_overdue"]).raised == []
    (alert,) = services.scan_alerts(now + 15 * H, kinds=["customs_hold_overdue"]).raised
    assert alert.shipment_id == shipment.pk
    Shipment.objects.filter(pk=shipment.pk).update(status="in_transit")
    assert services.scan_alerts(now, kinds=["customs_hold_overdue"]).resolved == [alert]


def test_perishable_declaration_under_control_too_long(partner):
    from tests.shipments.factories import released_declaration

    declaration = released_declaration(partner, status="under_control")
    type(declaration).objects.filter(pk=declaration.pk).update(accepted_at=timezone.now() - 30 * H)
    (alert,) = services.scan_alerts(kinds=["customs_hold_overdue"]).raised
    assert (alert.subject_type, alert.subject_reference) == ("declaration", declaration.reference)
    assert alert.partner_id == partner.pk


def test_unacknowledged_excursion_raises_an_alert(shipment):
    lot = lot_of(shipment)
    excursion = Excursion.objects.create(
        shipment=shipment,
        lot=lot,
        product=lot.product,
        kind="high",
        started_at=timezone.now() - 3 * H,
        peak_c=18.5,
        degree_hours=21.0,
    )
    (alert,) = services.scan_alerts(kinds=["temperature_excursion"]).raised
    assert alert.severity == "medium" and "18.5 °C" in alert.message
    Excursion.objects.filter(pk=excursion.pk).update(acknowledged=True)
    assert services.scan_alerts(kinds=["temperature_excursion"]).resolved == [alert]


def test_alert_and_its_messages_commit_together(shipment, partner):
    subscribe_alert_email("contact@example.com", partner=partner)
    set_shelf_life(lot_of(shipment), timezone.now() - H)
    with (
        mock.patch(
            "shipments.alerts.services.notify_alert", side_effect=RuntimeError("outbox down")
        ),
        pytest.raises(RuntimeError),
    ):
        services.scan_alerts(kinds=["expired"])
    assert not Alert.objects.exists()
    services.scan_alerts(kinds=["expired"])
    assert Alert.objects.count() == 1
    assert OutboundMessage.objects.filter(recipient_email="contact@example.com").count() == 1


def test_finished_shipments_are_not_scanned(shipment):
    Shipment.objects.filter(pk=shipment.pk).update(status="delivered")
    set_shelf_life(lot_of(shipment), timezone.now() - H)
    assert services.scan_alerts().raised == []


def test_scan_alerts_command_prints_raised_and_resolved(shipment):
    set_shelf_life(lot_of(shipment), timezone.now() - H)
    out = StringIO()
    call_command("scan_alerts", stdout=out)
    assert "raised   ALR-" in out.getvalue()
    assert "expired high lot" in out.getvalue()
    assert out.getvalue().strip().endswith("resolved.")


# --- API ------------------------------------------------------------------------------------


def test_alert_list_has_the_contract_fields_and_filters(api, shipment):
    set_shelf_life(lot_of(shipment), timezone.now() + 20 * H)
    services.scan_alerts(kinds=["expiring_soon"])
    body = api.get("/api/v1/alerts/?state=open&kind=expiring_soon&severity=high").json()
    assert len(body["results"]) == 2  # the 72 h and the 24 h thresholds
    alert = body["results"][0]
    assert {
        "kind",
        "severity",
        "subject",
        "shipment",
        "lot_code",
        "message",
        "state",
        "created_at",
    } <= set(alert)
    assert alert["subject"] == {"type": "lot", "reference": f"{shipment.reference}/CT-0042"}
    assert (alert["shipment"], alert["lot_code"], alert["state"]) == (
        shipment.reference,
        "CT-0042",
        "open",
    )
    assert len(api.get("/api/v1/alerts/?kind=expiring_soon").json()["results"]) == 2
    assert api.get("/api/v1/alerts/?state=resolved").json()["results"] == []
    assert api.get("/api/v1/alerts/?severity=medium").json()["results"] == []
    assert api.get("/api/v1/alerts/?kind=expired").json()["results"] == []
    assert api.get("/api/v1/alerts/?severity=bogus").status_code == 400


def test_acknowledge_with_comment_then_409(api, other_api, shipment):
    set_shelf_life(lot_of(shipment), timezone.now() - H)
    (alert,) = services.scan_alerts(kinds=["expired"]).raised
    url = f"/api/v1/alerts/{alert.reference}/acknowledge/"
    assert other_api.post(url, {"comment": "x"}, format="json").status_code == 404
    response = api.post(url, {"comment": "Selling in Almaty today"}, format="json")
    assert response.status_code == 200
    assert response.json()["state"] == "acknowledged"
    assert response.json()["comment"] == "Selling in Almaty today"
    again = api.post(url, {"comment": "again"}, format="json")
    assert again.status_code == 409
    assert again["Content-Type"].startswith("application/problem+json")


def test_other_partner_sees_no_alerts(other_api, shipment):
    set_shelf_life(lot_of(shipment), timezone.now() - H)
    services.scan_alerts()
    assert other_api.get("/api/v1/alerts/").json()["results"] == []


def test_admin_lists_open_alerts_first_and_acknowledges(client, staff_user, shipment):
    set_shelf_life(lot_of(shipment), timezone.now() - H)
    (alert,) = services.scan_alerts(kinds=["expired"]).raised
    client.force_login(staff_user)
    assert client.get("/admin/shipments/alert/").status_code == 200
    assert client.get(f"/admin/shipments/alert/{alert.pk}/change/").status_code == 200
    response = client.post(
        "/admin/shipments/alert/",
        {
            "action": "acknowledge_selected",
            "_selected_action": [alert.pk],
            "apply": "1",
            "comment": "on it",
        },
    )
    assert response.status_code == 302
    alert.refresh_from_db()
    assert (alert.state, alert.comment) == ("acknowledged", "on it")


def test_alert_email_names_shipment_lot_product_shelf_life_eta_and_admin_link(
    shipment, partner, settings
):
    settings.SITE_URL = "https://tradehub.example.kz"
    subscribe_alert_email("contact@example.com", partner=partner)
    now = timezone.now()
    eta = now + 2 * H
    Shipment.objects.filter(pk=shipment.pk).update(estimated_arrival=eta)
    set_shelf_life(lot_of(shipment), now + 20 * H)
    (alert,) = services.scan_alerts(now, kinds=["expiring_soon"]).raised[1:]
    email = OutboundMessage.objects.get(
        channel="email", dedup_key=f"alert:{alert.dedup_key}:contact@example.com"
    )
    text = email.payload["text"]
    for expected in [
        shipment.reference,
        "CT-0042",
        lot_of(shipment).product.name,
        "20.0 h",
        local_label(eta),  # local, 24-hour, zone named: "2026-07-21 14:05 Almaty, UTC+5"
        f"https://tradehub.example.kz/admin/shipments/alert/{alert.pk}/change/",
    ]:
        assert expected in text
        assert expected in email.payload["html"]


def test_services_that_move_alert_inputs_ask_for_one_rescan_each(shipment):
    """Explicit wiring: processing readings and deriving the status each end with one re-scan of
    that shipment; a status change does not add a second one."""
    from shipments.services.shelf import process_readings
    from shipments.services.tracking import derive_status

    TrackingEvent.objects.create(
        shipment=shipment,
        event_id="dep-1",
        type="departed",
        classifier="actual",
        occurred_at=timezone.now() - H,
    )
    with mock.patch("shipments.alerts.tasks.scan_shipment_alerts_task.delay") as delay:
        process_readings(shipment.pk)
        assert derive_status(shipment.pk) == "in_transit"
    assert delay.call_args_list == [mock.call(shipment.pk), mock.call(shipment.pk)]


def test_cancelling_a_shipment_asks_for_one_rescan(shipment):
    from shipments.services.changes import cancel_shipment

    with mock.patch("shipments.alerts.tasks.scan_shipment_alerts_task.delay") as delay:
        cancel_shipment(shipment, reason="client withdrew", actor="staff:test")
    delay.assert_called_once_with(shipment.pk)


def test_acknowledge_honours_if_match(api, shipment):
    set_shelf_life(lot_of(shipment), timezone.now() - H)
    (alert,) = services.scan_alerts(kinds=["expired"]).raised
    detail = api.get(f"/api/v1/alerts/{alert.reference}/")
    etag = detail["ETag"]
    url = f"/api/v1/alerts/{alert.reference}/acknowledge/"
    stale = api.post(url, {"comment": "x"}, format="json", HTTP_IF_MATCH='"stale"')
    assert stale.status_code == 412
    response = api.post(url, {"comment": "ok"}, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 200
    assert response["ETag"] != etag


def test_admin_orders_open_alerts_first_then_by_severity(client, staff_user, shipment):
    now = timezone.now()
    set_shelf_life(lot_of(shipment), now + 60 * H)  # expiring_soon 72 h: high
    Shipment.objects.filter(pk=shipment.pk).update(estimated_arrival=now - H)  # arrival_late
    services.scan_alerts(now)
    late = Alert.objects.get(kind="arrival_late")
    services.acknowledge_alert(late, actor=actor_label(staff_user))
    set_shelf_life(lot_of(shipment), now - H)  # expired: high
    services.scan_alerts(now)
    client.force_login(staff_user)
    page = client.get("/admin/shipments/alert/")
    ordered = list(page.context["cl"].result_list)
    assert [(a.kind, a.state) for a in ordered] == [
        ("expired", "open"),
        ("arrival_late", "acknowledged"),
        ("expiring_soon", "resolved"),
    ]


def test_an_open_alerts_message_follows_the_current_values_in_the_documented_zone(shipment):
    now = timezone.now().replace(microsecond=0)
    lot = lot_of(shipment)
    first_end = now + 100 * H
    set_shelf_life(lot, first_end)
    Shipment.objects.filter(pk=shipment.pk).update(estimated_arrival=now + 95 * H)
    (alert,) = services.scan_alerts(now, kinds=["expires_before_arrival"]).raised
    local = first_end.astimezone(timezone.get_default_timezone())
    assert f"runs out at {local:%Y-%m-%d %H:%M} +05:00" in alert.message
    # The estimate moved: the open alert now says the new time, not the one it was raised with.
    moved_end = first_end - 6 * H - 4 * dt.timedelta(minutes=14)
    set_shelf_life(lot, moved_end)
    services.scan_alerts(now, kinds=["expires_before_arrival"])
    alert.refresh_from_db()
    moved = moved_end.astimezone(timezone.get_default_timezone())
    assert alert.state == "open"
    assert f"runs out at {moved:%Y-%m-%d %H:%M} +05:00" in alert.message
    assert f"{local:%H:%M} +05:00," not in alert.message
