from django.contrib import admin

from .models import PendingTask


@admin.register(PendingTask)
class PendingTaskAdmin(admin.ModelAdmin):
    """Read-only view of follow-up work still owed (operators watch it during an incident)."""

    list_display = ("key", "created_at", "requested_at", "relayed_at", "relays")
    search_fields = ("key",)
    ordering = ("created_at",)

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
