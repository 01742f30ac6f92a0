"""Trade report: the one grouped query over 1,000,000 goods items, against a plain scan of them.

Run: python bench/trade_report.py   (or bin/bench trade_report; needs the migrated bench database)

Claim checked (issue 11): the report is computed by the database in one grouped query (two rate
joins, conditional sums for this period and a year earlier), so on a million goods items it
costs a small multiple of merely reading and summing those rows.

Data: 100,000 released declarations of one bench partner, accepted over two years (2024-2025,
spread evenly), consignees in five countries, ten goods items each (chapters 07, 08, 20, 21, 22;
currencies USD, CNY, EUR, KZT) = 1,000,000 goods items, generated in SQL from one template
declaration; daily USD/CNY/EUR rates for both years. Baseline: `SELECT sum(net_kg), sum(value)`
over the same join and date range without rates or grouping. Paths: the report grouped by
destination country, by HS chapter and by month for 2025 (against 2024). Paired rounds, median
ratio; the absolute median times are printed too.
"""

import datetime as dt
import statistics
import sys
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _setup import paired_ratios, print_ratios, setup_django, timed

setup_django()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from declarations import reports  # noqa: E402
from declarations.models import Declaration, GoodsItem  # noqa: E402
from tradehub.partners.models import Partner  # noqa: E402
from tradehub.rates.services import Publication, load_rates  # noqa: E402

DECLARATIONS = 100_000
ITEMS_PER_DECLARATION = 10
ROUNDS = 5
PERIOD = reports.Period(dt.date(2025, 1, 1), dt.date(2025, 12, 31))


def template() -> Declaration:
    """One declaration made the normal way, whose column values the generated rows copy."""
    from tests.declarations.factories import create_declaration

    partner, _ = Partner.objects.get_or_create(name="Bench trade report partner")
    return create_declaration(partner, lrn="BENCH-TEMPLATE")


def generate(source: Declaration) -> None:
    """100,000 declarations and 1,000,000 goods items by INSERT ... SELECT generate_series."""
    overrides = {
        "reference": "'BEN-' || lpad(i::text, 10, '0')",
        "lrn": "'BENCH-' || i",
        "status": "'released'",
        "number": "'BENCH/' || i",
        "accepted_at": "timestamptz '2024-01-01 09:00+00' + (i % 730) * interval '1 day'",
        "consignee": "jsonb_build_object('name', 'C', 'country', "
        "(ARRAY['KZ','UZ','KG','TJ','TM'])[1 + i % 5])",
    }
    columns = [f.column for f in Declaration._meta.concrete_fields if f.column != "id"]
    select = ", ".join(overrides.get(c, f't."{c}"') for c in columns)
    names = ", ".join(f'"{c}"' for c in columns)
    item = GoodsItem.objects.filter(declaration=source).first()
    assert item is not None
    item_overrides = {
        "declaration_id": "d.id",
        "sequence": "s",
        "commodity_code": "(ARRAY['0702000000','0806101000','2009610000','2101110000',"
        "'2202100000'])[1 + (d.id + s) % 5]",
        "net_kg": "100 + (d.id * 7 + s) % 900",
        "invoice_value": "500 + (d.id * 13 + s) % 5000",
        "currency": "(ARRAY['USD','CNY','EUR','KZT'])[1 + (d.id + s) % 4]",
    }
    item_columns = [f.column for f in GoodsItem._meta.concrete_fields if f.column != "id"]
    item_select = ", ".join(item_overrides.get(c, f'g."{c}"') for c in item_columns)
    item_names = ", ".join(f'"{c}"' for c in item_columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO declarations_declaration ({names}) "
            f"SELECT {select} FROM declarations_declaration t, "
            f"generate_series(1, %s) i WHERE t.id = %s",
            [DECLARATIONS, source.pk],
        )
        cursor.execute(
            "CREATE TEMP TABLE goodsitem_template AS SELECT * FROM declarations_goodsitem "
            "WHERE id = %s",
            [item.pk],
        )
        cursor.execute(
            f"INSERT INTO declarations_goodsitem ({item_names}) "
            f"SELECT {item_select} FROM declarations_declaration d, goodsitem_template g, "
            f"generate_series(1, %s) s WHERE d.lrn LIKE 'BENCH-%%' AND d.id <> %s",
            [ITEMS_PER_DECLARATION, source.pk],
        )
        cursor.execute("ANALYZE declarations_declaration")
        cursor.execute("ANALYZE declarations_goodsitem")


def rates() -> None:
    day, publications = dt.date(2024, 1, 1), []
    while day <= dt.date(2025, 12, 31):
        for currency, kzt in (("USD", "480"), ("CNY", "66"), ("EUR", "520")):
            publications.append(Publication(day, currency, 1, Decimal(kzt), "bench"))
        day += dt.timedelta(days=1)
    load_rates(publications, max_age_days=7)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE rates_exchangerate")


def plain_scan() -> object:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT sum(g.net_kg), sum(g.invoice_value) FROM declarations_goodsitem g "
            "JOIN declarations_declaration d ON d.id = g.declaration_id "
            "WHERE d.accepted_at >= %s AND d.accepted_at < %s",
            [dt.datetime(2024, 1, 1, tzinfo=dt.UTC), dt.datetime(2026, 1, 1, tzinfo=dt.UTC)],
        )
        return cursor.fetchone()


def report(group_by: str):
    def run() -> object:
        return reports.trade_report(
            group_by=group_by, period=PERIOD, currency="USD", partner_id=None
        )

    return run


def main() -> None:
    call_command("load_reference_data", verbosity=0)
    source = template()
    try:
        generate(source)
        rates()
        count = GoodsItem.objects.filter(declaration__lrn__startswith="BENCH-").count()
        print(f"goods items: {count:,}")
        paths = {
            "plain scan (baseline)": plain_scan,
            "report by destination_country": report("destination_country"),
            "report by hs_chapter": report("hs_chapter"),
            "report by month": report("month"),
        }
        for run in paths.values():
            run()  # warm the cache
        print_ratios(
            "trade report over 1,000,000 goods items (2025 vs 2024), median of paired rounds",
            paired_ratios(paths, "plain scan (baseline)", ROUNDS),
        )
        for label, run in paths.items():
            median = statistics.median(timed(run) for _ in range(3))
            print(f"  {label:<36} {median * 1000:8.0f} ms")
    finally:
        with connection.cursor() as cursor:
            cursor.execute(
                "DELETE FROM declarations_goodsitem WHERE declaration_id IN "
                "(SELECT id FROM declarations_declaration WHERE lrn LIKE 'BENCH-%%')"
            )
            cursor.execute("DELETE FROM declarations_declaration WHERE lrn LIKE 'BENCH-%%'")
            cursor.execute("DELETE FROM rates_exchangerate WHERE source = 'bench'")


if __name__ == "__main__":
    main()
