"""The demo set: corridor produce declared at Almaty in several states, loaded idempotently."""

import io

import pytest

from declarations import demo
from declarations.models import Declaration
from tradehub.partners import demo as partners_demo

pytestmark = pytest.mark.django_db


def test_demo_declarations_cover_several_states_and_load_once():
    partners_demo.load(io.StringIO())
    demo.load(io.StringIO())
    declarations = Declaration.objects.filter(partner__name=demo.DEMO_PARTNER)
    statuses = set(declarations.values_list("status", flat=True))
    assert {"released", "under_control", "accepted", "submitted", "draft", "rejected"} <= statuses
    released = declarations.get(status="released")
    assert released.number and released.office.code == "50510"
    assert list(released.events.values_list("type", flat=True))[:2] == ["created", "submitted"]
    codes = set(declarations.values_list("goods_items__commodity_code", flat=True))
    assert {"0702000000", "0806101000", "081090", "081050"} <= codes
    count = declarations.count()
    out = io.StringIO()
    demo.load(out)
    assert declarations.count() == count
    assert "0 created" in out.getvalue()
