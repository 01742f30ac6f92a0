"""The trade report in the admin: the same figures as `GET /api/v1/reports/trade/`, as a table and
a bar chart (server-rendered SVG, no JavaScript, no CDN). Staff see every partner."""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import reports
from .currencies import ISO_4217_CURRENCIES

BAR_WIDTH = 420


def _day(value: str | None, default: dt.date) -> dt.date:
    try:
        return dt.date.fromisoformat(value) if value else default
    except ValueError:
        return default


def trade_report_view(request: HttpRequest) -> HttpResponse:
    """Pick group, period and currency; see this period against a year earlier."""
    today = timezone.now().astimezone(dt.UTC).date()
    end = _day(request.GET.get("to"), today)
    start = _day(request.GET.get("from"), end - dt.timedelta(days=364))
    if start > end:
        start, end = end, start
    group_by = request.GET.get("group_by", reports.GROUPS[0])
    if group_by not in reports.GROUPS:
        group_by = reports.GROUPS[0]
    currency = (request.GET.get("currency") or settings.TRADE_REPORT_CURRENCY).upper()
    if currency not in ISO_4217_CURRENCIES:
        currency = settings.TRADE_REPORT_CURRENCY
    period = reports.Period(start, end)
    rows = reports.trade_report(
        group_by=group_by, period=period, currency=currency, partner_id=None
    )
    top = max(
        [row["invoice_value"] for row in rows] + [row["previous_invoice_value"] for row in rows],
        default=Decimal(0),
    )
    for index, row in enumerate(rows):
        row["y"] = index * 34
        for name in ("invoice_value", "previous_invoice_value"):
            row[f"{name}_bar"] = int(BAR_WIDTH * row[name] / top) if top else 0
    context: dict[str, Any] = {
        **admin.site.each_context(request),
        "title": _("Trade report"),
        "rows": rows,
        "totals": reports.totals(rows),
        "group_by": group_by,
        "groups": reports.GROUPS,
        "start": start,
        "end": end,
        "previous": period.year_earlier(),
        "currency": currency,
        "chart_height": max(len(rows) * 34, 34),
        "bar_width": BAR_WIDTH,
    }
    return TemplateResponse(request, "admin/declarations/trade_report.html", context)


urlpatterns = [
    path("", admin.site.admin_view(trade_report_view), name="admin-trade-report"),
]
