"""Read-only representations of reference data, with the field names of API.md."""

from rest_framework import serializers

from ..models import CustomsOffice, EaeuCommodityCode, HsCode, Location


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


def _month_day(value: int | None) -> str | None:
    return None if value is None else f"{value // 100:02d}-{value % 100:02d}"


class EaeuCodeSerializer(serializers.ModelSerializer[EaeuCommodityCode]):
    """A 10-digit EAEU code with the HS fields (`parent` is its HS subheading) and its validity."""

    parent = serializers.CharField(source="hs_subheading.code", allow_null=True, default=None)  # type: ignore[assignment]
    level = serializers.SerializerMethodField()
    section = serializers.CharField(source="hs_subheading.section", default="")
    hs_description = serializers.CharField(
        source="hs_subheading.description", allow_null=True, default=None
    )
    season = serializers.SerializerMethodField()

    class Meta:
        model = EaeuCommodityCode
        fields = [
            "code",
            "description",
            "parent",
            "level",
            "section",
            "description_en",
            "hs_description",
            "line",
            "valid_from",
            "valid_to",
            "season",
            "source",
        ]
        read_only_fields = fields

    def get_level(self, obj: EaeuCommodityCode) -> int:
        return 10

    def get_season(self, obj: EaeuCommodityCode) -> dict[str, str | None] | None:
        """The recurring window ({"start": "06-01", "end": "09-30"}), or null for all year."""
        if obj.season_start is None:
            return None
        return {"start": _month_day(obj.season_start), "end": _month_day(obj.season_end)}
