"""Admin for partners, their staff members and API keys (issued and revoked here)."""

from django.contrib import admin
from django.utils.safestring import SafeString
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from rest_framework_api_key.admin import APIKeyModelAdmin

from tradehub.ui.admin import AMBER, GREEN, RED, badge

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
    # One status that means what it says, instead of the library's "revoked ✔" / "has expired ✖".
    list_display = ("prefix", "name", "partner", "key_status", "created", "expiry_date")  # type: ignore[assignment]
    list_filter = (*APIKeyModelAdmin.list_filter, "partner")  # type: ignore[assignment]
    search_fields = (*APIKeyModelAdmin.search_fields, "partner__name")  # type: ignore[assignment]
    autocomplete_fields = ["partner"]

    @admin.display(description=_("status"))
    def key_status(self, key: PartnerAPIKey) -> SafeString:
        if key.revoked:
            return badge(gettext("revoked"), RED)
        if key.has_expired:
            return badge(gettext("expired"), AMBER)
        return badge(gettext("active"), GREEN)
