"""Admin for reference data: browsable and searchable; offices and unions are editable; the EAEU
nomenclature and the regulated-products list are read-only (they come from the loaders)."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from .models import (
    Country,
    CustomsOffice,
    CustomsUnion,
    CustomsUnionMembership,
    EaeuCommodityCode,
    HsCode,
    Location,
    PhytosanitaryRegulatedProduct,
    VatRate,
)


@admin.register(Country)
class CountryAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


class MembershipInline(admin.TabularInline):
    model = CustomsUnionMembership
    extra = 0
    autocomplete_fields = ["country"]


@admin.register(CustomsUnion)
class CustomsUnionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "commodity_code_digits"]
    inlines = [MembershipInline]


@admin.register(Location)
class LocationAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "country", "function", "timezone", "is_internal"]
    list_filter = ["is_internal", "country"]
    search_fields = ["code", "name", "name_ascii"]
    list_select_related = ["country"]
    show_full_result_count = False


@admin.register(CustomsOffice)
class CustomsOfficeAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "location", "roles"]
    search_fields = ["code", "name", "location__code"]
    autocomplete_fields = ["location"]


@admin.register(HsCode)
class HsCodeAdmin(admin.ModelAdmin):
    list_display = ["code", "description", "level", "section"]
    list_filter = ["level", "section"]
    search_fields = ["code", "description"]
    readonly_fields = ["parent"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Browse and search only: these rows are loaded from sourced files, not edited by hand."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class SeasonalFilter(admin.SimpleListFilter):
    title = _("seasonal")
    parameter_name = "seasonal"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("yes", _("Seasonal")), ("no", _("All year"))]

    def queryset(self, request: HttpRequest, queryset: Any) -> Any:
        if self.value() == "yes":
            return queryset.filter(season_start__isnull=False)
        if self.value() == "no":
            return queryset.filter(season_start__isnull=True)
        return queryset


@admin.register(EaeuCommodityCode)
class EaeuCommodityCodeAdmin(ReadOnlyAdmin):
    list_display = ["code", "description", "season_start", "season_end", "valid_from", "valid_to"]
    list_filter = [SeasonalFilter, "valid_from", "source"]
    search_fields = ["code", "description", "description_en"]
    show_full_result_count = False


@admin.register(PhytosanitaryRegulatedProduct)
class PhytosanitaryRegulatedProductAdmin(ReadOnlyAdmin):
    list_display = [
        "code_prefix",
        "description",
        "certificate_required",
        "partial",
        "list_item",
        "valid_from",
        "valid_to",
    ]
    list_filter = ["certificate_required", "partial", "list_item"]
    search_fields = ["code_prefix", "description", "description_en"]


@admin.register(VatRate)
class VatRateAdmin(ReadOnlyAdmin):
    list_display = ["country", "rate", "valid_from", "valid_to", "source"]
    list_filter = ["country"]
    list_select_related = ["country"]
