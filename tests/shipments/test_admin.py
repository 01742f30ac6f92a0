"""Admin: shipment list with worst shelf life, detail with chart, distribution page, acknowledgement."""

import datetime as dt

import pytest
from django.urls import reverse

from shipments.models import Excursion, Product, Shipment, TemperatureReading
from shipments.services.shelf import process_readings
from tests.shipments.factories import make_shipment, released_declaration, store_readings

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, staff_user):
    client.force_login(staff_user)
    return client


@pytest.fixture
def shipment(partner, products) -> Shipment:
    shipment = make_shipment(
        partner, lots=[{"product": "kiwifruit"}, {"product": "apple"}], setpoint_c=0.0
    )
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


def test_changelist_shows_status_eta_and_colour_coded_worst_shelf_life(admin_client, shipment):
    response = admin_client.get(reverse("admin:shipments_shipment_changelist"))
    assert response.status_code == 200
    html = response.content.decode()
    assert shipment.reference in html
    assert "Worst lot shelf life" in html
    assert "background:#2e7d32" in html  # kiwifruit and apples: months left, green
    assert "Distribute a declaration" in html


def test_change_page_shows_warnings_timeline_excursions_and_svg_chart(admin_client, shipment):
    response = admin_client.get(reverse("admin:shipments_shipment_change", args=[shipment.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<svg" in html and "<polyline" in html
    assert "Ethylene: apple" in html
    assert "Event timeline" in html
    assert Excursion.objects.filter(shipment=shipment, kind="high").exists()
    assert "http://" not in html.split("<svg", 1)[1].split("</svg>")[0].replace(
        "http://www.w3.org/2000/svg", ""
    )


def test_products_are_editable_by_staff(admin_client, products):
    from shipments.models import Product

    kiwi = Product.objects.get(code="kiwifruit")
    response = admin_client.get(reverse("admin:shipments_product_change", args=[kiwi.pk]))
    assert response.status_code == 200


def test_staff_distribute_through_the_admin_page(admin_client, partner, products):
    declaration = released_declaration(partner)
    url = reverse("admin:shipments_shipment_distribute")
    page = admin_client.get(url, {"declaration": declaration.reference})
    assert page.status_code == 200
    assert "6000.000" in page.content.decode()
    response = admin_client.post(
        url,
        {
            "declaration": declaration.reference,
            "rows-TOTAL_FORMS": "2",
            "rows-INITIAL_FORMS": "0",
            "rows-0-destination": "kgfru",
            "rows-0-net_kg_1": "2000",
            "rows-0-packages_1": "400",
            "product_1": str(Product.objects.filter(hs_code="070200").order_by("code")[0].pk),
        },
    )
    assert response.status_code == 302
    shipment = Shipment.objects.get(declaration=declaration)
    assert shipment.destination.code == "KGFRU"
    assert shipment.onward_formalities == "eaeu_mutual_trade"
    assert shipment.required_documents.filter(type="snt", status="missing").exists()
    declaration.refresh_from_db()
    assert declaration.status == "partially_distributed"
    # Over-allocation is refused with a message and creates nothing.
    admin_client.post(
        url,
        {
            "declaration": declaration.reference,
            "rows-TOTAL_FORMS": "1",
            "rows-INITIAL_FORMS": "0",
            "rows-0-destination": "KGFRU",
            "rows-0-net_kg_1": "4000.001",
            "rows-0-packages_1": "1",
        },
    )
    assert Shipment.objects.filter(declaration=declaration).count() == 1


def test_excursions_are_acknowledged_by_an_admin_action_with_a_comment(admin_client, shipment):
    excursion = Excursion.objects.filter(shipment=shipment).first()
    assert excursion is not None
    url = reverse("admin:shipments_excursion_changelist")
    selected = {"action": "acknowledge", "_selected_action": [excursion.pk]}
    # First the page that asks for the comment; nothing is acknowledged yet.
    assert admin_client.post(url, selected).status_code == 200
    assert not Excursion.objects.get(pk=excursion.pk).acknowledged
    response = admin_client.post(url, {**selected, "apply": "1", "comment": "Checked: 2 °C pulp."})
    assert response.status_code == 302
    excursion.refresh_from_db()
    assert excursion.acknowledged and excursion.acknowledged_by
    assert excursion.comment == "Checked: 2 °C pulp."


def test_the_chart_draws_the_air_and_the_estimated_product_line_with_a_legend(
    admin_client, partner, products
):
    """Return air at 0 °C with a +5 °C defrost for 20 minutes: the air band reaches 5 °C, the
    product line (8 h lag, cartons on pallets) stays near 0 °C, at 5 × (1 − e^(−(1/3)/8)) ≈ 0.2 °C
    at most, as `shelf_life.ThermalLag` computes it for the shelf life."""
    from shipments.services.shelf import estimated_product_buckets

    kiwi = make_shipment(partner, lots=[{"product": "kiwifruit"}], setpoint_c=0.0)
    start = dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0)
    start -= dt.timedelta(hours=6)
    store_readings(
        TemperatureReading(
            shipment=kiwi,
            sensor_id="RA1",
            sensor_kind="return_air",
            recorded_at=start + dt.timedelta(minutes=5 * i),
            temperature_c=5.0 if 36 <= i < 40 else 0.0,
        )
        for i in range(72)
    )
    process_readings(kiwi.pk)
    product = estimated_product_buckets(kiwi, 300)
    assert len(product) == 72
    assert max(p["avg"] for p in product) == pytest.approx(5 * (1 - 2.71828 ** (-1 / 24)), abs=0.01)
    assert kiwi.excursions.count() == 0

    html = admin_client.get(reverse("admin:shipments_shipment_change", args=[kiwi.pk]))
    chart = html.content.decode().split('class="temperature-chart"', 1)[1].split("</svg>", 1)[0]
    legend = chart.split('class="legend"', 1)[1]
    assert "air, min–max per interval" in legend and "air, average" in legend
    assert "product, estimated (τ 8 h)" in legend
    assert chart.count('class="product-temperature"') == 1


def test_a_chart_of_product_probes_has_no_estimated_line(admin_client, shipment):
    html = admin_client.get(reverse("admin:shipments_shipment_change", args=[shipment.pk]))
    chart = html.content.decode().split('class="temperature-chart"', 1)[1].split("</svg>", 1)[0]
    assert "product-temperature" not in chart and "min–max per interval" in chart


def test_the_charts_product_line_matches_the_models_reading_by_reading_estimate(partner, products):
    """The chart lags 15-minute air averages; the model lags every reading. A day of one-minute
    return air with four 20-minute defrosts (+5 °C): the two agree within 0.02 °C per bucket."""
    from shipments import shelf_life
    from shipments.services.shelf import estimated_product_buckets

    kiwi = make_shipment(partner, lots=[{"product": "kiwifruit"}], setpoint_c=0.0)
    start = dt.datetime(2026, 6, 1, 0, 0, 30, tzinfo=dt.UTC)
    temps = [5.0 if 180 <= i % 360 < 200 else 0.0 for i in range(1440)]
    store_readings(
        TemperatureReading(
            shipment=kiwi,
            sensor_id="RA1",
            sensor_kind="return_air",
            recorded_at=start + dt.timedelta(minutes=i),
            temperature_c=t,
        )
        for i, t in enumerate(temps)
    )
    exact = shelf_life.product_series(
        [(start + dt.timedelta(minutes=i), t, "return_air") for i, t in enumerate(temps)],
        shelf_life.ThermalLag(8.0),
    )
    by_bucket: dict[dt.datetime, list[float]] = {}
    for reading in exact:
        key = dt.datetime.fromtimestamp(reading.recorded_at.timestamp() // 3600 * 3600, tz=dt.UTC)
        by_bucket.setdefault(key, []).append(reading.temperature_c or 0.0)
    chart = estimated_product_buckets(kiwi, 3600)
    assert [p["start"] for p in chart] == sorted(by_bucket)
    for point in chart:
        values = by_bucket[point["start"]]
        assert point["avg"] == pytest.approx(sum(values) / len(values), abs=0.02)
    assert max(p["avg"] for p in chart) > 0.1  # the defrosts do show, a little


def _change_form_data(shipment: Shipment) -> dict[str, str]:
    """What the browser would post back unchanged: every input of the change form's main part."""
    from shipments.forms import ShipmentAdminForm

    form = ShipmentAdminForm(instance=shipment)
    data: dict[str, str] = {}
    for name in form.fields:
        value = form[name].value()
        if value is not None:
            data[name] = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return data


def test_the_consignee_is_edited_as_labelled_fields_not_raw_json(admin_client, shipment):
    from shipments.forms import ShipmentAdminForm

    shipment.consignee = {"name": "Tashkent Fresh", "country": "UZ", "extra": "kept"}
    shipment.save(update_fields=["consignee"])
    html = admin_client.get(
        reverse("admin:shipments_shipment_change", args=[shipment.pk])
    ).content.decode()
    assert 'name="consignee_name"' in html and 'value="Tashkent Fresh"' in html
    assert 'name="consignee"' not in html  # no JSON textarea

    data = _change_form_data(shipment)
    data.update(consignee_name=" Samarkand Agro ", consignee_country="uz", consignee_tax_id="301")
    form = ShipmentAdminForm(data=data, instance=shipment)
    assert form.is_valid(), form.errors
    form.save()
    shipment.refresh_from_db()
    assert shipment.consignee == {
        "name": "Samarkand Agro",
        "country": "UZ",
        "tax_id": "301",
        "extra": "kept",
    }

    data.update(consignee_name="", consignee_country="KZ")
    refused = ShipmentAdminForm(data=data, instance=shipment)
    assert not refused.is_valid()
    assert "consignee_name" in refused.errors
    shipment.refresh_from_db()
    assert shipment.consignee["name"] == "Samarkand Agro"  # a refusal changes nothing

    data.update(consignee_name="", consignee_country="", consignee_tax_id="", consignee_address="")
    cleared = ShipmentAdminForm(data=data, instance=shipment)
    assert cleared.is_valid(), cleared.errors
    cleared.save()
    shipment.refresh_from_db()
    assert shipment.consignee == {}


def test_shelf_life_that_runs_out_before_arrival_is_red_and_says_so(admin_client, shipment):
    now = dt.datetime.now(dt.UTC)
    late = make_shipment(
        shipment.partner,
        lots=[{"product": "cherry-tomato"}],
        planned_departure=now,
        planned_arrival=now + dt.timedelta(days=200),
    )
    html = admin_client.get(reverse("admin:shipments_shipment_changelist")).content.decode()
    row = next(r for r in html.split("<tr") if late.reference in r)
    assert "Expires before arrival" in row and "background:#c62828" in row
    kept = next(r for r in html.split("<tr") if shipment.reference in r)  # no arrival planned
    assert "Expires before arrival" not in kept
