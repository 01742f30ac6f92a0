"""Earlier versions of a shipment (`/shipments/{reference}/versions/`)."""

from rest_framework import serializers

from shipments.choices import ShipmentChange, ShipmentStatus
from shipments.models import ShipmentVersion
from tradehub.reference.choices import LegMode


class LegSnapshotSerializer(serializers.Serializer):
    """A leg as a shipment version kept it."""

    sequence = serializers.IntegerField()
    mode = serializers.ChoiceField(choices=LegMode.choices)
    planned_departure = serializers.DateTimeField(allow_null=True)
    planned_arrival = serializers.DateTimeField(allow_null=True)
    vehicle = serializers.CharField()
    container = serializers.CharField()

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        fields["from"] = serializers.CharField(help_text="UN/LOCODE")
        fields["to"] = serializers.CharField(help_text="UN/LOCODE")
        return fields


class LotSnapshotSerializer(serializers.Serializer):
    """A lot as a shipment version kept it."""

    product = serializers.CharField()
    lot_code = serializers.CharField()
    net_kg = serializers.DecimalField(max_digits=12, decimal_places=3)
    packages = serializers.IntegerField()
    packed_on = serializers.DateField()
    goods_item = serializers.IntegerField(allow_null=True)


class ShipmentSnapshotSerializer(serializers.Serializer):
    """The correctable state of a shipment at one version."""

    version = serializers.IntegerField()
    status = serializers.ChoiceField(choices=ShipmentStatus.choices)
    planned_departure = serializers.DateTimeField(allow_null=True)
    planned_arrival = serializers.DateTimeField(allow_null=True)
    estimated_arrival = serializers.DateTimeField(allow_null=True)
    setpoint_c = serializers.FloatField(allow_null=True)
    legs = LegSnapshotSerializer(many=True)
    lots = LotSnapshotSerializer(many=True)


class ShipmentVersionSerializer(serializers.ModelSerializer["ShipmentVersion"]):
    """An earlier version of a shipment, as it stood before a correction or its cancellation."""

    change = serializers.ChoiceField(choices=ShipmentChange.choices, read_only=True)
    changed_fields = serializers.ListField(child=serializers.CharField(), read_only=True)
    snapshot = ShipmentSnapshotSerializer(read_only=True)

    class Meta:
        model = ShipmentVersion
        fields = [
            "version",
            "change",
            "changed_fields",
            "reason",
            "actor",
            "created_at",
            "snapshot",
        ]
        read_only_fields = fields
