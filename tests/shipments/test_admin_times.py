"""Admin times: local to TIME_ZONE, 24-hour, the zone named; the chart's axis too."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from shipments.models import Excursion, Shipment, TemperatureReading
from shipments.services.shelf import process_readings
from tests.shipments.factories import make_shipment, store_readings

AFTERNOON = dt.datetime(2026, 7, 21, 9, 5, tzinfo=dt.UTC)  # 14:05 in Almaty


@pytest.fixture
def shipment_with_excursion(partner, products) -> Shipment:
    shipment = make_shipment(partner, lots=[{"product": "kiwifruit"}], setpoint_c=0.0)
    Shipment.objects.filter(pk=shipment.pk).update(estimated_arrival=AFTERNOON)
    start = dt.datetime.now(dt.UTC) - dt.timedelta(hours=10)
    store_readings(
        TemperatureReading(
            shipment=shipment,
            sensor_id="S1",
            recorded_at=start + dt.timedelta(minutes=15 * i),
            temperature_c=6.0 if 10 <= i < 20 else -0.3,
        )
        for i in range(40)
    )
    process_readings(shipment.pk)
    return shipment


@pytest.mark.django_db
def test_admin_list_and_page_show_labelled_local_times_never_us_style(
    client, staff_user, shipment_with_excursion
):
    client.force_login(staff_user)
    listing = client.get(reverse("admin:shipments_shipment_changelist")).content.decode()
    # The ETA column: local 24-hour times, the zone named once in its header.
    assert "2026-07-21 14:05" in listing and "ETA (Almaty, UTC+5)" in listing
    page = client.get(
        reverse("admin:shipments_shipment_change", args=[shipment_with_excursion.pk])
    ).content.decode()
    for html in (listing, page):
        assert not re.search(r"\d(:\d\d)? ?[ap]\.m\.", html), "US-style time shown"
    chart = page.split('class="temperature-chart"', 1)[1].split("</svg>", 1)[0]
    assert "Local time: Almaty, UTC+5" in chart
    assert " UTC<" not in chart and 'width="820"' not in chart
    assert 'class="excursion"' in chart and 'class="legend"' in chart
    excursion = Excursion.objects.filter(shipment=shipment_with_excursion).first()
    assert excursion is not None and "Almaty, UTC+5" in str(excursion)


@pytest.mark.django_db
def test_admin_page_in_russian_labels_times_in_russian(client, staff_user, shipment_with_excursion):
    client.force_login(staff_user)
    listing = client.get(
        reverse("admin:shipments_shipment_changelist"), HTTP_ACCEPT_LANGUAGE="ru"
    ).content.decode()
    assert "2026-07-21 14:05" in listing and "(Алматы, UTC+5)" in listing
