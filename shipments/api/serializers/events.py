"""Tracking events (`/shipments/{reference}/events/`)."""

import datetime as dt
from typing import Any

from django.utils import timezone
from rest_framework import serializers

from shipments.choices import EventClassifier, TrackingEventType
from shipments.models import TrackingEvent
from tradehub.api.serializers import StrictSerializer

MAX_EVENTS = 1000
ACTUAL_EVENT_FUTURE_TOLERANCE = dt.timedelta(hours=1)


class EventInputSerializer(StrictSerializer):
    """One tracking event in a batch."""

    event_id = serializers.CharField(max_length=100)
    type = serializers.ChoiceField(choices=TrackingEventType.choices)
    classifier = serializers.ChoiceField(choices=EventClassifier.choices)
    occurred_at = serializers.DateTimeField()
    location = serializers.CharField(
        required=False, allow_null=True, allow_blank=True, max_length=5
    )
    details = serializers.DictField(required=False, default=dict)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        # An event that actually happened cannot lie in the future (beyond clock drift);
        # planned and estimated events may.
        if attrs["classifier"] == EventClassifier.ACTUAL and attrs["occurred_at"] > (
            timezone.now() + ACTUAL_EVENT_FUTURE_TOLERANCE
        ):
            raise serializers.ValidationError(
                {"occurred_at": "An actual event cannot lie in the future."}, code="future"
            )
        return attrs


class EventSerializer(serializers.ModelSerializer[TrackingEvent]):
    """A recorded tracking event."""

    location = serializers.CharField(
        source="location.code", read_only=True, allow_null=True, default=None
    )
    transit = serializers.CharField(
        source="transit.declaration.reference",
        read_only=True,
        allow_null=True,
        default=None,
        help_text="The transit declaration a border crossing or arrival belongs to",
    )

    class Meta:
        model = TrackingEvent
        fields = [
            "event_id",
            "type",
            "classifier",
            "occurred_at",
            "location",
            "details",
            "received_at",
            "transit",
        ]
        read_only_fields = fields
