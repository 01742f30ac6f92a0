"""VAT rates are effective-dated data: Kazakhstan 12 % until 2025, 16 % from 1 January 2026."""

import datetime as dt
from decimal import Decimal

import pytest

from tradehub.reference.models import VatRate
from tradehub.reference.selectors import vat_rate

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("day", "rate"),
    [
        (dt.date(2018, 1, 1), Decimal("12")),
        (dt.date(2025, 12, 31), Decimal("12")),
        (dt.date(2026, 1, 1), Decimal("16")),
        (dt.date(2030, 6, 1), Decimal("16")),
    ],
)
def test_kazakh_vat_changes_on_1_january_2026(day, rate):
    assert vat_rate("KZ", day) == rate


def test_no_rate_outside_the_loaded_rows():
    assert vat_rate("KZ", dt.date(2017, 12, 31)) is None
    assert vat_rate("UZ", dt.date(2026, 1, 1)) is None


def test_every_rate_names_its_law():
    assert all("Tax Code" in source for source in VatRate.objects.values_list("source", flat=True))
