"""Shapes shared by the shipments API resources: location codes, the consignee party, the
answer to a bulk intake. (Text PostgreSQL cannot store, NUL or a lone surrogate, never gets here:
`tradehub.api.parsers.StrictJSONParser` refuses it in every JSON body, with its pointer.)"""

from typing import Any

from rest_framework import serializers

from tradehub.api.serializers import StrictSerializer
from tradehub.reference.models import Location


def check_planned_times(attrs: dict[str, Any]) -> None:
    """A shipment may not be planned to arrive before it departs: 400 on `planned_arrival` (the
    request shapes of a shipment, its legs and a distribution share this one check)."""
    start, end = attrs.get("planned_departure"), attrs.get("planned_arrival")
    if start and end and end < start:
        raise serializers.ValidationError(
            {"planned_arrival": "Must not be before planned_departure."}
        )


class LocationCodeField(serializers.SlugRelatedField):
    """A location by its full UN/LOCODE (`KZALA`), case-insensitive on input."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("queryset", Location.objects.select_related("country"))
        super().__init__(slug_field="code", **kwargs)

    def to_internal_value(self, data: Any) -> Location:
        if isinstance(data, str):
            data = data.strip().upper()
        return super().to_internal_value(data)


class ConsigneeSerializer(StrictSerializer):
    """Who receives a shipment (the same party shape as a declaration's consignee)."""

    name = serializers.CharField(max_length=200)
    country = serializers.CharField(
        min_length=2, max_length=2, help_text="ISO 3166 alpha-2", required=False, allow_blank=True
    )
    tax_id = serializers.CharField(max_length=40, required=False, allow_blank=True)
    address = serializers.CharField(max_length=500, required=False, allow_blank=True)

    def validate_country(self, value: str) -> str:
        return value.strip().upper()


def consignee_out(value: dict[str, Any] | None) -> dict[str, str] | None:
    """The stored consignee as a typed party, or None when none was given."""
    if not value:
        return None
    return {name: str(value.get(name, "")) for name in ("name", "country", "tax_id", "address")}


class IntakeResultSerializer(serializers.Serializer):
    """Answer to a bulk intake: new rows, rows already known, and rows known with other values."""

    accepted = serializers.IntegerField(help_text="Stored now.")
    duplicates = serializers.IntegerField(help_text="Already stored with the same content.")
    conflicts = serializers.IntegerField(
        help_text="Telemetry: the same sensor and time already stored with another value (the "
        "stored value stays). Tracking events never count here: a conflicting re-send is a 409."
    )
