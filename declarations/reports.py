"""The trade report: declared net kg and invoice value per group, converted into one reporting
currency by the dated rate table, against the same period a year earlier - one grouped query.

Definitions (docs/API.md, "Trade report"):

* A goods item counts when its declaration was registered by customs (`accepted_at` set) and
  not later refused or cancelled (`rejected`, `cancelled`, `registration_refused`). Its date is
  the UTC day of `accepted_at`.
* `destination_country`: the country of the declaration's consignee, where the declared goods
  go (for an import at Almaty, KZ). `hs_chapter`: the first two digits of the commodity code.
  `month`: `YYYY-MM` of the date.
* Values are converted with the official rate of the item's currency and of the reporting
  currency on that day (`tradehub.rates`: tenge per unit, cross-rated through the tenge). An
  item whose currency (or the reporting currency) has no rate that day keeps its net kg in the
  figures but not its value: it is counted in `unconverted_goods_items`.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection

from .choices import DeclarationStatus

GROUPS = ("destination_country", "hs_chapter", "month")
# Registered, then refused or withdrawn: not declared trade. (`registration_refused` arrives
# with the customs-procedure work; listing it early is harmless.)
NOT_DECLARED = (
    DeclarationStatus.REJECTED.value,
    DeclarationStatus.CANCELLED.value,
    "registration_refused",
)
KZT = "KZT"


@dataclass(frozen=True)
class Period:
    """Days from `start` to `end`, both included."""

    start: dt.date
    end: dt.date

    def year_earlier(self) -> "Period":
        return Period(_year_back(self.start), _year_back(self.end))


def _year_back(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def _sql_parts(vendor: str, group_by: str) -> dict[str, str]:
    """Vendor-specific SQL for the item's day, its group key and the year-shifted month key."""
    if vendor == "postgresql":
        day = "(d.accepted_at AT TIME ZONE 'UTC')::date"
        groups = {
            "destination_country": "upper(coalesce(d.consignee->>'country', ''))",
            "hs_chapter": "left(g.commodity_code, 2)",
            "month": f"to_char({day}, 'YYYY-MM')",
        }
        shifted_month = f"to_char({day} + interval '1 year', 'YYYY-MM')"
    else:  # SQLite, the zero-setup default
        day = "date(d.accepted_at)"
        groups = {
            "destination_country": "upper(coalesce(json_extract(d.consignee, '$.country'), ''))",
            "hs_chapter": "substr(g.commodity_code, 1, 2)",
            "month": f"strftime('%%Y-%%m', {day})",
        }
        shifted_month = f"strftime('%%Y-%%m', date({day}, '+1 year'))"
    key = groups[group_by]
    # Rows of the year-earlier period are grouped under the month they compare with.
    if group_by == "month":
        key = f"CASE WHEN {day} >= %(start)s THEN {key} ELSE {shifted_month} END"
    return {"day": day, "key": key}


def trade_report(
    *, group_by: str, period: Period, currency: str, partner_id: int | None
) -> list[dict[str, Any]]:
    """One row per group: this period's and the year-earlier period's net kg, converted value,
    goods items and unconverted goods items. `partner_id` None: every partner (staff)."""
    if group_by not in GROUPS:
        raise ValueError(f"unknown group {group_by!r}")
    previous = period.year_earlier()
    parts = _sql_parts(connection.vendor, group_by)
    day = parts["day"]
    partner_filter = "AND d.partner_id = %(partner)s" if partner_id is not None else ""
    not_declared = ", ".join(f"'{status}'" for status in NOT_DECLARED)  # fixed enum values
    # The rate of a currency on a day: the table's row, or 1 for the tenge itself.
    item_rate = "CASE WHEN g.currency = 'KZT' THEN 1 ELSE rc.kzt_per_unit END"
    report_rate = "CASE WHEN %(currency)s = 'KZT' THEN 1 ELSE rr.kzt_per_unit END"
    sql = f"""
        WITH items AS (
            SELECT {parts["key"]} AS grp,
                   CASE WHEN {day} >= %(start)s THEN 0 ELSE 1 END AS period,
                   g.net_kg AS net_kg,
                   g.invoice_value * ({item_rate}) / ({report_rate}) AS value
            FROM declarations_goodsitem g
            JOIN declarations_declaration d ON d.id = g.declaration_id
            LEFT JOIN rates_exchangerate rc ON rc.currency = g.currency AND rc.day = {day}
            LEFT JOIN rates_exchangerate rr ON rr.currency = %(currency)s AND rr.day = {day}
            WHERE d.accepted_at IS NOT NULL
              AND d.status NOT IN ({not_declared})
              AND (({day} >= %(start)s AND {day} <= %(end)s)
                   OR ({day} >= %(prev_start)s AND {day} <= %(prev_end)s))
              {partner_filter}
        )
        SELECT grp,
               SUM(CASE WHEN period = 0 THEN net_kg END),
               SUM(CASE WHEN period = 0 THEN value END),
               SUM(CASE WHEN period = 0 THEN 1 ELSE 0 END),
               SUM(CASE WHEN period = 0 AND value IS NULL THEN 1 ELSE 0 END),
               SUM(CASE WHEN period = 1 THEN net_kg END),
               SUM(CASE WHEN period = 1 THEN value END),
               SUM(CASE WHEN period = 1 THEN 1 ELSE 0 END),
               SUM(CASE WHEN period = 1 AND value IS NULL THEN 1 ELSE 0 END)
        FROM items
        GROUP BY grp
        ORDER BY grp
    """  # noqa: S608 - only fixed SQL fragments are interpolated; values are parameters
    params: dict[str, Any] = {
        "start": period.start,
        "end": period.end,
        "prev_start": previous.start,
        "prev_end": previous.end,
        "currency": currency,
        "partner": partner_id,
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        fetched = cursor.fetchall()
    return [_row(values) for values in fetched]


def _row(values: tuple[Any, ...]) -> dict[str, Any]:
    grp, kg, value, items, unconverted, prev_kg, prev_value, prev_items, prev_unconverted = values
    return {
        "group": grp or "",
        "net_kg": _kg(kg),
        "invoice_value": _money(value),
        "goods_items": int(items or 0),
        "unconverted_goods_items": int(unconverted or 0),
        "previous_net_kg": _kg(prev_kg),
        "previous_invoice_value": _money(prev_value),
        "previous_goods_items": int(prev_items or 0),
        "previous_unconverted_goods_items": int(prev_unconverted or 0),
        "net_kg_change_pct": _change(_kg(kg), _kg(prev_kg)),
        "invoice_value_change_pct": _change(_money(value), _money(prev_value)),
    }


def _kg(value: Any) -> Decimal:
    return Decimal(value or 0).quantize(Decimal("0.001"))


def _money(value: Any) -> Decimal:
    return Decimal(value or 0).quantize(Decimal("0.01"))


def _change(now: Decimal, before: Decimal) -> float | None:
    """Percent change against the year before; None when there was nothing to compare with."""
    if not before:
        return None
    return round(float((now - before) / before * 100), 1)


def totals(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The report's rows added up (the same shape without `group`)."""
    summed: dict[str, Any] = {
        name: sum((row[name] for row in rows), start=Decimal(0))
        for name in ("net_kg", "invoice_value", "previous_net_kg", "previous_invoice_value")
    }
    for name in (
        "goods_items",
        "unconverted_goods_items",
        "previous_goods_items",
        "previous_unconverted_goods_items",
    ):
        summed[name] = sum(row[name] for row in rows)
    summed["net_kg_change_pct"] = _change(summed["net_kg"], summed["previous_net_kg"])
    summed["invoice_value_change_pct"] = _change(
        summed["invoice_value"], summed["previous_invoice_value"]
    )
    return summed
