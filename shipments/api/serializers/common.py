"""Shapes shared by the shipments API resources: location codes, the consignee party, JSON
that PostgreSQL can store, the answer to a bulk intake."""

from typing import Any

from rest_framework import serializers

from tradehub.reference.models import Location


def _storable(value: Any) -> bool:
    if isinstance(value, str):
        if chr(0) in value:
            return False
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return False
        return True
    if isinstance(value, dict):
        return all(_storable(k) and _storable(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_storable(v) for v in value)
    return True


def storable_json(value: Any) -> Any:
    """Reject JSON that PostgreSQL's jsonb cannot store: NUL characters or lone surrogates."""
    if not _storable(value):
        raise serializers.ValidationError(
            "Contains a NUL or an invalid Unicode character.", code="invalid"
        )
    return value


class LocationCodeField(serializers.SlugRelatedField):
    """A location by its full UN/LOCODE (`KZALA`), case-insensitive on input."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("queryset", Location.objects.select_related("country"))
        super().__init__(slug_field="code", **kwargs)

    def to_internal_value(self, data: Any) -> Location:
        if isinstance(data, str):
            data = data.strip().upper()
        return super().to_internal_value(data)


class ConsigneeSerializer(serializers.Serializer):
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
