"""Request and response shapes of the shipments API (field names as in API.md)."""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema_field
from rest_framework import serializers
from stdnum import iso6346
from stdnum.exceptions import ValidationError as StdnumError

from declarations.choices import DeclarationStatus
from shipments.alerts.choices import AlertKind
from shipments.choices import (
    EventClassifier,
    ExcursionKind,
    LotCondition,
    PackageKind,
    RequiredDocumentStatus,
    Ripeness,
    SensorKind,
    ShipmentChange,
    ShipmentKind,
    ShipmentStatus,
    TrackingEventType,
)
from shipments.models import (
    Excursion,
    Leg,
    Lot,
    Product,
    RequiredDocument,
    Shipment,
    ShipmentVersion,
    TemperatureReading,
    TrackingEvent,
)
from shipments.selectors import shipment_warnings
from shipments.services.distribution import infer_product, products_matching
from shipments.services.shelf import (
    lot_condition,
    precooling_of,
    remaining_hours,
    shipment_arrival,
)
from tradehub.notifications.choices import Severity
from tradehub.reference.choices import LegMode, OnwardProcedure, RequiredDocumentType, RouteMode
from tradehub.reference.models import Location

MAX_EVENTS = 1000
MAX_READINGS = 10_000
ACTUAL_EVENT_FUTURE_TOLERANCE = dt.timedelta(hours=1)


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


# --- products ----------------------------------------------------------------------------------


class ProductSerializer(serializers.ModelSerializer[Product]):
    """A perishable profile."""

    # DRF takes declared fields off the class, so the name does not shadow Field.parent at runtime.
    parent = serializers.CharField(  # type: ignore[assignment]
        source="parent.code", read_only=True, allow_null=True, default=None
    )
    # Read-only model fields lose `allow_blank`; declared so the schema admits "" (no stage).
    ripeness = serializers.ChoiceField(choices=Ripeness.choices, allow_blank=True, read_only=True)

    class Meta:
        model = Product
        fields = [
            "code",
            "name",
            "hs_code",
            "temp_group",
            "storage_temp_min_c",
            "storage_temp_max_c",
            "storage_temp_optimal_c",
            "storage_life_days",
            "chilling_sensitive",
            "chilling_threshold_c",
            "highest_freezing_point_c",
            "rh_min_pct",
            "rh_max_pct",
            "q10_0_10",
            "q10_10_20",
            "q10_20_30",
            "q10_30_40",
            "chilling_onset",
            "killing_range_min_c",
            "killing_range_max_c",
            "ripeness",
            "cultivar",
            "parent",
            "compatibility_group",
            "strong_odour",
            "odour_sensitive",
            "so2_pads",
            "ethylene_production",
            "ethylene_sensitivity",
            "notes",
            "source",
            "sources",
            "updated_at",
        ]
        read_only_fields = fields


# --- shipments: input --------------------------------------------------------------------------


class LegInputSerializer(serializers.Serializer):
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
        start, end = attrs.get("planned_departure"), attrs.get("planned_arrival")
        if start and end and end < start:
            raise serializers.ValidationError(
                {"planned_arrival": "Must not be before planned_departure."}
            )
        return attrs


class LotInputSerializer(serializers.Serializer):
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


class ShipmentCreateSerializer(serializers.Serializer):
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
        start, end = attrs.get("planned_departure"), attrs.get("planned_arrival")
        if start and end and end < start:
            raise serializers.ValidationError(
                {"planned_arrival": "Must not be before planned_departure."}
            )
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


class ShipmentUpdateSerializer(serializers.Serializer):
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


class ShipmentCancelSerializer(serializers.Serializer):
    """`POST /shipments/{reference}/cancel/`."""

    reason = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")


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


# --- shipments: output -------------------------------------------------------------------------


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


class OnwardRouteSerializer(serializers.Serializer):
    """The route of a distribution shipment from the route data (`routes.csv`)."""

    mode = serializers.CharField(required=False)
    transit_countries = serializers.ListField(child=serializers.CharField(), required=False)
    exit_point = serializers.CharField(required=False, allow_blank=True)


class RequiredDocumentSerializer(serializers.ModelSerializer[RequiredDocument]):
    """One entry of a shipment's checklist of documents."""

    type = serializers.ChoiceField(choices=RequiredDocumentType.choices, read_only=True)
    status = serializers.ChoiceField(choices=RequiredDocumentStatus.choices, read_only=True)
    country = serializers.SerializerMethodField()
    managed = serializers.BooleanField(
        read_only=True, help_text="Follows a TradeHub declaration's status; not set by hand"
    )

    class Meta:
        model = RequiredDocument
        fields = [
            "sequence",
            "type",
            "country",
            "status",
            "reference",
            "managed",
            "source",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_country(self, document: RequiredDocument) -> str | None:
        return document.country or None


class RequiredDocumentUpdateSerializer(serializers.Serializer):
    """`PATCH …/documents/{sequence}/`: where the document stands, and its number."""

    status = serializers.ChoiceField(choices=RequiredDocumentStatus.choices)
    reference = serializers.CharField(
        max_length=100, required=False, allow_blank=True, validators=[storable_json]
    )


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


# --- tracking events ---------------------------------------------------------------------------


class EventInputSerializer(serializers.Serializer):
    """One tracking event in a batch."""

    event_id = serializers.CharField(max_length=100)
    type = serializers.ChoiceField(choices=TrackingEventType.choices)
    classifier = serializers.ChoiceField(choices=EventClassifier.choices)
    occurred_at = serializers.DateTimeField()
    location = serializers.CharField(
        required=False, allow_null=True, allow_blank=True, max_length=5
    )
    details = serializers.DictField(required=False, default=dict, validators=[storable_json])

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        # An event that actually happened cannot lie in the future (beyond clock drift);
        # planned and estimated events may.
        if attrs["classifier"] == EventClassifier.ACTUAL and attrs["occurred_at"] > (
            timezone.now() + ACTUAL_EVENT_FUTURE_TOLERANCE
        ):
            raise serializers.ValidationError(
                {"occurred_at": "An actual event cannot lie in the future."}, code="future"
            )
        return attrs


class EventSerializer(serializers.ModelSerializer[TrackingEvent]):
    """A recorded tracking event."""

    location = serializers.CharField(
        source="location.code", read_only=True, allow_null=True, default=None
    )
    transit = serializers.CharField(
        source="transit.declaration.reference",
        read_only=True,
        allow_null=True,
        default=None,
        help_text="The transit declaration a border crossing or arrival belongs to",
    )

    class Meta:
        model = TrackingEvent
        fields = [
            "event_id",
            "type",
            "classifier",
            "occurred_at",
            "location",
            "details",
            "received_at",
            "transit",
        ]
        read_only_fields = fields


class IntakeResultSerializer(serializers.Serializer):
    """Answer to a bulk intake: new rows, rows already known, and rows known with other values."""

    accepted = serializers.IntegerField(help_text="Stored now.")
    duplicates = serializers.IntegerField(help_text="Already stored with the same content.")
    conflicts = serializers.IntegerField(
        help_text="Telemetry: the same sensor and time already stored with another value (the "
        "stored value stays). Tracking events never count here: a conflicting re-send is a 409."
    )


# --- telemetry ---------------------------------------------------------------------------------


class ReadingInputSerializer(serializers.Serializer):
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


class TelemetryInputSerializer(serializers.Serializer):
    """`POST /telemetry/` body (documentation only)."""

    readings = ReadingInputSerializer(many=True)


class ReadingSerializer(serializers.ModelSerializer[TemperatureReading]):
    """A stored reading."""

    # Read-only model fields lose `allow_blank`; declared so the schema admits "" (not given).
    sensor_kind = serializers.ChoiceField(
        choices=SensorKind.choices, allow_blank=True, read_only=True
    )

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


# --- distribution ------------------------------------------------------------------------------


class DistributionLineSerializer(serializers.Serializer):
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
        if attrs.get("product") is None:
            attrs["product"] = infer_product(item)
            if attrs["product"] is None:
                matches = products_matching(item.commodity_code)
                codes = ", ".join(product.code for product in matches)
                raise serializers.ValidationError(
                    {
                        "product": f"Several products match commodity code "
                        f"{item.commodity_code} ({codes}): give `product`."
                        if matches
                        else f"No product matches commodity code {item.commodity_code}: "
                        "give `product`."
                    },
                    code="product_required",
                )
        return attrs


class DistributionShipmentSerializer(serializers.Serializer):
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
        start, end = attrs.get("planned_departure"), attrs.get("planned_arrival")
        if start and end and end < start:
            raise serializers.ValidationError(
                {"planned_arrival": "Must not be before planned_departure."}
            )
        return attrs


class DistributionSerializer(serializers.Serializer):
    """`POST /declarations/{reference}/distribution/` body; with the declaration's goods items
    by sequence in the context (`goods_items`), every invalid line is reported at once."""

    shipments = DistributionShipmentSerializer(many=True, allow_empty=False)


class DistributionResultSerializer(serializers.Serializer):
    """The declaration's new status and the shipments created."""

    declaration = serializers.CharField()
    declaration_status = serializers.ChoiceField(choices=DeclarationStatus.choices)
    shipments = ShipmentSerializer(many=True)


# --- re-route advice ---------------------------------------------------------------------------


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
