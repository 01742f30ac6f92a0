"""Read-only representations of reference data, with the field names of API.md."""

from rest_framework import serializers

from ..models import CustomsOffice, HsCode, Location


class LocationSerializer(serializers.ModelSerializer[Location]):
    country = serializers.CharField(source="country.code")
    functions = serializers.ListField(child=serializers.CharField())

    class Meta:
        model = Location
        fields = [
            "code",
            "name",
            "country",
            "functions",
            "timezone",
            "subdivision",
            "latitude",
            "longitude",
            "is_internal",
        ]
        read_only_fields = fields


class CustomsOfficeSerializer(serializers.ModelSerializer[CustomsOffice]):
    location = serializers.CharField(source="location.code")
    roles = serializers.ListField(child=serializers.CharField())

    class Meta:
        model = CustomsOffice
        fields = ["code", "name", "location", "roles"]
        read_only_fields = fields


class HsCodeSerializer(serializers.ModelSerializer[HsCode]):
    # A field named "parent" shadows Field.parent only in the stubs; DRF collects it as a field.
    parent = serializers.CharField(source="parent.code", allow_null=True, default=None)  # type: ignore[assignment]

    class Meta:
        model = HsCode
        fields = ["code", "description", "parent", "level", "section"]
        read_only_fields = fields
