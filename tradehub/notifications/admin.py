"""Admin: the outbox with its attempts and a retry action, alert-email and webhook subscriptions."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from tradehub.ui.admin import AuditRecordAdmin
from tradehub.workplace.filters import QueueFilter

from . import services
from .choices import WebhookEvent
from .models import (
    AlertSubscription,
    DeliveryAttempt,
    DigestItem,
    OutboundMessage,
    WebhookSubscription,
)
from .security import UnsafeURLError, resolve_webhook_url


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


class WebhookSubscriptionForm(forms.ModelForm):  # type: ignore[type-arg]
    """Events as checkboxes from the event-type list; the URL vetted like the API does."""

    events = forms.MultipleChoiceField(
        label=_("events"),
        choices=WebhookEvent.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Event types delivered to this URL."),
    )

    class Meta:
        model = WebhookSubscription
        fields = ["partner", "url", "events", "is_active"]

    def clean_url(self) -> str:
        url: str = self.cleaned_data["url"]
        try:
            resolve_webhook_url(url)
        except UnsafeURLError as exc:
            raise forms.ValidationError(str(exc), code="unsafe_url") from exc
        return url

    def clean_events(self) -> list[str]:
        return list(dict.fromkeys(self.cleaned_data["events"]))


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Webhook subscriptions: the signing secret is shown once, when the subscription is made."""

    form = WebhookSubscriptionForm
    list_display = ["reference", "partner", "url", "events", "is_active", "created_at"]
    list_filter = ["is_active", "partner"]
    search_fields = ["reference", "url", "partner__name"]
    readonly_fields = ["reference", "secret_hint", "created_at", "updated_at"]
    autocomplete_fields = ["partner"]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = ["partner", "url", "events", "is_active"]
        return fields if obj is None else ["reference", *fields, "secret_hint", "created_at"]

    @admin.display(description=_("secret"))
    def secret_hint(self, subscription: WebhookSubscription) -> str:
        # Never the secret itself after creation: its first characters, to tell keys apart.
        return f"{subscription.secret[:10]}…" if subscription.secret else "–"

    def save_model(
        self, request: HttpRequest, obj: WebhookSubscription, form: Any, change: bool
    ) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        created = services.create_webhook_subscription(
            obj.partner, obj.url, form.cleaned_data["events"], is_active=obj.is_active
        )
        obj.pk, obj.secret, obj.reference = created.pk, created.secret, created.reference
        obj._state.adding = False
        self.message_user(
            request,
            gettext(
                "Signing secret of %(reference)s (shown once, give it to the partner now): "
                "%(secret)s"
            )
            % {"reference": created.reference, "secret": created.secret},
            messages.WARNING,
        )


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
