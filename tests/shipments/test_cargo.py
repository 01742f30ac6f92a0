"""Pure cargo rules: static expiry and mixed-load warnings."""

import datetime as dt

import pytest

from shipments.cargo import mixed_load_warnings, static_expiry
from shipments.models import Product

pytestmark = pytest.mark.django_db


def by_code(*codes: str) -> list[Product]:
    return [Product.objects.get(code=c) for c in codes]


def test_static_expiry_is_packing_day_plus_storage_life():
    assert static_expiry(dt.date(2025, 7, 14), 14) == dt.datetime(2025, 7, 28, tzinfo=dt.UTC)


def test_kiwifruit_with_apples_warns_about_ethylene(products):
    warnings = mixed_load_warnings(by_code("kiwifruit", "apple"), None)
    assert any("Ethylene: apple" in w and "kiwifruit" in w for w in warnings)
    assert not any("Temperature groups" in w for w in warnings)  # both group A


def test_mixing_temperature_groups_warns(products):
    warnings = mixed_load_warnings(by_code("cherry-tomato", "table-grape"), None)
    assert any("Temperature groups A, C" in w for w in warnings)


def test_compatible_load_and_setpoint_give_no_warning(products):
    assert mixed_load_warnings(by_code("table-grape", "garlic"), -0.5) == []


def test_setpoint_outside_a_products_range_warns(products):
    warnings = mixed_load_warnings(by_code("cherry-tomato"), 4.0)
    assert warnings == ["Setpoint 4 °C is outside cherry-tomato's storage range 10..15 °C."]
