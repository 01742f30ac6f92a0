"""`/api/v1/hs-codes/` answers EAEU 10-digit codes for a day; HS 2022 lookups are unchanged."""

import pytest
import time_machine

pytestmark = pytest.mark.django_db


def test_a_prefix_and_a_day_suggest_the_seasonal_code(api):
    body = api.get("/api/v1/hs-codes/?code=0702&on=2026-07-15").json()
    assert set(body) == {"next", "previous", "results"}
    assert [row["code"] for row in body["results"]] == ["0702000005"]
    tomato = body["results"][0]
    assert tomato["parent"] == "070200"
    assert tomato["level"] == 10
    assert tomato["season"] == {"start": "06-01", "end": "09-30"}
    assert tomato["valid_from"] == "2022-01-01"
    assert tomato["valid_to"] is None
    assert tomato["description"].startswith("Томаты свежие или охлажденные")
    assert tomato["hs_description"] == "Vegetables; tomatoes, fresh or chilled"
    january = api.get("/api/v1/hs-codes/?code=0702&on=2026-01-15").json()["results"]
    assert [row["code"] for row in january] == ["0702000001"]


def test_written_prefixes_and_search_work_with_a_day(api):
    rows = api.get("/api/v1/hs-codes/?code=0707 00&on=2026-05-15").json()["results"]
    assert [row["code"] for row in rows] == ["0707000503", "0707009000"]
    found = api.get("/api/v1/hs-codes/?search=томаты&on=2026-12-25").json()["results"]
    assert "0702000009" in {row["code"] for row in found}


def test_level_10_lists_every_edition_and_season_cursor_paginated(api):
    first = api.get("/api/v1/hs-codes/?level=10&code=0702&page_size=5").json()
    assert len(first["results"]) == 5
    second = api.get(first["next"]).json()
    codes = [r["code"] for r in first["results"]] + [r["code"] for r in second["results"]]
    assert codes == [f"070200000{n}" for n in (1, 2, 3, 4, 5, 6, 7, 9)]
    assert api.get("/api/v1/hs-codes/?level=10&on=2026-07-15&code=07&page_size=500").json()[
        "results"
    ]


def test_ten_digit_detail_says_whether_the_code_is_valid_on_a_day(api):
    summer = api.get("/api/v1/hs-codes/0702000005/?on=2026-07-15").json()
    assert summer["valid_on"] is True
    assert summer["on"] == "2026-07-15"
    assert "suggestions" not in summer
    winter = api.get("/api/v1/hs-codes/0702000005/?on=2026-01-15").json()
    assert winter["valid_on"] is False
    assert [s["code"] for s in winter["suggestions"]] == ["0702000001"]


@time_machine.travel("2026-12-25 08:00:00+05:00")
def test_ten_digit_detail_defaults_to_today(api):
    assert api.get("/api/v1/hs-codes/0702000009/").json()["valid_on"] is True
    assert api.get("/api/v1/hs-codes/0702000001/").json()["on"] == "2026-12-25"


def test_unknown_ten_digit_code_is_404_problem_naming_the_valid_ones(api):
    response = api.get("/api/v1/hs-codes/0702000000/?on=2026-07-15")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["detail"] == "0702000000 is not an EAEU commodity code."
    assert [s["code"] for s in body["suggestions"]] == ["0702000005"]
    assert api.get("/api/v1/hs-codes/9999999999/").json()["suggestions"] == []


def test_six_digit_hs_lookups_are_unchanged(api):
    detail = api.get("/api/v1/hs-codes/070200/").json()
    assert detail == {
        "code": "070200",
        "description": "Vegetables; tomatoes, fresh or chilled",
        "parent": "0702",
        "level": 6,
        "section": detail["section"],
    }
    rows = api.get("/api/v1/hs-codes/?code=0702").json()["results"]
    assert [row["code"] for row in rows] == ["0702", "070200"]
    assert all(set(row) == {"code", "description", "parent", "level", "section"} for row in rows)


@pytest.mark.parametrize(
    ("query", "pointer"),
    [
        ("code=0702&on=2026-13-01", "/query/on"),
        ("code=0702&on=yesterday", "/query/on"),
        ("code=07x2&on=2026-07-15", "/query/code"),
        ("code=0", "/query/code"),
        ("code=07020000051&on=2026-07-15", "/query/code"),
        ("level=8", "/query/level"),
    ],
)
def test_bad_parameters_are_problems_with_pointers(api, query, pointer):
    response = api.get(f"/api/v1/hs-codes/?{query}")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["errors"][0]["pointer"] == pointer


def test_bad_day_on_a_ten_digit_detail_is_a_problem(api):
    response = api.get("/api/v1/hs-codes/0702000005/?on=15.07.2026")
    assert response.status_code == 400
    assert response.json()["errors"][0]["pointer"] == "/query/on"


def test_updated_since_applies_to_eaeu_codes(api):
    later = api.get("/api/v1/hs-codes/?on=2026-07-15&updated_since=2999-01-01T00:00:00Z")
    assert later.json()["results"] == []
    bad = api.get("/api/v1/hs-codes/?on=2026-07-15&updated_since=soon")
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["pointer"] == "/query/updated_since"


def test_eaeu_codes_need_credentials(client):
    response = client.get("/api/v1/hs-codes/?code=0702&on=2026-07-15")
    assert response.status_code == 401
