"""HS validation and customs-union rules come from reference data, effective-dated."""

import datetime as dt

import pytest

from tradehub.reference.models import Country, CustomsUnion, CustomsUnionMembership
from tradehub.reference.selectors import hs_subheading, onward_formalities, same_customs_union

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 29)


@pytest.mark.parametrize("code", ["070200", "0702000000", "0806100000", "081050"])
def test_valid_commodity_codes_resolve_to_a_subheading(code):
    subheading = hs_subheading(code)
    assert subheading is not None
    assert subheading.code == code[:6]


@pytest.mark.parametrize("code", ["0702", "07020", "070299", "0702001", "abcdef", "", "999999"])
def test_invalid_commodity_codes_are_refused(code):
    assert hs_subheading(code) is None


@pytest.mark.parametrize(
    ("destination", "formalities"),
    [
        ("KZ", "none"),
        ("KG", "none"),
        ("UZ", "export_and_import_declaration"),
        ("TJ", "export_and_import_declaration"),
        ("TM", "export_and_import_declaration"),
    ],
)
def test_onward_formalities_from_almaty(destination, formalities):
    assert onward_formalities("KZ", destination, TODAY) == formalities


def test_membership_is_effective_dated():
    assert not same_customs_union("KZ", "KG", dt.date(2015, 8, 11))
    assert same_customs_union("KZ", "KG", dt.date(2015, 8, 12))


def test_a_membership_that_ends_stops_counting():
    eaeu = CustomsUnion.objects.get(code="EAEU")
    CustomsUnionMembership.objects.filter(union=eaeu, country__code="AM").update(
        valid_to=dt.date(2030, 1, 1)
    )
    assert same_customs_union("KZ", "AM", dt.date(2029, 12, 31))
    assert not same_customs_union("KZ", "AM", dt.date(2030, 1, 2))


def test_a_new_member_changes_formalities_without_code_changes():
    eaeu = CustomsUnion.objects.get(code="EAEU")
    CustomsUnionMembership.objects.create(
        union=eaeu, country=Country.objects.get(code="UZ"), valid_from=dt.date(2027, 1, 1)
    )
    assert onward_formalities("KZ", "UZ", TODAY) == "export_and_import_declaration"
    assert onward_formalities("KZ", "UZ", dt.date(2027, 1, 1)) == "none"
