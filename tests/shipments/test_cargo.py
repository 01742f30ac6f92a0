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


def test_kiwifruit_with_apples_warns_about_ethylene_and_says_what_to_do(products):
    """UC Davis Produce Facts: as little as 5-10 ppb ethylene softens kiwifruit (sensitivity very
    high); Cantwell (UC Davis): apples produce very high amounts."""
    kiwi, apple = by_code("kiwifruit", "apple")
    assert (kiwi.ethylene_sensitivity, apple.ethylene_production) == ("very_high", "very_high")
    assert "5-10 ppb" in kiwi.sources["ethylene"]
    warnings = mixed_load_warnings(by_code("kiwifruit", "apple"), None)
    ethylene = [w for w in warnings if w.startswith("Ethylene: apple")]
    assert len(ethylene) == 1 and "kiwifruit" in ethylene[0]
    assert "separate reefers" in ethylene[0]


def test_grapes_with_so2_pads_warn_against_mixing(products):
    """Lipton & Harvey 1977 (USDA MRR 1070): grapes are compatible with other produce only if not
    fumigated with SO₂ and no SO₂-releasing pads are in the packages."""
    (grapes,) = by_code("table-grape")
    assert grapes.so2_pads and "Lipton & Harvey 1977" in grapes.sources["so2"]
    warnings = mixed_load_warnings(by_code("table-grape", "apple"), None)
    so2 = [w for w in warnings if w.startswith("SO₂")]
    assert len(so2) == 1 and "apple" in so2[0] and "Do not mix" in so2[0]
    assert not any(w.startswith("Compatibility") for w in warnings)  # both group 1


def test_garlic_with_apples_warns_about_odour(products):
    """NC State Extension HIL-803: onions (and garlic) stored separately, apples not with onions;
    McGregor 1989 groups: apple group 1 (0-2 °C, 90-95 % RH), garlic group 3 (65-75 % RH)."""
    garlic, apple = by_code("garlic", "apple")
    assert garlic.strong_odour and apple.odour_sensitive
    assert "HIL-803" in garlic.sources["odour"]
    warnings = mixed_load_warnings(by_code("garlic", "apple"), None)
    odour = [w for w in warnings if w.startswith("Odour")]
    assert len(odour) == 1 and "garlic" in odour[0] and "apple takes up odours" in odour[0]
    # Group 3 (65-75 % RH) against group 1: the standard groups already separate them.
    assert any(
        w.startswith("Compatibility: apple (group 1) and garlic (group 3)") for w in warnings
    )


def test_products_without_a_known_group_are_compared_by_their_bands(products):
    warnings = mixed_load_warnings(by_code("cherry-tomato", "kiwifruit"), None)
    assert any(w.startswith("Temperature: cherry-tomato needs 10..12.5 °C") for w in warnings)
    assert mixed_load_warnings(by_code("cherry-tomato", "tomato-mature-green"), None) == [
        "Ethylene: cherry-tomato (moderate producer) with tomato-mature-green (high sensitivity) "
        "ripens and softens tomato-mature-green in transit. Ship them in separate reefers, or scrub "
        "ethylene and shorten the trip."
    ]


def test_compatible_load_and_setpoint_give_no_warning(products):
    assert mixed_load_warnings(by_code("garlic", "onion"), 0.0) == []
    assert mixed_load_warnings(by_code("peach", "sweet-cherry"), -0.5) == []


def test_setpoint_outside_a_products_range_warns(products):
    warnings = mixed_load_warnings(by_code("cherry-tomato"), 4.0)
    assert warnings == [
        "Setpoint 4 °C is outside cherry-tomato's storage range 10..12.5 °C: set the reefer inside "
        "every product's range or split the load."
    ]
