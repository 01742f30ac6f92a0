"""GET /api/v1/reports/trade/: figures equal to sums computed independently from the declarations,
converted by the dated rate table, with the year-earlier change, scoped to the caller."""

import datetime as dt
from collections import defaultdict
from decimal import Decimal

import pytest

from declarations.models import Declaration, GoodsItem
from tests.declarations.factories import create_declaration
from tradehub.rates.services import Publication, load_rates

pytestmark = pytest.mark.django_db
URL = "/api/v1/reports/trade/"
SOURCE = "test rates"
# (day, currency, kzt per unit): USD and CNY on two days a year apart; no EUR rate at all.
RATES = [
    (dt.date(2024, 7, 1), "USD", Decimal("470.00")),
    (dt.date(2024, 7, 1), "CNY", Decimal("65.00")),
    (dt.date(2025, 7, 1), "USD", Decimal("500.00")),
    (dt.date(2025, 7, 1), "CNY", Decimal("70.00")),
]
# (accepted day, consignee country, status, [(commodity code, net kg, value, currency)])
DECLARED = [
    (dt.date(2025, 7, 3), "KZ", "released", [("0702000000", "6000.000", "9600.00", "USD")]),
    (
        dt.date(2025, 7, 5),
        "KZ",
        "distributed",
        [
            ("0806101000", "2000.000", "21000.00", "CNY"),
            ("0810500000", "500.000", "1500.00", "EUR"),
        ],
    ),
    (dt.date(2025, 7, 6), "UZ", "accepted", [("0702000000", "1000.000", "500000.00", "KZT")]),
    (dt.date(2024, 7, 4), "KZ", "released", [("0702000000", "4000.000", "6000.00", "USD")]),
    (dt.date(2024, 7, 4), "UZ", "released", [("0806101000", "800.000", "7000.00", "CNY")]),
    # Refused or cancelled after registration, or never registered: not declared trade.
    (dt.date(2025, 7, 4), "KZ", "rejected", [("0702000000", "9999.000", "1.00", "USD")]),
    (dt.date(2025, 7, 4), "KZ", "cancelled", [("0702000000", "9999.000", "1.00", "USD")]),
    (None, "KZ", "draft", [("0702000000", "9999.000", "1.00", "USD")]),
    # Outside both periods.
    (dt.date(2025, 8, 2), "KZ", "released", [("0702000000", "9999.000", "1.00", "USD")]),
]


def rate(day: dt.date, currency: str) -> Decimal | None:
    """The rate that held that day (the latest publication on or before it, at most 7 days)."""
    if currency == "KZT":
        return Decimal(1)
    held = [(d, r) for d, c, r in RATES if c == currency and d <= day and (day - d).days <= 7]
    return max(held)[1] if held else None


def declare(partner, accepted: dt.date | None, country: str, status: str, items) -> Declaration:
    declaration = create_declaration(partner)
    declaration.goods_items.all().delete()
    for sequence, (code, kg, value, currency) in enumerate(items, start=1):
        GoodsItem.objects.create(
            declaration=declaration,
            sequence=sequence,
            description="fresh produce",
            commodity_code=code,
            origin_country="CN",
            packages_count=10,
            packages_kind="CT",
            gross_kg=Decimal(kg) + 1,
            net_kg=Decimal(kg),
            invoice_value=Decimal(value),
            currency=currency,
        )
    accepted_at = dt.datetime.combine(accepted, dt.time(9), tzinfo=dt.UTC) if accepted else None
    Declaration.objects.filter(pk=declaration.pk).update(
        status=status, accepted_at=accepted_at, consignee={"name": "X", "country": country}
    )
    return declaration


@pytest.fixture
def declared(partner, other_partner):
    load_rates([Publication(d, c, 1, r, SOURCE) for d, c, r in RATES], max_age_days=7)
    for row in DECLARED:
        declare(partner, *row)
    # Another partner's trade: invisible to the first partner, included for staff.
    declare(
        other_partner,
        dt.date(2025, 7, 3),
        "KZ",
        "released",
        [("0702000000", "7.000", "7.00", "USD")],
    )


def expected(group_by: str, start: dt.date, end: dt.date, currency: str, partners) -> dict:
    """The report computed in Python, straight from the stored declarations."""
    previous = (start.replace(year=start.year - 1), end.replace(year=end.year - 1))
    rows: dict[str, dict[str, Decimal | int]] = defaultdict(lambda: defaultdict(lambda: Decimal(0)))
    items = GoodsItem.objects.filter(
        declaration__partner__in=partners, declaration__accepted_at__isnull=False
    ).exclude(declaration__status__in=["rejected", "cancelled"])
    for item in items.select_related("declaration"):
        accepted_at = item.declaration.accepted_at
        assert accepted_at is not None
        day = accepted_at.astimezone(dt.UTC).date()
        if start <= day <= end:
            prefix = ""
        elif previous[0] <= day <= previous[1]:
            prefix = "previous_"
        else:
            continue
        if group_by == "hs_chapter":
            key = item.commodity_code[:2]
        elif group_by == "month":
            shown = day if not prefix else day.replace(year=day.year + 1)
            key = shown.strftime("%Y-%m")
        else:
            key = item.declaration.consignee["country"]
        row = rows[key]
        row[prefix + "net_kg"] += item.net_kg
        row[prefix + "goods_items"] += 1
        item_rate, report_rate = rate(day, item.currency), rate(day, currency)
        if item_rate is None or report_rate is None:
            row[prefix + "unconverted_goods_items"] += 1
        else:
            row[prefix + "invoice_value"] += item.invoice_value * item_rate / report_rate
    return {
        key: {
            "net_kg": f"{row['net_kg']:.3f}",
            "invoice_value": f"{Decimal(row['invoice_value']).quantize(Decimal('0.01'))}",
            "goods_items": int(row["goods_items"]),
            "unconverted_goods_items": int(row["unconverted_goods_items"]),
            "previous_net_kg": f"{row['previous_net_kg']:.3f}",
            "previous_invoice_value": f"{Decimal(row['previous_invoice_value']).quantize(Decimal('0.01'))}",
            "previous_goods_items": int(row["previous_goods_items"]),
        }
        for key, row in rows.items()
    }


def got(response) -> dict:
    assert response.status_code == 200, response.content
    keys = (
        "net_kg",
        "invoice_value",
        "goods_items",
        "unconverted_goods_items",
        "previous_net_kg",
        "previous_invoice_value",
        "previous_goods_items",
    )
    return {row["group"]: {k: row[k] for k in keys} for row in response.json()["results"]}


@pytest.mark.parametrize("group_by", ["destination_country", "hs_chapter", "month"])
@pytest.mark.parametrize("currency", ["USD", "KZT", "CNY"])
def test_figures_equal_independent_sums(api, partner, declared, group_by, currency):
    params = {"group_by": group_by, "from": "2025-07-01", "to": "2025-07-31", "currency": currency}
    response = api.get(URL, params)
    assert got(response) == expected(
        group_by, dt.date(2025, 7, 1), dt.date(2025, 7, 31), currency, [partner]
    )
    body = response.json()
    assert (body["previous_from"], body["previous_to"]) == ("2024-07-01", "2024-07-31")


def test_hand_checked_figures_and_change(api, declared):
    body = api.get(URL, {"group_by": "hs_chapter", "from": "2025-07-01", "to": "2025-07-31"}).json()
    chapter_07 = next(row for row in body["results"] if row["group"] == "07")
    # 6000 kg (9600 USD) + 1000 kg (500000 KZT / 500 = 1000 USD) vs 4000 kg (6000 USD).
    assert chapter_07["net_kg"] == "7000.000"
    assert chapter_07["invoice_value"] == "10600.00"
    assert chapter_07["net_kg_change_pct"] == 75.0
    assert chapter_07["invoice_value_change_pct"] == pytest.approx(76.7)
    chapter_08 = next(row for row in body["results"] if row["group"] == "08")
    # 21000 CNY * 70 / 500 = 2940 USD; the EUR item has no rate: kg yes, value no.
    assert chapter_08["invoice_value"] == "2940.00"
    assert chapter_08["net_kg"] == "2500.000"
    assert chapter_08["unconverted_goods_items"] == 1
    assert body["totals"]["net_kg"] == "9500.000"


def test_partner_scoped_and_staff_see_all(
    api, other_api, staff_api, partner, other_partner, declared
):
    params = {"group_by": "destination_country", "from": "2025-07-01", "to": "2025-07-31"}
    theirs = got(other_api.get(URL, params))
    assert theirs == expected(
        "destination_country", dt.date(2025, 7, 1), dt.date(2025, 7, 31), "USD", [other_partner]
    )
    everyone = got(staff_api.get(URL, params))
    assert everyone == expected(
        "destination_country",
        dt.date(2025, 7, 1),
        dt.date(2025, 7, 31),
        "USD",
        [partner, other_partner],
    )
    assert everyone["KZ"]["net_kg"] != got(api.get(URL, params))["KZ"]["net_kg"]


@pytest.mark.parametrize(
    ("params", "pointer"),
    [
        ({"group_by": "city"}, "/query/group_by"),
        ({"from": "July"}, "/query/from"),
        ({"from": "2025-07-31", "to": "2025-07-01"}, "/query/to"),
        ({"currency": "DOLLARS"}, "/query/currency"),
        ({"from": "2015-01-01", "to": "2025-01-01"}, "/query/from"),
        ({"page_size": "5"}, "/query/page_size"),
    ],
)
def test_bad_parameters_are_400_with_a_query_pointer(api, params, pointer):
    response = api.get(URL, params)
    assert response.status_code == 400
    assert pointer in [e["pointer"] for e in response.json()["errors"]]


def test_admin_shows_the_same_report_as_table_and_chart(client, staff_user, declared):
    client.force_login(staff_user)
    response = client.get(
        "/admin/reports/trade/",
        {"group_by": "hs_chapter", "from": "2025-07-01", "to": "2025-07-31"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "<svg" in html and "<table" in html
    # Chapters 07 (with the other partner's 7 USD: staff see all) and 08, as the API says.
    assert "10607.00" in html and "2940.00" in html


def test_admin_report_is_for_staff_only(client):
    response = client.get("/admin/reports/trade/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
