"""Admin: stored idempotency records, read-only (for support: "did my retry replay?")."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import IdempotencyRecord


@admin.register(IdempotencyRecord)
class IdempotencyRecordAdmin(admin.ModelAdmin):
    list_display = ["caller", "key", "method", "path", "status", "response_status", "created_at"]
    list_filter = ["status", "response_status"]
    search_fields = ["caller", "key", "path"]
    readonly_fields = [field.name for field in IdempotencyRecord._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
