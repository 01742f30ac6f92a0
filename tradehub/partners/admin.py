"""Admin for partners, their staff members and API keys (issued and revoked here)."""

from django.contrib import admin
from rest_framework_api_key.admin import APIKeyModelAdmin

from .models import Membership, Partner, PartnerAPIKey


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    list_display = ["name", "reference", "kind", "is_gateway", "is_active", "contact_email"]
    list_filter = ["kind", "is_gateway", "is_active"]
    search_fields = ["name", "reference", "contact_email"]
    readonly_fields = ["reference", "created_at", "updated_at"]
    inlines = [MembershipInline]


@admin.register(PartnerAPIKey)
class PartnerAPIKeyAdmin(APIKeyModelAdmin):
    list_display = (*APIKeyModelAdmin.list_display, "partner")  # type: ignore[assignment]
    list_filter = (*APIKeyModelAdmin.list_filter, "partner")  # type: ignore[assignment]
    search_fields = (*APIKeyModelAdmin.search_fields, "partner__name")  # type: ignore[assignment]
    autocomplete_fields = ["partner"]
