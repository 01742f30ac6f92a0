"""Closed-loop alerts and excursions in the admin, audit records, lot condition, list columns."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from shipments.alerts import services as alert_services
from shipments.alerts.choices import AlertState
from shipments.models import Alert, Excursion, Lot, Shipment, TemperatureReading
from shipments.services.shelf import process_readings
from tests.shipments.factories import make_shipment, store_readings

pytestmark = pytest.mark.django_db

H = dt.timedelta(hours=1)


@pytest.fixture
def admin_client(client, staff_user):
    client.force_login(staff_user)
    return client


def warm_for(shipment: Shipment, hours: float, temperature: float) -> None:
    """Readings every 15 min: two cold hours, `hours` at `temperature`, two cold hours."""
    start = timezone.now() - dt.timedelta(hours=hours + 4)
    steps = int((hours + 4) * 4)
    store_readings(
        TemperatureReading(
            shipment=shipment,
            sensor_id="S1",
            recorded_at=start + dt.timedelta(minutes=15 * i),
            temperature_c=temperature if 8 <= i < 8 + hours * 4 else 0.0,
        )
        for i in range(steps)
    )
    process_readings(shipment.pk)


@pytest.fixture
def warm_shipment(partner, products) -> Shipment:
    """Kiwifruit that sat six hours at 24 °C (the rest at 0 °C), with its excursion alert."""
    now = timezone.now()
    shipment = make_shipment(
        partner,
        lots=[{"product": "kiwifruit", "lot_code": "KW-1"}],
        planned_departure=now - 48 * H,
        planned_arrival=now + 24 * H,
        setpoint_c=0.0,
    )
    warm_for(shipment, 6, 24.0)
    alert_services.scan_alerts(timezone.now(), kinds=["temperature_excursion"])
    return shipment


def test_a_lot_six_hours_at_24_c_is_not_ok(warm_shipment):
    lot = Lot.objects.get(shipment=warm_shipment)
    assert Excursion.objects.filter(shipment=warm_shipment, kind="high").exists()
    assert lot.condition == "at_risk"


def test_a_short_defrost_like_blip_keeps_the_lot_ok(partner, products):
    now = timezone.now()
    shipment = make_shipment(
        partner,
        lots=[{"product": "kiwifruit"}],
        planned_departure=now - 48 * H,
        planned_arrival=now + 24 * H,
    )
    warm_for(shipment, 0.25, 3.0)
    assert Lot.objects.get(shipment=shipment).condition == "ok"


def test_resolve_an_alert_with_a_note_from_its_page(admin_client, warm_shipment, staff_user):
    alert = Alert.objects.get(shipment=warm_shipment, kind="temperature_excursion")
    page = admin_client.get(reverse("admin:shipments_alert_change", args=[alert.pk]))
    html = page.content.decode()
    assert reverse("admin:shipments_alert_resolve", args=[alert.pk]) in html
    # Linked records: the shipment and the excursion are one click away.
    assert reverse("admin:shipments_shipment_change", args=[warm_shipment.pk]) in html
    excursion = Excursion.objects.get(shipment=warm_shipment, kind="high")
    assert reverse("admin:shipments_excursion_change", args=[excursion.pk]) in html

    url = reverse("admin:shipments_alert_resolve", args=[alert.pk])
    refused = admin_client.post(url, {"note": "   "})
    assert refused.status_code == 200 and "This field is required" in refused.content.decode()
    assert Alert.objects.get(pk=alert.pk).state == AlertState.OPEN

    done = admin_client.post(url, {"note": "Pulp 3 °C at Almaty; sold to the local market."})
    assert done.status_code == 302
    alert.refresh_from_db()
    assert alert.state == AlertState.RESOLVED
    assert alert.resolution_note == "Pulp 3 °C at Almaty; sold to the local market."
    assert alert.resolved_by and alert.resolved_at is not None
    # The condition still holds, but staff closed it: the next scan does not reopen it.
    alert_services.scan_alerts(timezone.now(), kinds=["temperature_excursion"])
    assert Alert.objects.get(pk=alert.pk).state == AlertState.RESOLVED


def test_assign_an_alert_to_a_staff_member(admin_client, warm_shipment, staff_user):
    alert = Alert.objects.get(shipment=warm_shipment, kind="temperature_excursion")
    url = reverse("admin:shipments_alert_change", args=[alert.pk])
    response = admin_client.post(url, {"assignee": staff_user.pk})
    assert response.status_code == 302
    assert Alert.objects.get(pk=alert.pk).assignee == staff_user


def test_acknowledge_an_excursion_with_a_comment(admin_client, warm_shipment):
    excursion = Excursion.objects.get(shipment=warm_shipment, kind="high")
    url = reverse("admin:shipments_excursion_acknowledge", args=[excursion.pk])
    assert admin_client.post(url, {"comment": ""}).status_code == 200  # a comment is required
    assert not Excursion.objects.get(pk=excursion.pk).acknowledged
    assert admin_client.post(url, {"comment": "Reefer reset at Altynkol."}).status_code == 302
    excursion.refresh_from_db()
    assert excursion.acknowledged and excursion.comment == "Reefer reset at Altynkol."


@pytest.mark.parametrize(
    "model_name", ["alert", "excursion", "shipment"], ids=["alert", "excursion", "shipment"]
)
def test_audit_records_cannot_be_deleted_from_the_admin(admin_client, warm_shipment, model_name):
    obj = {
        "alert": Alert.objects.filter(shipment=warm_shipment).first(),
        "excursion": Excursion.objects.filter(shipment=warm_shipment).first(),
        "shipment": warm_shipment,
    }[model_name]
    listing = admin_client.get(reverse(f"admin:shipments_{model_name}_changelist"))
    assert 'value="delete_selected"' not in listing.content.decode()
    delete = admin_client.get(reverse(f"admin:shipments_{model_name}_delete", args=[obj.pk]))
    assert delete.status_code == 403


def test_outbox_messages_cannot_be_deleted_from_the_admin(admin_client):
    listing = admin_client.get(reverse("admin:notifications_outboundmessage_changelist"))
    assert 'value="delete_selected"' not in listing.content.decode()


def test_shipment_list_overdue_only_when_true_filters_and_days_hours(
    admin_client, partner, products, django_assert_max_num_queries
):
    now = timezone.now()
    late = make_shipment(partner, lots=[{"product": "kiwifruit"}], planned_arrival=now - 5 * H)
    punctual = make_shipment(partner, lots=[{"product": "apple"}], planned_arrival=now + 5 * H)
    Shipment.objects.filter(pk=late.pk).update(is_overdue=True, status_since=now - 30 * H)
    Lot.objects.filter(shipment=late).update(condition="at_risk")
    for _ in range(8):  # more rows must not mean more queries
        make_shipment(partner, lots=[{"product": "apple"}], planned_arrival=now + 9 * H)
    url = reverse("admin:shipments_shipment_changelist")
    with django_assert_max_num_queries(12):
        html = admin_client.get(url).content.decode()
    assert html.count(">overdue<") == 1
    assert " d " in html  # shelf life of apples in days and hours
    at_risk = admin_client.get(url, {"shelf": "at_risk"}).content.decode()
    assert late.reference in at_risk and punctual.reference not in at_risk
    long_wait = admin_client.get(url, {"in_status": "1-3d"}).content.decode()
    assert late.reference in long_wait and punctual.reference not in long_wait


def test_shipment_page_marks_overdue_only_when_true(admin_client, partner, products):
    # Django's boolean icon would show a green tick on an overdue shipment and a red cross on a
    # punctual one; the page shows the red "overdue" badge when it is true and nothing otherwise.
    now = timezone.now()
    late = make_shipment(partner, lots=[{"product": "kiwifruit"}], planned_arrival=now - 5 * H)
    punctual = make_shipment(partner, lots=[{"product": "apple"}], planned_arrival=now + 5 * H)
    Shipment.objects.filter(pk=late.pk).update(is_overdue=True)

    def page(shipment: Shipment) -> str:
        url = reverse("admin:shipments_shipment_change", args=[shipment.pk])
        return admin_client.get(url).content.decode()

    late_page, punctual_page = page(late), page(punctual)
    assert ">overdue<" in late_page and "icon-yes.svg" not in late_page.split("Overdue")[1][:400]
    assert ">overdue<" not in punctual_page
