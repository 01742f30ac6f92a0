"""Admin: the outbox with its attempts and a retry action, alert-email and webhook subscriptions."""

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from tradehub.ui.admin import AuditRecordAdmin
from tradehub.workplace.filters import QueueFilter

from . import services
from .models import (
    AlertSubscription,
    DeliveryAttempt,
    DigestItem,
    OutboundMessage,
    WebhookSubscription,
)


class DeliveryAttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    extra = 0
    can_delete = False
    readonly_fields = (
        "number",
        "started_at",
        "finished_at",
        "succeeded",
        "status_code",
        "duration_ms",
        "error",
    )
    fields = readonly_fields
    ordering = ["-started_at"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(OutboundMessage)
class OutboundMessageAdmin(AuditRecordAdmin, admin.ModelAdmin):
    list_display = [
        "reference",
        "channel",
        "event_type",
        "recipient",
        "status",
        "attempts",
        "next_attempt_at",
        "delivered_at",
        "created_at",
    ]
    list_filter = [QueueFilter, "status", "channel", "event_type", "created_at"]
    search_fields = ["reference", "dedup_key", "recipient_email", "subject", "webhook__url"]
    date_hierarchy = "created_at"
    list_select_related = ["webhook"]
    readonly_fields = [
        "reference",
        "channel",
        "event_type",
        "partner",
        "recipient_email",
        "webhook",
        "subject",
        "payload",
        "dedup_key",
        "status",
        "attempts",
        "next_attempt_at",
        "claim_token",
        "lease_expires_at",
        "last_error",
        "delivered_at",
        "created_at",
        "updated_at",
    ]
    inlines = [DeliveryAttemptInline]
    actions = ["retry_selected"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description=_("Retry selected failed or pending messages now"))
    def retry_selected(self, request: HttpRequest, queryset: QuerySet[OutboundMessage]) -> None:
        count = services.retry_messages(queryset)
        self.message_user(
            request,
            ngettext(
                "%(count)d message queued for delivery.",
                "%(count)d messages queued for delivery.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )


@admin.register(AlertSubscription)
class AlertSubscriptionAdmin(admin.ModelAdmin):
    list_display = ["email", "partner", "user", "min_severity", "kinds", "is_active"]
    list_filter = ["is_active", "min_severity", "partner"]
    search_fields = ["email", "partner__name", "user__username"]
    autocomplete_fields = ["partner", "user"]


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(admin.ModelAdmin):
    list_display = ["reference", "partner", "url", "events", "is_active", "created_at"]
    list_filter = ["is_active", "partner"]
    search_fields = ["reference", "url", "partner__name"]
    readonly_fields = ["reference", "secret", "created_at", "updated_at"]
    autocomplete_fields = ["partner"]

    def save_model(
        self, request: HttpRequest, obj: WebhookSubscription, form: Any, change: bool
    ) -> None:
        if not obj.secret:
            from .signing import new_webhook_secret

            obj.secret = new_webhook_secret()
        super().save_model(request, obj, form, change)


@admin.register(DigestItem)
class DigestItemAdmin(admin.ModelAdmin):
    list_display = ["recipient_email", "source_key", "message", "created_at"]
    list_filter = ["created_at"]
    search_fields = ["recipient_email", "source_key"]
    readonly_fields = [
        "recipient_email",
        "source_key",
        "alert",
        "dedup_key",
        "message",
        "created_at",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
