"""The `shipment.status_changed` and `alert.created` webhook payloads (OpenAPI `webhooks`)."""

from rest_framework import serializers

from shipments.alerts.choices import AlertKind, AlertSubjectType
from shipments.choices import ShipmentChange, ShipmentStatus
from tradehub.api.schema import webhook_event
from tradehub.notifications.choices import Severity


class ShipmentStatusChangedSerializer(serializers.Serializer):
    """`data` of `shipment.status_changed`."""

    reference = serializers.CharField()
    partner_reference = serializers.CharField()
    status = serializers.ChoiceField(choices=ShipmentStatus.choices)
    previous_status = serializers.ChoiceField(choices=ShipmentStatus.choices)
    estimated_arrival = serializers.DateTimeField(allow_null=True)
    occurred_at = serializers.DateTimeField(
        help_text="When the change happened: the tracking event's time, or the correction's."
    )
    event_id = serializers.CharField(
        allow_null=True, help_text="The tracking event that caused it, if one did."
    )
    reason = serializers.CharField(
        allow_null=True, help_text="Why, when a partner or staff changed it (e.g. cancelled)."
    )


class ShipmentChangedSerializer(serializers.Serializer):
    """`data` of `shipment.changed`: a booked shipment was corrected (PATCH) or cancelled."""

    reference = serializers.CharField()
    partner_reference = serializers.CharField()
    change = serializers.ChoiceField(choices=ShipmentChange.choices)
    version = serializers.IntegerField(help_text="The shipment's version after the change.")
    changed_fields = serializers.ListField(
        child=serializers.CharField(),
        help_text="planned_departure, planned_arrival, setpoint_c, legs, lots or status.",
    )
    status = serializers.ChoiceField(choices=ShipmentStatus.choices)
    planned_departure = serializers.DateTimeField(allow_null=True)
    planned_arrival = serializers.DateTimeField(allow_null=True)
    estimated_arrival = serializers.DateTimeField(allow_null=True)
    setpoint_c = serializers.FloatField(allow_null=True)
    reason = serializers.CharField(allow_null=True, help_text="The reason given on cancellation.")
    occurred_at = serializers.DateTimeField()


class AlertSubjectPayloadSerializer(serializers.Serializer):
    """What an alert is about."""

    type = serializers.ChoiceField(choices=AlertSubjectType.choices)
    reference = serializers.CharField()


class AlertCreatedSerializer(serializers.Serializer):
    """`data` of `alert.created`: the alert as `GET /alerts/{reference}/` shows it, plus the
    cargo facts it is about (null where they do not apply)."""

    reference = serializers.CharField()
    kind = serializers.ChoiceField(choices=AlertKind.choices)
    kind_label = serializers.CharField()
    severity = serializers.ChoiceField(choices=Severity.choices)
    message = serializers.CharField()
    subject = AlertSubjectPayloadSerializer()
    created_at = serializers.DateTimeField()
    shipment = serializers.CharField(allow_null=True)
    destination = serializers.CharField(allow_null=True, help_text="UN/LOCODE")
    destination_country = serializers.CharField(allow_null=True)
    eta = serializers.DateTimeField(allow_null=True)
    lot_code = serializers.CharField(allow_null=True)
    product = serializers.CharField(allow_null=True)
    remaining_shelf_life_hours = serializers.FloatField(allow_null=True)
    expires_at = serializers.DateTimeField(
        allow_null=True, help_text="Static expiry: packed date plus storage life at the optimum."
    )
    shelf_life_ends_at = serializers.DateTimeField(
        allow_null=True,
        help_text="When the remaining shelf life runs out after the temperature history (moves).",
    )


SHIPMENT_STATUS_CHANGED = webhook_event(
    "shipment.status_changed",
    ShipmentStatusChangedSerializer,
    "A shipment of yours changed status: from tracking events, or because it was cancelled.",
)
SHIPMENT_CHANGED = webhook_event(
    "shipment.changed",
    ShipmentChangedSerializer,
    "A booked shipment of yours was corrected or cancelled; "
    "`GET /shipments/{reference}/versions/` keeps what it was before.",
)
ALERT_CREATED = webhook_event(
    "alert.created", AlertCreatedSerializer, "An alert was raised about your cargo."
)
