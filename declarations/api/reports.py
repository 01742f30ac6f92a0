"""`GET /api/v1/reports/trade/`: the trade report for the caller's declarations (staff: all)."""

import datetime as dt
from typing import Any

from django.conf import settings
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from tradehub.api.pagination import query_error
from tradehub.partners.principals import partner_of, sees_everything

from .. import reports
from ..currencies import ISO_4217_CURRENCIES

MAX_DAYS = 5 * 366
# The year-earlier period must be a real date too.
EARLIEST, LATEST = dt.date(2001, 1, 1), dt.date(2100, 12, 31)


class TradeRowSerializer(serializers.Serializer[dict[str, Any]]):
    """One group: this period, the same period a year earlier, and the change."""

    group = serializers.CharField(
        help_text="ISO 3166 alpha-2 country, 2-digit HS chapter, or YYYY-MM"
    )
    net_kg = serializers.DecimalField(max_digits=20, decimal_places=3)
    invoice_value = serializers.DecimalField(
        max_digits=24, decimal_places=2, help_text="In the report's `currency`"
    )
    goods_items = serializers.IntegerField()
    unconverted_goods_items = serializers.IntegerField(
        help_text="Goods items without an exchange rate that day: in net_kg, not in the value"
    )
    previous_net_kg = serializers.DecimalField(max_digits=20, decimal_places=3)
    previous_invoice_value = serializers.DecimalField(max_digits=24, decimal_places=2)
    previous_goods_items = serializers.IntegerField()
    previous_unconverted_goods_items = serializers.IntegerField()
    net_kg_change_pct = serializers.FloatField(
        allow_null=True, help_text="Against a year earlier; null when there was nothing then"
    )
    invoice_value_change_pct = serializers.FloatField(allow_null=True)


class TradeTotalsSerializer(TradeRowSerializer):
    """The rows added up."""

    group = None  # type: ignore[assignment]


class TradeReportSerializer(serializers.Serializer[dict[str, Any]]):
    """The trade report."""

    group_by = serializers.ChoiceField(choices=[(g, g) for g in reports.GROUPS])
    currency = serializers.CharField(help_text="ISO 4217 reporting currency")
    from_ = serializers.DateField(source="from_")
    to = serializers.DateField()
    previous_from = serializers.DateField()
    previous_to = serializers.DateField()
    results = TradeRowSerializer(many=True)
    totals = TradeTotalsSerializer()

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")  # `from` is a Python keyword
        return fields


def _date(request: Request, name: str, default: dt.date) -> dt.date:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    try:
        value = dt.date.fromisoformat(raw.strip())
    except ValueError:
        raise query_error(name, "A date (YYYY-MM-DD) is required.") from None
    if not EARLIEST <= value <= LATEST:
        raise query_error(name, "The date must lie between 2001 and 2100.", "out_of_range")
    return value


class TradeReportView(APIView):
    """Declared trade per destination country, HS chapter or month, with the year-earlier change."""

    query_parameters = ("group_by", "from", "to", "currency")

    @extend_schema(
        summary="Trade report: declared net kg and invoice value per group, vs. a year earlier",
        parameters=[
            OpenApiParameter(
                "group_by",
                {"type": "string", "enum": list(reports.GROUPS), "default": reports.GROUPS[0]},
                description="`destination_country` (the consignee's country), `hs_chapter` "
                "(first two digits of the commodity code) or `month` (YYYY-MM, UTC).",
            ),
            OpenApiParameter(
                "from",
                OpenApiTypes.DATE,
                description="First day (UTC) of customs registration; default a year before `to`.",
            ),
            OpenApiParameter(
                "to", OpenApiTypes.DATE, description="Last day, included (default today, UTC)."
            ),
            OpenApiParameter(
                "currency",
                {"type": "string", "pattern": "^[A-Z]{3}$"},
                description="Reporting currency (default: the deployment's, usually USD).",
            ),
        ],
        responses={200: TradeReportSerializer},
    )
    def get(self, request: Request) -> Response:
        group_by = request.query_params.get("group_by", reports.GROUPS[0]).strip()
        if group_by not in reports.GROUPS:
            raise query_error("group_by", f"One of {', '.join(reports.GROUPS)}.")
        today = timezone.now().astimezone(dt.UTC).date()
        end = _date(request, "to", today)
        start = _date(request, "from", end - dt.timedelta(days=364))
        if start > end:
            raise query_error("to", "Must not be before `from`.")
        if (end - start).days > MAX_DAYS:
            raise query_error("from", "The period may span at most five years.")
        currency = request.query_params.get("currency", settings.TRADE_REPORT_CURRENCY)
        currency = currency.strip().upper()
        if currency not in ISO_4217_CURRENCIES:
            raise query_error("currency", "An ISO 4217 currency code is required.")
        partner = partner_of(request.user)
        if sees_everything(request.user):
            partner_id = None
        elif partner is None:
            partner_id = -1  # a caller with no partner sees nothing
        else:
            partner_id = partner.pk
        period = reports.Period(start, end)
        rows = reports.trade_report(
            group_by=group_by, period=period, currency=currency, partner_id=partner_id
        )
        previous = period.year_earlier()
        body = {
            "group_by": group_by,
            "currency": currency,
            "from_": start,
            "to": end,
            "previous_from": previous.start,
            "previous_to": previous.end,
            "results": rows,
            "totals": reports.totals(rows),
        }
        return Response(TradeReportSerializer(body).data)
