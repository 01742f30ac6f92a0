"""Exchange rates in the admin: read them, and correct one when the source corrects it."""

from django.contrib import admin

from .models import ExchangeRate


@admin.register(ExchangeRate)
class ExchangeRateAdmin(admin.ModelAdmin):
    """Daily rates by currency."""

    list_display = ["currency", "day", "kzt_per_unit", "published_on", "source"]
    list_filter = ["currency"]
    date_hierarchy = "day"
    search_fields = ["currency"]
