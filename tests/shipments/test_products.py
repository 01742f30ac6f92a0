"""Product catalogue: loading from the storage table and the read-only API."""

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


def test_load_products_seeds_every_row_with_stable_codes_and_readme_q10():
    Product.objects.all().delete()  # the session's reference-data step seeded it already
    result = load_products()
    assert result.created == 10
    codes = set(Product.objects.values_list("code", flat=True))
    assert {"kiwifruit", "cherry-tomato", "table-grape", "dragon-fruit", "apple"} <= codes
    tomato = Product.objects.get(code="cherry-tomato")
    assert (tomato.hs_code, tomato.temp_group, tomato.storage_life_days) == ("070200", "C", 14)
    assert tomato.chilling_sensitive and tomato.chilling_threshold_c == 10
    assert (tomato.q10_0_10, tomato.q10_10_20, tomato.q10_20_30) == (3.0, 2.5, 1.9)
    assert Product.objects.get(code="kiwifruit").ethylene_sensitivity == "very_high"
    assert Product.objects.get(code="table-grape").chilling_threshold_c is None


def test_load_products_is_idempotent_and_keeps_staff_edits():
    load_products()
    Product.objects.filter(code="kiwifruit").update(storage_life_days=100)
    result = load_products()
    assert (result.created, result.updated) == (0, 0)
    assert Product.objects.get(code="kiwifruit").storage_life_days == 100
    call_command("load_products", "--update", verbosity=0)
    assert Product.objects.get(code="kiwifruit").storage_life_days == 120
    assert Product.objects.count() == 10


def test_the_reference_data_step_of_a_deployment_seeds_the_catalogue_and_keeps_edits():
    Product.objects.all().delete()
    call_command("load_reference_data", verbosity=0)
    assert Product.objects.count() == 10
    Product.objects.filter(code="kiwifruit").update(storage_life_days=100)
    call_command("load_reference_data", "--force", verbosity=0)
    assert Product.objects.get(code="kiwifruit").storage_life_days == 100
    assert Product.objects.count() == 10


def test_products_api_lists_the_contract_fields(api, products):
    response = api.get("/api/v1/products/")
    assert response.status_code == 200
    results = response.json()["results"]
    assert len(results) == 10
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
    """A seeded product (no Q10 columns in storage.csv) keeps 100/33/13/7 % at 0/10/20/30 °C above
    an optimum of 0 °C, as the produce README's table says."""
    from shipments.shelf_life import ProductProfile

    load_products()
    grape = Product.objects.get(code="table-grape")
    profile = ProductProfile.from_obj(grape)
    relative = [
        100 / profile.rate(grape.storage_temp_optimal_c + delta) for delta in (0, 10, 20, 30)
    ]
    assert relative == pytest.approx([100, 33, 13, 7], abs=0.6)
