"""Reference endpoints: authenticated, searchable, cursor-paginated, as in API.md."""

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def test_locations_need_credentials():
    response = APIClient().get("/api/v1/locations/?country=KZ")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == 401


def test_locations_filter_by_country_and_search(api):
    response = api.get("/api/v1/locations/?country=KZ&search=alma")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"next", "previous", "results"}
    codes = {row["code"] for row in body["results"]}
    assert "KZALA" in codes
    assert all(row["country"] == "KZ" for row in body["results"])
    almaty = next(row for row in body["results"] if row["code"] == "KZALA")
    assert almaty["timezone"] == "Asia/Almaty"
    assert "rail" in almaty["functions"]


def test_location_detail_by_full_code(api):
    assert api.get("/api/v1/locations/AZALA/").json()["name"] == "Alat"
    assert api.get("/api/v1/locations/ZZZZZ/").status_code == 404


def test_location_list_is_cursor_paginated_up_to_500(api):
    too_many = api.get("/api/v1/locations/?page_size=1000")
    assert too_many.status_code == 400
    assert too_many.json()["errors"][0]["pointer"] == "/query/page_size"
    first = api.get("/api/v1/locations/?page_size=500").json()
    assert len(first["results"]) == 500
    second = api.get(first["next"]).json()
    assert not {r["code"] for r in first["results"]} & {r["code"] for r in second["results"]}


def test_customs_offices_list_roles(api):
    rows = api.get("/api/v1/customs-offices/?page_size=100").json()["results"]
    almaty = next(row for row in rows if row["code"] == "50510")
    assert almaty == {
        "code": "50510",
        "name": almaty["name"],
        "location": "KZALA",
        "roles": ["declaration", "destination"],
    }


def test_hs_code_search_and_detail(api):
    results = api.get("/api/v1/hs-codes/?search=grapes").json()["results"]
    assert "080610" in {row["code"] for row in results}
    detail = api.get("/api/v1/hs-codes/080610/").json()
    assert detail["parent"] == "0806"
    assert api.get("/api/v1/hs-codes/0806/").json()["parent"] == "08"
    assert api.get("/api/v1/hs-codes/08/").json()["parent"] is None


def test_updated_since_filters_lists(api):
    response = api.get("/api/v1/hs-codes/?updated_since=2999-01-01T00:00:00Z")
    assert response.json()["results"] == []
    bad = api.get("/api/v1/hs-codes/?updated_since=yesterday")
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["pointer"] == "/query/updated_since"
