"""Telemetry: readings in and out, their buckets, and excursions (`/telemetry/`,
`/shipments/{reference}/readings/`, `/shipments/{reference}/excursions/`)."""

from drf_spectacular.utils import PolymorphicProxySerializer
from rest_framework import serializers

from shipments.choices import ExcursionKind, SensorKind
from shipments.models import Excursion, TemperatureReading
from tradehub.api.serializers import StrictModelSerializer, StrictSerializer

MAX_READINGS = 10_000


class ReadingInputSerializer(StrictSerializer):
    """One reading (documentation only: rows are validated by `shipments.api.telemetry`)."""

    shipment = serializers.CharField(help_text="Shipment reference")
    sensor_id = serializers.CharField(max_length=64)
    recorded_at = serializers.DateTimeField(help_text="ISO 8601 with offset")
    temperature_c = serializers.FloatField()
    humidity_pct = serializers.FloatField(required=False, allow_null=True)
    sensor_kind = serializers.ChoiceField(
        choices=SensorKind.choices,
        required=False,
        help_text="Where the sensor sits; left out: the reading is product temperature",
    )


class TelemetryInputSerializer(StrictSerializer):
    """`POST /telemetry/` body (documentation only)."""

    readings = ReadingInputSerializer(many=True)


class ReadingSerializer(StrictModelSerializer[TemperatureReading]):
    """A stored reading."""

    class Meta:
        model = TemperatureReading
        fields = ["sensor_id", "recorded_at", "temperature_c", "humidity_pct", "sensor_kind"]
        read_only_fields = fields


class ReadingBucketSerializer(serializers.Serializer):
    """Min, max and average temperature over one time bucket."""

    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    min = serializers.FloatField()
    max = serializers.FloatField()
    avg = serializers.FloatField()
    count = serializers.IntegerField()


class ReadingSeriesSerializer(serializers.Serializer):
    """The series: raw readings (cursor pages, `bucket` null) or buckets (one page)."""

    bucket = serializers.CharField(allow_null=True, help_text="The bucket width asked for")
    truncated = serializers.BooleanField(help_text="More buckets exist than were returned")
    next = serializers.CharField(allow_null=True)
    previous = serializers.CharField(allow_null=True)
    results = PolymorphicProxySerializer(
        component_name="ReadingOrBucket",
        serializers=[ReadingSerializer, ReadingBucketSerializer],
        resource_type_field_name=None,
        many=True,
    )


class ExcursionSerializer(serializers.ModelSerializer[Excursion]):
    """A temperature excursion."""

    kind = serializers.ChoiceField(choices=ExcursionKind.choices, read_only=True)
    product = serializers.CharField(
        source="product.code", read_only=True, allow_null=True, default=None
    )

    class Meta:
        model = Excursion
        fields = [
            "kind",
            "product",
            "started_at",
            "ended_at",
            "peak_c",
            "degree_hours",
            "limit_c",
            "acknowledged",
            "acknowledged_at",
        ]
        read_only_fields = fields
