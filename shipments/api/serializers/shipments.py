"""Shipments: create, correct, cancel, and the shipment as shown (`/shipments/`)."""

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from stdnum import iso6346
from stdnum.exceptions import ValidationError as StdnumError

from shipments.choices import PackageKind, ShipmentKind, ShipmentStatus
from shipments.models import Leg, Shipment
from shipments.selectors import shipment_warnings
from tradehub.api.serializers import StrictSerializer
from tradehub.reference.choices import LegMode, OnwardProcedure

from .common import ConsigneeSerializer, LocationCodeField, check_planned_times, consignee_out
from .documents import RequiredDocumentSerializer
from .lots import LotInputSerializer, LotSerializer


class LegInputSerializer(StrictSerializer):
    """A leg in a create request; `from` and `to` are UN/LOCODEs."""

    sequence = serializers.IntegerField(min_value=1, max_value=999)
    mode = serializers.ChoiceField(choices=LegMode.choices)
    planned_departure = serializers.DateTimeField(required=False, allow_null=True)
    planned_arrival = serializers.DateTimeField(required=False, allow_null=True)
    vehicle = serializers.CharField(required=False, allow_blank=True, max_length=100, default="")
    container = serializers.CharField(required=False, allow_blank=True, max_length=20, default="")

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        # `from` is a Python keyword, so these two are added by name.
        fields["from"] = LocationCodeField(source="from_location")
        fields["to"] = LocationCodeField(source="to_location")
        return fields

    def validate_container(self, value: str) -> str:
        if not value:
            return ""
        try:
            return str(iso6346.validate(value))
        except StdnumError as exc:
            raise serializers.ValidationError(
                f"Not a valid ISO 6346 container number ({exc}).",
                code="invalid_container_number",
            ) from exc

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        check_planned_times(attrs)
        return attrs


class ShipmentCreateSerializer(StrictSerializer):
    """`POST /shipments/`: a shipment with its legs and lots."""

    kind = serializers.ChoiceField(choices=ShipmentKind.choices)
    partner_reference = serializers.CharField(
        required=False, allow_blank=True, max_length=100, default=""
    )
    origin = LocationCodeField()
    destination = LocationCodeField()
    declaration = serializers.CharField(required=False, allow_null=True, max_length=20)
    setpoint_c = serializers.FloatField(
        required=False, allow_null=True, min_value=-40, max_value=40
    )
    package_kind = serializers.ChoiceField(
        choices=PackageKind.choices, required=False, default=PackageKind.PALLET_CARTONS
    )
    planned_departure = serializers.DateTimeField(required=False, allow_null=True)
    planned_arrival = serializers.DateTimeField(required=False, allow_null=True)
    consignee = ConsigneeSerializer(required=False, allow_null=True, default=None)
    legs = LegInputSerializer(many=True, required=False, default=list)
    lots = LotInputSerializer(many=True, required=False, default=list)

    def validate_legs(self, legs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return unique_legs(legs)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        check_planned_times(attrs)
        declaration = None
        reference = attrs.get("declaration")
        if reference:
            declarations = self.context["declarations"]
            declaration = declarations.filter(reference=reference).first()
            if declaration is None:
                raise serializers.ValidationError(
                    {"declaration": "No such declaration."}, code="does_not_exist"
                )
        attrs["declaration"] = declaration
        resolve_goods_items(attrs.get("lots", []), declaration)
        return attrs


def unique_legs(legs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Legs sorted by sequence; a repeated sequence is an error on that leg."""
    seen: set[int] = set()
    errors: list[dict[str, Any]] = []
    for leg in legs:
        errors.append({"sequence": ["Duplicate leg sequence."]} if leg["sequence"] in seen else {})
        seen.add(leg["sequence"])
    if any(errors):
        raise serializers.ValidationError(errors)
    return sorted(legs, key=lambda leg: leg["sequence"])


def resolve_goods_items(lots: list[dict[str, Any]], declaration: Any) -> None:
    """Replace each lot's goods item sequence by the declaration's goods item (every wrong one
    reported at once, under `/lots/<index>/goods_item`)."""
    errors: list[dict[str, Any]] = []
    items = {item.sequence: item for item in declaration.goods_items.all()} if declaration else {}
    for lot in lots:
        sequence = lot.get("goods_item")
        error: dict[str, Any] = {}
        if sequence is not None:
            if declaration is None:
                error["goods_item"] = ["A goods item needs the shipment's `declaration`."]
            elif sequence not in items:
                error["goods_item"] = [f"The declaration has no goods item {sequence}."]
            else:
                lot["goods_item"] = items[sequence]
        errors.append(error)
    if any(errors):
        raise serializers.ValidationError({"lots": errors})


class ShipmentUpdateSerializer(StrictSerializer):
    """`PATCH /shipments/{reference}/` (while booked): the fields given are corrected; `legs` and
    `lots`, when given, replace all legs or lots (a lot matching an existing one by product,
    goods item, lot code and packed date keeps its shelf-life history)."""

    setpoint_c = serializers.FloatField(
        required=False, allow_null=True, min_value=-40, max_value=40
    )
    planned_departure = serializers.DateTimeField(required=False, allow_null=True)
    planned_arrival = serializers.DateTimeField(required=False, allow_null=True)
    legs = LegInputSerializer(many=True, required=False)
    lots = LotInputSerializer(many=True, required=False, allow_empty=False)

    def validate_legs(self, legs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return unique_legs(legs)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs:
            raise serializers.ValidationError(
                "Nothing to correct: give planned_departure, planned_arrival, setpoint_c, legs "
                "or lots.",
                code="empty",
            )
        if "lots" in attrs:
            resolve_goods_items(attrs["lots"], self.context["shipment"].declaration)
        return attrs


class ShipmentCancelSerializer(StrictSerializer):
    """`POST /shipments/{reference}/cancel/`."""

    reason = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")


class LegSerializer(serializers.ModelSerializer[Leg]):
    """A leg as shown in a shipment."""

    class Meta:
        model = Leg
        fields = [
            "sequence",
            "mode",
            "planned_departure",
            "planned_arrival",
            "actual_departure",
            "actual_arrival",
            "vehicle",
            "container",
        ]
        read_only_fields = fields

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        fields["from"] = serializers.CharField(source="from_location.code", read_only=True)
        fields["to"] = serializers.CharField(source="to_location.code", read_only=True)
        return fields


class OnwardRouteSerializer(serializers.Serializer):
    """The route of a distribution shipment from the route data (`routes.csv`)."""

    mode = serializers.CharField(required=False)
    transit_countries = serializers.ListField(child=serializers.CharField(), required=False)
    exit_point = serializers.CharField(required=False, allow_blank=True)


class ShipmentSerializer(serializers.ModelSerializer[Shipment]):
    """A shipment with legs, lots and mixed-load warnings."""

    origin = serializers.CharField(source="origin.code", read_only=True)
    destination = serializers.CharField(source="destination.code", read_only=True)
    destination_country = serializers.CharField(source="destination.country.code", read_only=True)
    declaration = serializers.CharField(
        source="declaration.reference", read_only=True, allow_null=True, default=None
    )
    onward_declaration = serializers.CharField(
        source="onward_declaration.reference",
        read_only=True,
        allow_null=True,
        default=None,
        help_text="The release or re-export declaration drawn for this shipment from a stock",
    )
    status = serializers.ChoiceField(choices=ShipmentStatus.choices, read_only=True)
    onward_formalities = serializers.ChoiceField(
        choices=OnwardProcedure.choices,
        allow_blank=True,
        read_only=True,
        help_text="The procedure that takes the goods on to the destination (distribution "
        "shipments; blank for inbound and direct ones)",
    )
    onward_route = OnwardRouteSerializer(
        read_only=True,
        help_text="The route a distribution shipment takes on from the office: mode, the "
        "countries crossed in order (Dushanbe by road: Uzbekistan, or Kyrgyzstan if asked) and "
        "the exit point; empty for inbound and direct shipments",
    )
    required_documents = RequiredDocumentSerializer(many=True, read_only=True)
    warnings = serializers.SerializerMethodField()
    consignee = serializers.SerializerMethodField()
    legs = LegSerializer(many=True, read_only=True)
    lots = LotSerializer(many=True, read_only=True)

    class Meta:
        model = Shipment
        fields = [
            "reference",
            "partner_reference",
            "kind",
            "status",
            "origin",
            "destination",
            "destination_country",
            "declaration",
            "setpoint_c",
            "package_kind",
            "planned_departure",
            "planned_arrival",
            "estimated_arrival",
            "actual_departure",
            "actual_arrival",
            "is_overdue",
            "onward_formalities",
            "onward_route",
            "onward_declaration",
            "required_documents",
            "consignee",
            "warnings",
            "legs",
            "lots",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_warnings(self, shipment: Shipment) -> list[str]:
        return shipment_warnings(shipment)

    @extend_schema_field(ConsigneeSerializer(allow_null=True))
    def get_consignee(self, shipment: Shipment) -> dict[str, str] | None:
        return consignee_out(shipment.consignee)
