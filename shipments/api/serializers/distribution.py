"""Distribution of a released declaration into regional shipments
(`/declarations/{reference}/distribution/`)."""

from decimal import Decimal
from typing import Any

from rest_framework import serializers

from declarations.choices import DeclarationStatus
from shipments.exceptions import ProductRequired
from shipments.models import Product
from shipments.services.distribution import resolve_product
from tradehub.api.serializers import StrictSerializer
from tradehub.reference.choices import RouteMode

from .common import ConsigneeSerializer, LocationCodeField, check_planned_times
from .shipments import ShipmentSerializer


class DistributionLineSerializer(StrictSerializer):
    """A line of a distribution: a quantity of one goods item, becoming one lot."""

    goods_item = serializers.IntegerField(min_value=1)
    net_kg = serializers.DecimalField(max_digits=12, decimal_places=3, min_value=Decimal("0.001"))
    packages = serializers.IntegerField(required=False, min_value=0, default=0)
    product = serializers.SlugRelatedField(
        slug_field="code", queryset=Product.objects.all(), required=False, allow_null=True
    )
    lot_code = serializers.CharField(required=False, allow_blank=True, max_length=50, default="")
    packed_on = serializers.DateField(required=False, allow_null=True)

    def validate_goods_item(self, value: int) -> int:
        # Checked per field, so a line naming a missing goods item is reported together with
        # every other invalid field of every line (one 400 for the whole batch).
        items = self.context.get("goods_items")
        if items is not None and value not in items:
            raise serializers.ValidationError(
                f"The declaration has no goods item {value}.", code="does_not_exist"
            )
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        """Resolve the goods item and, when not given, the one product its code designates."""
        items = self.context.get("goods_items")
        if items is None:
            return attrs
        item = items[attrs["goods_item"]]
        attrs["goods_item"] = item
        try:
            attrs["product"] = resolve_product(item, attrs.get("product"))
        except ProductRequired as exc:
            # A field error of this line, reported with every other invalid field at once.
            raise serializers.ValidationError({"product": str(exc)}, code=exc.code) from exc
        return attrs


class DistributionShipmentSerializer(StrictSerializer):
    """One regional shipment of a distribution."""

    destination = LocationCodeField()
    origin = LocationCodeField(required=False, allow_null=True)
    consignee = ConsigneeSerializer(required=False, allow_null=True, default=None)
    partner_reference = serializers.CharField(
        required=False, allow_blank=True, max_length=100, default=""
    )
    setpoint_c = serializers.FloatField(
        required=False, allow_null=True, min_value=-40, max_value=40
    )
    planned_departure = serializers.DateTimeField(required=False, allow_null=True)
    planned_arrival = serializers.DateTimeField(required=False, allow_null=True)
    transport_mode = serializers.ChoiceField(
        choices=RouteMode.choices,
        required=False,
        default=RouteMode.ROAD,
        help_text="The route (and its transit countries) depends on it",
    )
    declaration_lrn = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=35,
        default="",
        help_text="From a stock: the LRN of the release or re-export drawn (default `<lrn>/NN`)",
    )
    via = serializers.ListField(
        child=serializers.RegexField(r"^[A-Z]{2}$", max_length=2),
        required=False,
        allow_null=True,
        default=None,
        max_length=6,
        help_text="The route's transit countries in order (ISO alpha-2), to take a route other "
        'than the usual one: Dushanbe by road goes `["UZ"]` by default, `["KG"]` through '
        "Kyrgyzstan; `[]` a direct border. A route the data does not have that day is 400.",
    )
    lines = DistributionLineSerializer(many=True, allow_empty=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        check_planned_times(attrs)
        return attrs


class DistributionSerializer(StrictSerializer):
    """`POST /declarations/{reference}/distribution/` body; with the declaration's goods items
    by sequence in the context (`goods_items`), every invalid line is reported at once."""

    shipments = DistributionShipmentSerializer(many=True, allow_empty=False)


class DistributionResultSerializer(serializers.Serializer):
    """The declaration's new status and the shipments created."""

    declaration = serializers.CharField()
    declaration_status = serializers.ChoiceField(choices=DeclarationStatus.choices)
    shipments = ShipmentSerializer(many=True)
