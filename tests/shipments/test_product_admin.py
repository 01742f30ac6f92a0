"""Staff add products and cultivar overrides in the admin, and the model, the API and the
distribution use them (end to end)."""

import datetime as dt
import json
from typing import Any

import pytest

from shipments.models import Excursion, Product, TemperatureReading
from shipments.services.distribution import infer_product
from shipments.services.shelf import process_readings, profile_of
from tests.shipments.factories import make_shipment, store_readings

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, staff_user):
    client.force_login(staff_user)
    return client


def form_of(client, product: Product) -> dict[str, Any]:
    """The values of a product's change form, as staff see them (to copy into a new row)."""
    form = client.get(f"/admin/shipments/product/{product.pk}/change/").context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None}
    data.update(
        chilling_onset=json.dumps(product.chilling_onset),
        sources=json.dumps(product.sources),
        parent="",
    )
    return data


def add(client, data: dict[str, Any]) -> Product:
    response = client.post("/admin/shipments/product/add/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    return Product.objects.get(code=data["code"])


def readings(shipment, temps: list[float]) -> None:
    start = dt.datetime.now(dt.UTC) - dt.timedelta(hours=len(temps) / 4)
    store_readings(
        TemperatureReading(
            shipment=shipment,
            sensor_id="P1",
            sensor_kind="product",
            recorded_at=start + dt.timedelta(minutes=15 * i),
            temperature_c=t,
        )
        for i, t in enumerate(temps)
    )
    process_readings(shipment.pk)


def test_staff_add_a_cultivar_override_and_its_own_figures_apply(staff_client, partner, products):
    """A Honeycrisp override of apple, entered as staff would (stored at about 3 °C, warmer than
    apple's 0 °C: the figures of this test). Two hours at 0 °C are in band for apple and a `low`
    excursion for Honeycrisp."""
    apple = Product.objects.get(code="apple")
    data = form_of(staff_client, apple)
    data.update(
        code="apple-honeycrisp",
        name="Apple, Honeycrisp",
        parent=str(apple.pk),
        cultivar="Honeycrisp",
        storage_temp_min_c=2.5,
        storage_temp_optimal_c=3,
        storage_temp_max_c=4,
        storage_life_days=90,
        notes="Staff entry: stored at about 3 °C after conditioning.",
    )
    honeycrisp = add(staff_client, data)
    assert honeycrisp.parent == apple and honeycrisp in apple.cultivars.all()
    assert profile_of(honeycrisp).storage_temp_optimal_c == 3
    # All of it is staff's: a later catalogue row of that code would not overwrite it.
    assert {"storage_temp_optimal_c", "parent", "cultivar"} <= set(honeycrisp.staff_edited_fields)

    cold = [0.0] * 12  # three hours at 0 °C
    apples = make_shipment(partner, lots=[{"product": "apple"}])
    readings(apples, cold)
    assert not Excursion.objects.filter(shipment=apples).exists()
    crisp = make_shipment(partner, lots=[{"product": "apple-honeycrisp"}])
    readings(crisp, cold)
    low = Excursion.objects.get(shipment=crisp)
    assert (low.kind, low.limit_c, low.product) == ("low", 2.5, honeycrisp)

    # The products API lists it as the cultivar it is.
    listed = {p["code"]: p for p in staff_client.get("/api/v1/products/").json()["results"]}
    assert listed["apple-honeycrisp"]["cultivar"] == "Honeycrisp"


def test_staff_add_a_new_product_that_lots_can_carry(staff_client, partner, products):
    kiwi = Product.objects.get(code="kiwifruit")
    data = form_of(staff_client, kiwi)
    data.update(
        code="feijoa",
        name="Feijoa",
        hs_code="081090",
        storage_temp_min_c=4,
        storage_temp_optimal_c=5,
        storage_temp_max_c=6,
        storage_life_days=28,
        q10_0_10=3.0,
        q10_10_20=2.5,
        default_for_hs="",
    )
    feijoa = add(staff_client, data)
    shipment = make_shipment(partner, lots=[{"product": "feijoa"}])
    readings(shipment, [5.0] * 8)
    lot = shipment.lots.get()
    lot.refresh_from_db()
    assert lot.product == feijoa and lot.condition == "ok"
    assert lot.consumed_fraction > 0
    invalid = {**data, "code": "feijoa-2", "storage_temp_optimal_c": 9}
    response = staff_client.post("/admin/shipments/product/add/", invalid)
    assert response.status_code == 200  # the form shows the error
    assert "The optimum must lie inside the storage range." in response.content.decode()


def test_a_staff_override_does_not_hide_the_product_a_commodity_code_means(products):
    kiwi = Product.objects.get(code="kiwifruit")
    Product.objects.create(
        **{
            f.name: getattr(kiwi, f.name)
            for f in Product._meta.concrete_fields
            if f.name not in {"id", "code", "parent", "cultivar", "created_at", "updated_at"}
        },
        code="kiwifruit-hayward-early",
        parent=kiwi,
        cultivar="Hayward, early harvest",
    )

    class Item:
        commodity_code = kiwi.hs_code + "0000"

    assert infer_product(Item()) == kiwi  # type: ignore[arg-type]
