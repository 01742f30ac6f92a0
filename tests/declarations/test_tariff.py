"""The EAEU tariff and the regulated-products list applied to declarations on their declaration
date: 10-digit codes at EAEU offices (seasonal tomatoes), candidates in the 400, phytosanitary
certificates only where the list says so, checked against the declaration date."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from tests.declarations.factories import GRAPES, MACHINE_PARTS, TOMATOES, payload

pytestmark = pytest.mark.django_db

URL = "/api/v1/declarations/"
ALMATY = ZoneInfo("Asia/Almaty")
JULY = dt.datetime(2026, 7, 15, 10, 0, tzinfo=ALMATY)
JANUARY = dt.datetime(2027, 1, 15, 10, 0, tzinfo=ALMATY)
INVOICE = {"type": "invoice", "number": "INV-1"}
PHYTO = {"type": "phytosanitary_certificate", "number": "PH-1"}


def tomatoes(code: str) -> dict:
    return {**TOMATOES, "commodity_code": code}


def errors(response) -> list[tuple[str, str]]:
    return [(e["pointer"], e["code"]) for e in response.json()["errors"]]


def create(api, lrn: str, items: list[dict], documents: list[dict] | None = None, **kw):
    body = payload(lrn=lrn, goods_items=items, documents=documents or [PHYTO, INVOICE], **kw)
    return api.post(URL, body, format="json")


def test_tomatoes_need_the_code_of_their_season_july_and_january_differ(api):
    with time_machine.travel(JULY, tick=False):
        six = create(api, "T-6", [tomatoes("070200")])
        assert six.status_code == 400
        assert errors(six) == [("/goods_items/0/commodity_code", "eaeu_code_required")]
        assert "0702000005" in six.json()["errors"][0]["detail"]
        assert "0702000001" not in six.json()["errors"][0]["detail"]
        july = create(api, "T-JUL", [tomatoes("0702000005")])
        assert july.status_code == 201, july.json()
    with time_machine.travel(JANUARY, tick=False):
        winter = create(api, "T-JAN", [tomatoes("0702000005")])
        assert winter.status_code == 400
        assert errors(winter) == [("/goods_items/0/commodity_code", "eaeu_code_not_valid_on_date")]
        detail = winter.json()["errors"][0]["detail"]
        assert "2027-01-15" in detail and "0702000001" in detail
        assert create(api, "T-JAN-OK", [tomatoes("0702000001")]).status_code == 201


def test_a_code_that_does_not_exist_is_refused_with_the_codes_of_the_day(api):
    with time_machine.travel(JULY, tick=False):
        response = create(api, "T-0", [tomatoes("0702000000")])
    assert errors(response) == [("/goods_items/0/commodity_code", "unknown_eaeu_code")]
    assert "0702000005" in response.json()["errors"][0]["detail"]


def test_a_draft_made_in_summer_is_checked_again_when_lodged_in_winter(api):
    with time_machine.travel(JULY, tick=False):
        created = create(api, "T-LATE", [tomatoes("0702000005")]).json()
    with time_machine.travel(JANUARY, tick=False):
        response = api.post(f"{URL}{created['reference']}/submit/")
    assert response.status_code == 400
    assert ("/goods_items/0/commodity_code", "eaeu_code_not_valid_on_date") in errors(response)
    assert api.get(f"{URL}{created['reference']}/").json()["status"] == "draft"


def test_outside_the_eaeu_six_digits_still_do(api):
    response = create(api, "UZ-6", [tomatoes("070200")], office="26002", border_crossing=None)
    assert response.status_code == 201, response.json()


def test_headings_the_nomenclature_does_not_cover_are_checked_for_ten_digits_only(api):
    assert create(api, "PUMP-10", [MACHINE_PARTS]).status_code == 201
    six = create(api, "PUMP-6", [{**MACHINE_PARTS, "commodity_code": "841391"}])
    assert errors(six) == [("/goods_items/0/commodity_code", "eaeu_code_required")]


FROZEN = {
    **GRAPES,
    "description": "Frozen raspberries",
    "commodity_code": "0811205100",
}


def test_frozen_fruit_needs_no_certificate_fresh_grapes_do(api):
    body = create(api, "PH-MIX", [FROZEN, GRAPES], documents=[INVOICE]).json()
    response = api.post(f"{URL}{body['reference']}/submit/")
    assert response.status_code == 400
    assert errors(response) == [
        ("/goods_items/1", "phytosanitary_certificate_required"),
        ("/documents", "phytosanitary_certificate_required"),
    ]
    frozen_only = create(api, "PH-FROZEN", [FROZEN], documents=[INVOICE]).json()
    assert api.post(f"{URL}{frozen_only['reference']}/submit/").status_code == 202


def test_the_certificate_must_be_valid_on_the_declaration_date(api):
    with time_machine.travel(JULY, tick=False):
        future = {**PHYTO, "issued_on": "2026-07-20"}
        body = create(api, "PH-FUT", [GRAPES], documents=[future, INVOICE]).json()
        response = api.post(f"{URL}{body['reference']}/submit/")
        assert ("/documents/0/issued_on", "certificate_issued_after_declaration_date") in errors(
            response
        )
        assert ("/goods_items/0", "phytosanitary_certificate_required") in errors(response)
        expired = {**PHYTO, "issued_on": "2026-06-01", "valid_until": "2026-07-01"}
        body = create(api, "PH-OLD", [GRAPES], documents=[expired, INVOICE]).json()
        response = api.post(f"{URL}{body['reference']}/submit/")
        assert ("/documents/0/valid_until", "certificate_expired") in errors(response)
        good = {**PHYTO, "issued_on": "2026-07-10", "valid_until": "2026-08-10"}
        body = create(api, "PH-OK", [GRAPES], documents=[good, INVOICE]).json()
        assert api.post(f"{URL}{body['reference']}/submit/").status_code == 202


def test_the_certificate_must_cover_the_regulated_goods_it_is_for(api):
    grapes_only = {**PHYTO, "goods_items": [1]}
    body = create(api, "PH-COVER", [GRAPES, tomatoes("070200")], documents=[grapes_only, INVOICE])
    assert body.status_code == 400  # 070200: six digits at Almaty
    body = create(api, "PH-COVER2", [GRAPES, TOMATOES], documents=[grapes_only, INVOICE]).json()
    response = api.post(f"{URL}{body['reference']}/submit/")
    assert errors(response) == [
        ("/goods_items/1", "phytosanitary_certificate_required"),
        ("/documents", "phytosanitary_certificate_required"),
    ]
