"""Admin for reference data: browsable and searchable; offices and unions are editable."""

from django.contrib import admin

from .models import Country, CustomsOffice, CustomsUnion, CustomsUnionMembership, HsCode, Location


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
    list_display = ["code", "name"]
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
