"""The demo set: corridor produce declared at Almaty in several states, loaded idempotently."""

import io

import pytest

from declarations import demo
from declarations.models import Declaration
from tests.declarations.factories import todays_tomato_code
from tradehub.partners import demo as partners_demo

pytestmark = pytest.mark.django_db


def test_demo_declarations_cover_several_states_and_load_once():
    partners_demo.load(io.StringIO())
    demo.load(io.StringIO())
    declarations = Declaration.objects.filter(partner__name=demo.DEMO_PARTNER)
    statuses = set(declarations.values_list("status", flat=True))
    assert {
        "released",
        "under_control",
        "accepted",
        "submitted",
        "draft",
        "rejected",
        "registration_refused",
    } <= statuses
    refused = declarations.get(status="registration_refused")
    assert refused.number is None and refused.rejection_errors[0]["pointer"] == "/consignee/tax_id"
    released = declarations.get(status="released")
    assert released.number and released.office.code == "50510"
    assert list(released.events.values_list("type", flat=True))[:2] == ["created", "submitted"]
    codes = set(declarations.values_list("goods_items__commodity_code", flat=True))
    # EAEU 10-digit codes; fresh tomatoes take the code of the season.
    assert {todays_tomato_code(), "0806101000", "0810907500", "0810500000"} <= codes
    assert all(len(code) == 10 for code in codes)
    count = declarations.count()
    out = io.StringIO()
    demo.load(out)
    assert declarations.count() == count
    assert "0 created" in out.getvalue()
