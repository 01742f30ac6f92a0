"""Serializers of the webhooks API (thin: validation and rendering only)."""

from typing import Any

from rest_framework import serializers

from tradehub.api.serializers import StrictModelSerializer

from ..choices import DeliveryMessageStatus, WebhookEvent
from ..models import DeliveryAttempt, WebhookSubscription
from ..security import UnsafeURLError, resolve_webhook_url


class WebhookSubscriptionSerializer(StrictModelSerializer):
    """A webhook subscription as partners see it (without the secret)."""

    events = serializers.ListField(
        child=serializers.ChoiceField(choices=WebhookEvent.choices), allow_empty=False
    )
    active = serializers.BooleanField(source="is_active", required=False, default=True)

    class Meta:
        model = WebhookSubscription
        fields = ["reference", "url", "events", "active", "created_at", "updated_at"]
        read_only_fields = ["reference", "created_at", "updated_at"]
        extra_kwargs = {"url": {"max_length": 2000}}

    def validate_url(self, value: str) -> str:
        """Refuse URLs that resolve to loopback/private/reserved addresses (SSRF guard)."""
        try:
            resolve_webhook_url(value)
        except UnsafeURLError as exc:
            raise serializers.ValidationError(str(exc), code="unsafe_url") from exc
        return value

    def validate_events(self, value: list[str]) -> list[str]:
        return list(dict.fromkeys(value))


class WebhookSubscriptionCreatedSerializer(WebhookSubscriptionSerializer):
    """The creation response: the only time the signing secret is shown."""

    secret = serializers.CharField(
        read_only=True,
        help_text="Standard Webhooks signing secret (`whsec_<base64>`); shown only once.",
    )

    class Meta(WebhookSubscriptionSerializer.Meta):
        fields = [*WebhookSubscriptionSerializer.Meta.fields, "secret"]


class WebhookDeliverySerializer(serializers.ModelSerializer):
    """One delivery attempt of a webhook message."""

    webhook_id = serializers.CharField(
        source="message.reference", help_text="The stable `webhook-id` of the message."
    )
    event = serializers.ChoiceField(source="message.event_type", choices=WebhookEvent.choices)
    attempt = serializers.IntegerField(source="number")
    message_status = serializers.ChoiceField(
        source="message.status", choices=DeliveryMessageStatus.choices
    )

    class Meta:
        model = DeliveryAttempt
        fields = [
            "webhook_id",
            "event",
            "attempt",
            "started_at",
            "finished_at",
            "succeeded",
            "status_code",
            "error",
            "duration_ms",
            "message_status",
        ]
        read_only_fields = fields


def to_changes(validated: dict[str, Any]) -> dict[str, Any]:
    """Validated PATCH data as model field changes."""
    return dict(validated)
