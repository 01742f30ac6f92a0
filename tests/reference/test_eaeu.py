"""The EAEU 10-digit nomenclature and the phytosanitary list: shipped data, dates, seasons."""

import datetime as dt

import pytest

from tradehub.reference.models import EaeuCommodityCode, PhytosanitaryRegulatedProduct
from tradehub.reference.selectors import (
    commodity_code_digits,
    eaeu_code,
    eaeu_code_known,
    eaeu_code_valid_on,
    eaeu_codes_for,
    eaeu_suggestions,
    is_fresh_produce,
    phytosanitary_certificate_required,
    phytosanitary_rule,
    tariff_requires_10_digits,
)

pytestmark = pytest.mark.django_db

# The tomato windows of heading 0702 (ЕТН ВЭД ЕАЭС): last day of each window -> code.
TOMATO_WINDOWS = [
    ((3, 31), "0702000001"),
    ((4, 30), "0702000002"),
    ((5, 14), "0702000003"),
    ((5, 31), "0702000004"),
    ((9, 30), "0702000005"),
    ((10, 31), "0702000006"),
    ((12, 20), "0702000007"),
    ((12, 31), "0702000009"),
]


def _expected_tomato(day: dt.date) -> str:
    return next(code for (m, d), code in TOMATO_WINDOWS if (day.month, day.day) <= (m, d))


def _codes(rows: list[EaeuCommodityCode]) -> list[str]:
    return [row.code for row in rows]


def test_chapters_07_and_08_are_shipped_with_their_seasonal_codes():
    codes = set(EaeuCommodityCode.objects.values_list("code", flat=True))
    assert len(codes) == 276
    assert {code[:2] for code in codes} == {"07", "08"}
    assert {f"070200000{n}" for n in (1, 2, 3, 4, 5, 6, 7, 9)} <= codes
    assert "0702000000" not in codes  # the demo's code is not an EAEU code
    assert EaeuCommodityCode.objects.filter(season_start__isnull=False).count() == 27
    tomato = EaeuCommodityCode.objects.get(code="0702000005")
    assert (tomato.season_start, tomato.season_end) == (601, 930)
    assert tomato.hs_subheading is not None
    assert tomato.hs_subheading.code == "070200"
    assert tomato.description == "Томаты свежие или охлажденные — с 1 июня по 30 сентября"
    assert tomato.description_en.endswith("from 1 June to 30 September")


@pytest.mark.parametrize("year", [2026, 2028])
def test_exactly_one_tomato_code_is_valid_on_every_day_of_the_year(year):
    day = dt.date(year, 1, 1)
    while day.year == year:
        valid = _codes(eaeu_codes_for("0702", day))
        assert valid == [_expected_tomato(day)], day
        day += dt.timedelta(days=1)


@pytest.mark.parametrize(
    ("day", "valid", "invalid"),
    [
        (dt.date(2026, 3, 31), "0702000001", "0702000002"),
        (dt.date(2026, 4, 1), "0702000002", "0702000001"),
        (dt.date(2026, 4, 30), "0702000002", "0702000003"),
        (dt.date(2026, 5, 1), "0702000003", "0702000002"),
        (dt.date(2026, 5, 14), "0702000003", "0702000004"),
        (dt.date(2026, 5, 15), "0702000004", "0702000003"),
        (dt.date(2026, 5, 31), "0702000004", "0702000005"),
        (dt.date(2026, 6, 1), "0702000005", "0702000004"),
        (dt.date(2026, 9, 30), "0702000005", "0702000006"),
        (dt.date(2026, 10, 1), "0702000006", "0702000005"),
        (dt.date(2026, 10, 31), "0702000006", "0702000007"),
        (dt.date(2026, 11, 1), "0702000007", "0702000006"),
        (dt.date(2026, 12, 20), "0702000007", "0702000009"),
        (dt.date(2026, 12, 21), "0702000009", "0702000007"),
        (dt.date(2026, 12, 31), "0702000009", "0702000001"),
        (dt.date(2027, 1, 1), "0702000001", "0702000009"),
    ],
)
def test_tomato_codes_on_both_sides_of_every_boundary(day, valid, invalid):
    assert eaeu_code_valid_on(valid, day)
    assert not eaeu_code_valid_on(invalid, day)


def test_july_and_january_tomatoes_need_different_codes():
    assert _codes(eaeu_codes_for("0702", dt.date(2026, 7, 15))) == ["0702000005"]
    assert _codes(eaeu_codes_for("0702", dt.date(2026, 1, 15))) == ["0702000001"]


def test_written_forms_of_a_code_are_accepted():
    day = dt.date(2026, 7, 15)
    assert eaeu_code_valid_on("0702 00 000 5", day)
    assert _codes(eaeu_codes_for("0702.00", day)) == ["0702000005"]
    row = eaeu_code("0702000005", day)
    assert row is not None
    assert row.code == "0702000005"


@pytest.mark.parametrize("code", ["", "0702", "07020000051", "070200000x", "0702000000"])
def test_malformed_or_unknown_codes_are_not_valid(code):
    assert not eaeu_code_valid_on(code, dt.date(2026, 7, 15))


def test_a_code_out_of_season_is_known_but_not_valid():
    january = dt.date(2026, 1, 15)
    assert eaeu_code_known("0702000005")
    assert not eaeu_code_valid_on("0702000005", january)
    assert not eaeu_code_known("0702000000")


def test_codes_apply_only_from_the_edition_in_force():
    assert eaeu_code_valid_on("0702000005", dt.date(2022, 7, 15))
    assert not eaeu_code_valid_on("0702000005", dt.date(2021, 7, 15))
    assert eaeu_codes_for("0702", dt.date(2021, 7, 15)) == []


def test_window_across_the_new_year_for_sweet_peppers():
    winter = "0709601002"  # 1 October to 31 March
    summer = "0709601001"  # 1 April to 30 September
    for day in (
        dt.date(2026, 10, 1),
        dt.date(2026, 12, 31),
        dt.date(2027, 1, 1),
        dt.date(2027, 3, 31),
    ):
        assert eaeu_code_valid_on(winter, day), day
        assert not eaeu_code_valid_on(summer, day), day
    for day in (dt.date(2026, 4, 1), dt.date(2026, 9, 30)):
        assert eaeu_code_valid_on(summer, day), day
        assert not eaeu_code_valid_on(winter, day), day


def test_cucumbers_until_the_end_of_february_in_leap_and_common_years():
    assert eaeu_code_valid_on("0707000501", dt.date(2028, 2, 29))
    assert eaeu_code_valid_on("0707000501", dt.date(2027, 2, 28))
    assert _codes(eaeu_codes_for("07070005", dt.date(2027, 3, 1))) == ["0707000502"]


def test_all_year_codes_sit_beside_the_seasonal_ones():
    july = _codes(eaeu_codes_for("0808", dt.date(2026, 7, 15)))
    assert "0808108003" in july  # apples, 1-31 July
    assert "0808108001" not in july
    assert "0808101000" not in july  # cider apples, 16 September to 15 December
    assert {"0808309000", "0808400000"} <= set(july)  # pears and quinces all year


def test_suggestions_walk_up_from_an_invalid_code():
    july = dt.date(2026, 7, 15)
    assert _codes(eaeu_suggestions("0702000000", july)) == ["0702000005"]
    assert _codes(eaeu_suggestions("0707000501", july)) == ["0707000504"]
    assert "0808309000" in _codes(eaeu_suggestions("0808309999", july))
    assert eaeu_suggestions("9999999999", july) == []


def test_eaeu_member_offices_need_10_digits_from_accession():
    today = dt.date(2026, 7, 15)
    assert tariff_requires_10_digits("KZ", today)
    assert commodity_code_digits("KZ", today) == 10
    assert not tariff_requires_10_digits("UZ", today)
    assert commodity_code_digits("CN", today) == 6
    assert not tariff_requires_10_digits("KG", dt.date(2015, 8, 11))
    assert tariff_requires_10_digits("KG", dt.date(2015, 8, 12))


@pytest.mark.parametrize(
    ("code", "required"),
    [
        ("0808108005", True),  # fresh apples
        ("0805102000", True),  # fresh sweet oranges
        ("0806101000", True),  # fresh table grapes
        ("0702000005", True),  # fresh tomatoes
        ("0811101100", False),  # frozen strawberries
        ("0811209000", False),  # frozen berries
        ("0710100000", False),  # frozen potatoes
        ("0806201000", False),  # raisins
        ("0813100000", False),  # dried apricots
        ("0802310000", False),  # walnuts in shell
        ("0712905000", False),  # dried carrots
        ("0712901100", True),  # hybrid sweetcorn for sowing
        ("0602", True),  # live plants
        ("1001", True),  # wheat
        ("1209", True),  # seeds for sowing
        ("1206001000", True),  # sunflower seeds
        ("4407", True),  # sawn wood
        ("8471300000", False),  # laptops
    ],
)
def test_phytosanitary_certificate_comes_from_the_regulated_list(code, required):
    assert phytosanitary_certificate_required(code, dt.date(2026, 7, 15)) is required


def test_the_deciding_list_row_is_explained():
    rule = phytosanitary_rule("0808108005", dt.date(2026, 7, 15))
    assert rule is not None
    assert rule.code_prefix == "0808"
    assert rule.list_item == "Свежие фрукты"
    dates = phytosanitary_rule("0804100000", dt.date(2026, 7, 15))
    assert dates is not None
    assert dates.partial  # only fresh dates: the description says which part
    assert phytosanitary_rule("0811101100", dt.date(2026, 7, 15)) is None


def test_longest_prefix_wins_and_rows_are_effective_dated():
    day = dt.date(2026, 7, 15)
    PhytosanitaryRegulatedProduct.objects.create(
        code_prefix="080910",
        certificate_required=False,
        description="Исключение для проверки",
        valid_from=dt.date(2026, 7, 1),
    )
    assert not phytosanitary_certificate_required("0809100000", day)
    assert phytosanitary_certificate_required("0809100000", dt.date(2026, 6, 30))
    assert phytosanitary_certificate_required("0809210000", day)
    assert not phytosanitary_certificate_required("0808108005", dt.date(2017, 6, 30))


@pytest.mark.parametrize(
    ("code", "fresh"),
    [
        ("0702000000", True),  # tomatoes
        ("080610", True),  # grapes, fresh
        ("0808108000", True),  # apples
        ("0713", False),  # dried pulses: regulated (grain), not fresh produce
        ("0712", False),  # dried vegetables: not on the list
        ("0802", False),  # nuts
        ("060311", False),  # cut flowers: regulated, not produce
    ],
)
def test_fresh_produce_is_the_regulated_lists_fresh_vegetables_and_fruit(code, fresh):
    assert is_fresh_produce(code, dt.date(2026, 7, 15)) is fresh
