"""Lots: a lot in a create or correction, a lot with its shelf-life state, and its re-route
advice (`/lots/{lot_code}/reroute-options/`)."""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from shipments.alerts.choices import AlertKind
from shipments.choices import LotCondition
from shipments.models import Lot, Product
from shipments.services.shelf import lot_condition, precooling_of, remaining_hours, shipment_arrival
from tradehub.api.serializers import StrictSerializer
from tradehub.notifications.choices import Severity


class LotInputSerializer(StrictSerializer):
    """A lot in a create request."""

    product = serializers.SlugRelatedField(slug_field="code", queryset=Product.objects.all())
    lot_code = serializers.CharField(required=False, allow_blank=True, max_length=50, default="")
    net_kg = serializers.DecimalField(max_digits=12, decimal_places=3, min_value=Decimal("0.001"))
    packages = serializers.IntegerField(required=False, min_value=0, default=0)
    packed_on = serializers.DateField(required=False, allow_null=True)
    goods_item = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    harvested_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    precooled_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    field_temp_c = serializers.FloatField(
        required=False, allow_null=True, default=None, min_value=-10, max_value=50
    )

    def validate_packed_on(self, value: Any) -> Any:
        if value is not None and value > timezone.localdate() + dt.timedelta(days=1):
            raise serializers.ValidationError("Cannot be in the future.", code="future")
        return value

    def validate_harvested_at(self, value: Any) -> Any:
        if value is not None and value > timezone.now() + dt.timedelta(hours=1):
            raise serializers.ValidationError("Cannot be in the future.", code="future")
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        harvested, precooled = attrs.get("harvested_at"), attrs.get("precooled_at")
        if precooled is not None and (harvested is None or precooled < harvested):
            raise serializers.ValidationError(
                {"precooled_at": ["Needs `harvested_at` and must not be before it."]},
                code="invalid",
            )
        return attrs


class OpenAlertSerializer(serializers.Serializer):
    """An open alert on a lot."""

    reference = serializers.CharField()
    kind = serializers.ChoiceField(choices=AlertKind.choices)
    severity = serializers.ChoiceField(choices=Severity.choices)


class PrecoolingSerializer(serializers.Serializer):
    """The field-heat assumption of a lot (schema only)."""

    harvested_at = serializers.DateTimeField(allow_null=True)
    precooled_at = serializers.DateTimeField(allow_null=True)
    field_temp_c = serializers.FloatField(allow_null=True)
    assumption = serializers.CharField()
    hours_lost_at_optimum = serializers.FloatField()


class LotSerializer(serializers.ModelSerializer[Lot]):
    """A lot with its shelf-life state, computed as of the request."""

    product = serializers.CharField(source="product.code", read_only=True)
    goods_item = serializers.IntegerField(
        source="goods_item.sequence", read_only=True, allow_null=True, default=None
    )
    remaining_shelf_life_hours = serializers.SerializerMethodField()
    chilling_damage = serializers.SerializerMethodField()
    condition = serializers.SerializerMethodField()
    open_alerts = serializers.SerializerMethodField()
    precooling = serializers.SerializerMethodField()

    class Meta:
        model = Lot
        fields = [
            "lot_code",
            "product",
            "net_kg",
            "packages",
            "packed_on",
            "goods_item",
            "expires_at",
            "shelf_life_ends_at",
            "remaining_shelf_life_hours",
            "consumed_fraction",
            "chilling_damage",
            "condition",
            "open_alerts",
            "precooling",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.FLOAT)
    def get_remaining_shelf_life_hours(self, lot: Lot) -> float:
        return round(remaining_hours(lot, self.context.get("now")), 2)

    @extend_schema_field(PrecoolingSerializer)
    def get_precooling(self, lot: Lot) -> dict[str, Any]:
        return precooling_of(lot, self.context.get("now"))

    @extend_schema_field(OpenApiTypes.FLOAT)
    def get_chilling_damage(self, lot: Lot) -> float:
        return round(lot.chilling_damage, 2)

    @extend_schema_field(serializers.ChoiceField(choices=LotCondition.choices))
    def get_condition(self, lot: Lot) -> str:
        now = self.context.get("now") or timezone.now()
        return lot_condition(lot, now, shipment_arrival(lot.shipment))

    @extend_schema_field(OpenAlertSerializer(many=True))
    def get_open_alerts(self, lot: Lot) -> list[dict[str, Any]]:
        return list(self.context.get("open_alerts", {}).get(lot.pk, []))


class RerouteOptionSerializer(serializers.Serializer):
    """One destination a lot could still go to (advice only)."""

    destination = serializers.CharField(source="destination.code")
    destination_name = serializers.CharField(source="destination.name")
    country = serializers.CharField(source="destination.country.code")
    mode = serializers.CharField()
    lead_time_hours = serializers.FloatField(source="lead_time.hours")
    lead_time_source = serializers.CharField(source="lead_time.source")
    arrival_at = serializers.DateTimeField()
    remaining_at_arrival_hours = serializers.SerializerMethodField()
    reachable = serializers.BooleanField()
    procedure = serializers.CharField()
    documents = serializers.ListField(child=serializers.CharField())
    transit_countries = serializers.ListField(child=serializers.CharField())

    @extend_schema_field(OpenApiTypes.FLOAT)
    def get_remaining_at_arrival_hours(self, option: Any) -> float:
        return round(option.remaining_at_arrival_hours, 1)


class RerouteAdviceSerializer(serializers.Serializer):
    """`GET /lots/{lot_code}/reroute-options/`: where the lot could still arrive sellable."""

    lot_code = serializers.CharField(source="lot.lot_code")
    shipment = serializers.CharField(source="lot.shipment.reference")
    product = serializers.CharField(source="lot.product.code")
    destination = serializers.CharField(source="lot.shipment.destination.code")
    planned_arrival = serializers.DateTimeField(allow_null=True)
    remaining_shelf_life_hours = serializers.SerializerMethodField()
    expires_before_arrival = serializers.BooleanField()
    summary = serializers.CharField()
    options = RerouteOptionSerializer(many=True)

    @extend_schema_field(OpenApiTypes.FLOAT)
    def get_remaining_shelf_life_hours(self, advice: Any) -> float:
        return round(advice.remaining_shelf_life_hours, 1)
