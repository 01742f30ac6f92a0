"""The `declaration.status_changed` webhook payload, as served in the OpenAPI `webhooks`."""

from typing import Any

from rest_framework import serializers

from tradehub.api.schema import webhook_event

from ..choices import DeclarationStatus, RiskChannel


class DeclarationStatusChangedSerializer(serializers.Serializer[dict[str, Any]]):
    """`data` of `declaration.status_changed`."""

    reference = serializers.CharField()
    lrn = serializers.CharField()
    status = serializers.ChoiceField(choices=DeclarationStatus.choices)
    previous_status = serializers.ChoiceField(choices=DeclarationStatus.choices)
    version = serializers.IntegerField()
    number = serializers.CharField(allow_null=True)
    channel = serializers.ChoiceField(choices=RiskChannel.choices, allow_null=True)
    occurred_at = serializers.DateTimeField(help_text="When the change happened (UTC, `Z`).")


STATUS_CHANGED = webhook_event(
    "declaration.status_changed",
    DeclarationStatusChangedSerializer,
    "A declaration of yours changed status (submitted, accepted, released, ...).",
)
