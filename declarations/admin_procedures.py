"""Admin pieces for customs procedures (kept apart from the declaration admin): a declaration's
transit, its stock under customs control, and the declarations drawn from it — what was released
or re-exported, to where."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from . import selectors
from .models import Declaration, Transit


class TransitInline(admin.StackedInline):  # type: ignore[type-arg]
    """The transit block of a transit declaration (read-only: customs messages move it)."""

    model = Transit
    extra = 0
    can_delete = False
    fields = readonly_fields = (
        "status",
        "destination_office",
        "route",
        "navigation_seals",
        "requested_deadline",
        "delivery_deadline",
        "opened_at",
        "arrived_at",
        "arrival_source",
        "completed_at",
    )
    verbose_name_plural = _("Transit")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ChildDeclarationInline(admin.TabularInline):  # type: ignore[type-arg]
    """Declarations drawn from this one's stock: releases and re-exports, to where."""

    model = Declaration
    fk_name = "parent"
    extra = 0
    can_delete = False
    fields = readonly_fields = ("link", "procedure", "status", "destination", "net_kg")
    verbose_name = _("Declaration drawn from this stock")
    verbose_name_plural = _("Declarations drawn from this stock (releases and re-exports)")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("Declaration"))
    def link(self, child: Declaration) -> SafeString:
        url = reverse("admin:declarations_declaration_change", args=[child.pk])
        return format_html('<a href="{}">{} ({})</a>', url, child.reference, child.lrn)

    @admin.display(description=_("Consignee country"))
    def destination(self, child: Declaration) -> str:
        return str((child.consignee or {}).get("country", "—"))

    @admin.display(description=_("Net kg"))
    def net_kg(self, child: Declaration) -> str:
        return f"{sum(item.net_kg for item in child.goods_items.all()):.3f}"


class ProcedureAdminMixin:
    """The stock table of a declaration under customs control (transit decisions: decisions.py)."""

    @admin.display(description=_("Stock under customs control"))
    def stock_display(self, declaration: Declaration) -> SafeString:
        report = selectors.stock_report(declaration)
        if not report["available"] and not any(i["drawings"] for i in report["items"]):
            return format_html("{}", report["unavailable_reason"] or "—")
        header = format_html(
            "<tr><th>#</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th>"
            "<th>{}</th><th>{}</th></tr>",
            _("Goods"),
            _("Declared kg"),
            _("Released"),
            _("Re-exported"),
            _("Reserved"),
            _("In stock"),
            _("Available"),
            _("Storage place"),
        )
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
            "<td>{}</td><td>{}</td></tr>",
            (
                (
                    item["goods_item"],
                    item["description"],
                    item["declared"]["net_kg"],
                    item["released"]["net_kg"],
                    item["reexported"]["net_kg"],
                    item["reserved"]["net_kg"],
                    item["in_stock"]["net_kg"],
                    item["available"]["net_kg"],
                    item["storage_place"] or "—",
                )
                for item in report["items"]
            ),
        )
        return format_html("<table>{}{}</table>", header, rows)
