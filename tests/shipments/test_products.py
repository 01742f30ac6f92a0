"""Product catalogue: loading from the storage table and the read-only API."""

import json

import pytest
from django.core.management import call_command

from shipments.models import Product
from shipments.products import load_products

pytestmark = pytest.mark.django_db

API_FIELDS = {
    "code",
    "name",
    "hs_code",
    "storage_temp_min_c",
    "storage_temp_max_c",
    "storage_temp_optimal_c",
    "storage_life_days",
    "chilling_threshold_c",
    "temp_group",
}


def empty_catalogue() -> None:
    """No products (cultivar overrides first: their parent is protected)."""
    Product.objects.exclude(parent=None).delete()
    Product.objects.all().delete()


def test_load_products_seeds_every_row_with_stable_codes_sources_and_handbook_q10():
    empty_catalogue()  # the session's reference-data step seeded it already
    result = load_products()
    assert result.created == 19
    codes = set(Product.objects.values_list("code", flat=True))
    assert {
        "kiwifruit",
        "cherry-tomato",
        "tomato-mature-green",
        "tomato-firm-ripe",
        "table-grape",
        "dragon-fruit",
        "dragon-fruit-yellow",
        "apple",
        "peach",
        "mandarin",
        "garlic",
        "onion",
        "honeydew-melon",
        "cantaloupe",
        "sweet-cherry",
        "apricot",
        "european-pear",
    } <= codes
    tomato = Product.objects.get(code="cherry-tomato")
    assert (tomato.hs_code, tomato.ripeness, tomato.storage_life_days) == (
        "070200",
        "light_red",
        14,
    )
    assert tomato.chilling_sensitive and tomato.chilling_threshold_c == 10
    assert tomato.chilling_onset == [[10, 336], [5, 144]]
    assert (tomato.q10_0_10, tomato.q10_10_20, tomato.q10_20_30, tomato.q10_30_40) == (
        3.0,
        2.5,
        2.0,
        1.5,
    )
    assert "UC Davis" in tomato.sources["chilling"]
    kiwi = Product.objects.get(code="kiwifruit")
    assert (kiwi.storage_temp_min_c, kiwi.storage_temp_optimal_c) == (-0.5, 0)
    assert kiwi.ethylene_sensitivity == "very_high" and kiwi.compatibility_group == "2"
    assert (kiwi.q10_0_10, kiwi.q10_10_20) == (3.43, 2.92)
    red, yellow = (
        Product.objects.get(code="dragon-fruit"),
        Product.objects.get(code="dragon-fruit-yellow"),
    )
    assert (red.storage_temp_optimal_c, yellow.storage_temp_optimal_c) == (10, 6)
    grape = Product.objects.get(code="table-grape")
    assert grape.highest_freezing_point_c == -2.0 and grape.so2_pads
    assert grape.chilling_threshold_c is None
    assert Product.objects.get(code="garlic").strong_odour
    assert Product.objects.get(code="apple-mcintosh").parent == Product.objects.get(code="apple")
    peach = Product.objects.get(code="peach")
    assert (peach.killing_range_min_c, peach.killing_range_max_c) == (2.2, 7.6)
    # Every figure topic a row has carries its source.
    for product in Product.objects.all():
        assert product.sources.get("temperature"), product.code
        assert product.sources.get("q10"), product.code


def test_reload_keeps_staff_edits_even_with_update(admin_client):
    load_products()
    kiwi = Product.objects.get(code="kiwifruit")
    Product.objects.filter(code="apple").update(storage_life_days=100)
    response = admin_client.get(f"/admin/shipments/product/{kiwi.pk}/change/")
    assert response.status_code == 200
    form = response.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None}
    data.update(
        storage_life_days=150,
        chilling_onset="[]",
        sources=json.dumps(kiwi.sources),
        parent="",
    )
    response = admin_client.post(f"/admin/shipments/product/{kiwi.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    kiwi.refresh_from_db()
    assert "storage_life_days" in kiwi.staff_edited_fields
    result = load_products()
    assert (result.created, result.updated) == (0, 0)
    call_command("load_products", "--update", verbosity=0)
    assert Product.objects.get(code="kiwifruit").storage_life_days == 150  # staff edit kept
    assert Product.objects.get(code="apple").storage_life_days == 120  # not edited in the admin
    assert Product.objects.count() == 19


def test_the_reference_data_step_of_a_deployment_seeds_the_catalogue_and_keeps_edits():
    empty_catalogue()
    call_command("load_reference_data", verbosity=0)
    assert Product.objects.count() == 19
    Product.objects.filter(code="kiwifruit").update(storage_life_days=100)
    call_command("load_reference_data", "--force", verbosity=0)
    assert Product.objects.get(code="kiwifruit").storage_life_days == 100
    assert Product.objects.count() == 19


def test_products_api_lists_the_contract_fields(api, products):
    response = api.get("/api/v1/products/")
    assert response.status_code == 200
    results = response.json()["results"]
    assert len(results) == 19
    assert set(results[0]) >= API_FIELDS
    kiwi = next(p for p in results if p["code"] == "kiwifruit")
    assert kiwi["hs_code"] == "081050"
    assert kiwi["storage_temp_optimal_c"] == 0
    assert kiwi["temp_group"] == "A"


def test_products_api_filters_by_commodity_code_and_needs_auth(api, client, products):
    response = api.get("/api/v1/products/", {"hs_code": "0808300000"})
    assert {p["code"] for p in response.json()["results"]} == {"asian-pear", "european-pear"}
    assert api.get("/api/v1/products/kiwifruit/").json()["name"] == "Kiwifruit"
    assert client.get("/api/v1/products/").status_code == 401


def test_catalogue_defaults_reproduce_the_handbook_relative_shelf_life_table(db):
    """A seeded product on the Handbook Q10 values gives 100/33/13/7/4 % at 0/10/20/30/40 °C above its
    optimum, as USDA Agriculture Handbook 66 tabulates."""
    from shipments.shelf_life import ProductProfile

    load_products()
    grape = Product.objects.get(code="table-grape")
    profile = ProductProfile.from_obj(grape)
    relative = [
        round(100 / profile.rate(grape.storage_temp_optimal_c + delta))
        for delta in (0, 10, 20, 30, 40)
    ]
    assert relative == [100, 33, 13, 7, 4]
