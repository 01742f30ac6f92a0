"""Declaration API: input validation (with a pointer per invalid field) and output shapes."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from tradehub.api.serializers import StrictSerializer
from tradehub.reference.choices import TransportMode
from tradehub.reference.models import CustomsOffice, Location

from .. import hooks
from ..choices import (
    CustomsMessageType,
    DeclarationDocumentType,
    DeclarationStatus,
    MessageSource,
    Procedure,
    RiskChannel,
    TransitStatus,
    TransportDocumentType,
)
from ..models import (
    Declaration,
    DeclarationEvent,
    DeclarationVersion,
    Document,
    GoodsItem,
    Transit,
)
from ..selectors import totals
from ..validators import (
    normalize_commodity_code,
    normalize_container,
    validate_commodity_code,
    validate_container_number,
    validate_country,
    validate_currency,
)

# --- input -------------------------------------------------------------------------------------


class UpperCharField(serializers.CharField):
    """A code written in capitals (countries, currencies, package kinds)."""

    def to_internal_value(self, data: Any) -> str:
        return super().to_internal_value(data).upper()


class CommodityCodeField(serializers.CharField):
    """An HS commodity code; dots and spaces are dropped before it is checked."""

    def to_internal_value(self, data: Any) -> str:
        return normalize_commodity_code(super().to_internal_value(data))


class ContainerNumberField(serializers.CharField):
    """An ISO 6346 container number, stored compact and upper-case."""

    def to_internal_value(self, data: Any) -> str:
        return normalize_container(super().to_internal_value(data))


class PartySerializer(StrictSerializer[dict[str, Any]]):
    """A consignor, consignee or declarant."""

    name = serializers.CharField(max_length=200)
    country = UpperCharField(min_length=2, max_length=2, validators=[validate_country])
    tax_id = serializers.CharField(max_length=40, required=False, allow_blank=True)
    address = serializers.CharField(max_length=500, required=False, allow_blank=True)


class TransportDocumentSerializer(StrictSerializer[dict[str, Any]]):
    """The transport contract document (SMGS rail note, CMR, ...)."""

    type = serializers.ChoiceField(choices=TransportDocumentType.choices)
    number = serializers.CharField(max_length=70)


class PackagesSerializer(StrictSerializer[dict[str, Any]]):
    """How many packages of which kind (UN/ECE Rec. 21 code, e.g. CT for carton)."""

    count = serializers.IntegerField(min_value=1, max_value=2_000_000_000)
    kind = UpperCharField(min_length=1, max_length=3)


NET_GT_GROSS = serializers.ErrorDetail("Net weight exceeds gross weight.", "net_gt_gross")


def _net_exceeds_gross(data: Mapping[str, Any]) -> bool:
    try:
        return Decimal(str(data.get("net_kg"))) > Decimal(str(data.get("gross_kg")))
    except (InvalidOperation, ValueError):
        return False


class GoodsItemInputSerializer(StrictSerializer[dict[str, Any]]):
    """One goods item as a partner sends it; its sequence is its position (1..n)."""

    description = serializers.CharField(max_length=500)
    commodity_code = CommodityCodeField(max_length=16, validators=[validate_commodity_code])
    origin_country = UpperCharField(min_length=2, max_length=2, validators=[validate_country])
    packages = PackagesSerializer()
    gross_kg = serializers.DecimalField(max_digits=14, decimal_places=3, min_value=Decimal("0.001"))
    net_kg = serializers.DecimalField(max_digits=14, decimal_places=3, min_value=Decimal("0.001"))
    invoice_value = serializers.DecimalField(
        max_digits=16, decimal_places=2, min_value=Decimal("0")
    )
    currency = UpperCharField(min_length=3, max_length=3, validators=[validate_currency])
    source_item = serializers.IntegerField(
        min_value=1,
        required=False,
        allow_null=True,
        help_text="For a declaration with a `parent`: the parent's goods item (sequence) these "
        "goods are drawn from",
    )
    storage_place = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        help_text="Where the goods are kept under customs control (warehouse, zone, licence)",
    )

    class Meta:
        representation = "GoodsItemSerializer"

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        try:
            return super().to_internal_value(data)
        except serializers.ValidationError as exc:
            # DRF skips validate() when any field fails; still report net > gross alongside.
            detail = exc.detail
            if (
                isinstance(detail, dict)
                and isinstance(data, Mapping)
                and not {"net_kg", "gross_kg"} & set(detail)
                and _net_exceeds_gross(data)
            ):
                detail["net_kg"] = [NET_GT_GROSS]
            raise serializers.ValidationError(detail) from exc

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["net_kg"] > attrs["gross_kg"]:
            raise serializers.ValidationError(
                {
                    "net_kg": serializers.ErrorDetail(
                        "Net weight exceeds gross weight.", "net_gt_gross"
                    )
                }
            )
        return attrs


class DocumentInputSerializer(StrictSerializer[dict[str, Any]]):
    """A supporting document; `goods_items` lists the sequences it covers (empty: all)."""

    type = serializers.ChoiceField(choices=DeclarationDocumentType.choices)
    number = serializers.CharField(max_length=70)
    issued_by = serializers.CharField(max_length=200, required=False, allow_blank=True)
    issued_on = serializers.DateField(required=False, allow_null=True)
    valid_until = serializers.DateField(required=False, allow_null=True)
    goods_items = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, max_length=999
    )

    class Meta:
        representation = "DocumentSerializer"

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        issued, until = attrs.get("issued_on"), attrs.get("valid_until")
        if issued and until and until < issued:
            raise serializers.ValidationError({"valid_until": "Must not be before issued_on."})
        return attrs


class TransitInputSerializer(StrictSerializer[dict[str, Any]]):
    """The transit block of a `transit` declaration (its office is the office of departure)."""

    destination_office = serializers.SlugRelatedField(
        slug_field="code",
        queryset=CustomsOffice.objects.select_related("location"),
        error_messages={"does_not_exist": "No customs office with code {value}."},
    )
    route = serializers.ListField(
        child=serializers.SlugRelatedField(
            slug_field="code",
            queryset=Location.objects.all(),
            error_messages={"does_not_exist": "No location with code {value}."},
        ),
        required=False,
        max_length=50,
        help_text="UN/LOCODEs of the places on the way, in order",
    )
    navigation_seals = serializers.ListField(
        child=serializers.CharField(max_length=35),
        required=False,
        max_length=50,
        help_text="Electronic navigation seal ids",
    )
    delivery_deadline = serializers.DateTimeField(
        help_text="The delivery deadline asked (customs may set another on release)"
    )

    class Meta:
        representation = "TransitSerializer"


class DeclarationWriteSerializer(StrictSerializer[dict[str, Any]]):
    """The body of POST /declarations/.

    Server-owned fields of the representation are declared read-only so that a body sent back as
    it was read is accepted and they change nothing.
    """

    lrn = serializers.CharField(max_length=35)
    procedure = serializers.ChoiceField(choices=Procedure.choices, required=False)
    parent = serializers.CharField(  # type: ignore[assignment]
        max_length=20,
        required=False,
        allow_null=True,
        help_text="Reference of the customs-warehouse or transit declaration whose stock this one "
        "draws on (release for free circulation, re-export); goods items then name their "
        "`source_item`",
    )
    office = serializers.SlugRelatedField(
        slug_field="code",
        queryset=CustomsOffice.objects.select_related("location"),
        error_messages={"does_not_exist": "No customs office with code {value}."},
    )
    border_crossing = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Location.objects.all(),
        required=False,
        allow_null=True,
        error_messages={"does_not_exist": "No location with code {value}."},
    )
    transport_mode = serializers.ChoiceField(choices=TransportMode.choices)
    transport_document = TransportDocumentSerializer(required=False, allow_null=True)
    containers = serializers.ListField(
        child=ContainerNumberField(max_length=20, validators=[validate_container_number]),
        required=False,
        max_length=500,
    )
    seals = serializers.ListField(
        child=serializers.CharField(max_length=35), required=False, max_length=500
    )
    consignor = PartySerializer()
    consignee = PartySerializer()
    declarant = PartySerializer(required=False, allow_null=True)
    goods_items = GoodsItemInputSerializer(many=True, allow_empty=False, max_length=999)  # type: ignore[call-arg]
    documents = DocumentInputSerializer(many=True, required=False, max_length=200)  # type: ignore[call-arg]
    transit = TransitInputSerializer(
        required=False,
        allow_null=True,
        help_text="For `procedure: transit`: office of destination, route, navigation seals and "
        "the delivery deadline asked",
    )

    class Meta:
        representation = "DeclarationSerializer"

    def validate_lrn(self, value: str) -> str:
        value = value.strip()
        if not value:
            raise serializers.ValidationError("Must not be blank.")
        return value

    def validate_parent(self, value: str | None) -> Declaration | None:
        """The parent among the declarations the caller may see (another's answers alike)."""
        if not value:
            return None
        parents = self.context.get("parents")
        parent = parents.filter(reference=value).first() if parents is not None else None
        if parent is None:
            raise serializers.ValidationError(f"No declaration {value}.", code="does_not_exist")
        return parent

    def validate_containers(self, value: list[str]) -> list[str]:
        seen: dict[str, int] = {}
        for index, number in enumerate(value):
            if number in seen:
                raise serializers.ValidationError(
                    {
                        str(index): [
                            f"Container {number} is already listed at position {seen[number]}."
                        ]
                    }
                )
            seen[number] = index
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "goods_items" in attrs:
            count = len(attrs["goods_items"])
        else:
            declaration = self.context.get("declaration")
            count = declaration.goods_items.count() if declaration is not None else 0
        errors: dict[int, Any] = {}
        for index, document in enumerate(attrs.get("documents") or []):
            for position, sequence in enumerate(document.get("goods_items") or []):
                if sequence > count:
                    errors.setdefault(index, {}).setdefault("goods_items", {})[position] = [
                        serializers.ErrorDetail(
                            f"No goods item with sequence {sequence} (there are {count}).",
                            "unknown_goods_item",
                        )
                    ]
        if errors:
            raise serializers.ValidationError({"documents": errors})  # type: ignore[dict-item]
        return attrs


class DeclarationUpdateSerializer(DeclarationWriteSerializer):
    """The body of PATCH and amend: any subset of the create fields. A list given (goods items,
    documents, containers, seals) replaces the whole list. The `parent` is set at creation."""

    parent = None  # type: ignore[assignment]  # set at creation; sent back, it is ignored

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False


class CancelSerializer(StrictSerializer[dict[str, Any]]):
    """Why the declarant wants the declaration cancelled."""

    reason = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")


class ErrorSerializer(StrictSerializer[dict[str, Any]]):
    """A structured error pointing at a field of the declaration."""

    pointer = serializers.CharField(max_length=200)
    code = serializers.CharField(max_length=100)
    detail = serializers.CharField(max_length=1000)


class CustomsMessageInputSerializer(StrictSerializer[dict[str, Any]]):
    """A customs decision sent by a gateway integration (or staff)."""

    message_id = serializers.CharField(max_length=100)
    type = serializers.ChoiceField(choices=CustomsMessageType.choices)
    occurred_at = serializers.DateTimeField()
    number = serializers.CharField(max_length=40, required=False, allow_blank=True, allow_null=True)
    channel = serializers.ChoiceField(
        choices=RiskChannel.choices, required=False, allow_blank=True, allow_null=True
    )
    errors = ErrorSerializer(many=True, required=False, allow_null=True)  # type: ignore[assignment]
    accepted = serializers.BooleanField(required=False, allow_null=True)
    delivery_deadline = serializers.DateTimeField(
        required=False,
        allow_null=True,
        help_text="With `released` of a transit: the delivery deadline customs set",
    )
    storage_place = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        help_text="With `transit_completed`: where the goods are stored (temporary storage)",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        kind = attrs["type"]
        if kind == CustomsMessageType.CANCELLATION_DECISION and attrs.get("accepted") is None:
            raise serializers.ValidationError(
                {"accepted": "A cancellation decision says whether it is accepted (true/false)."}
            )
        if kind == CustomsMessageType.CONTROL and attrs.get("channel") == RiskChannel.GREEN:
            raise serializers.ValidationError({"channel": "Control is the yellow or red channel."})
        return attrs


# --- output ------------------------------------------------------------------------------------


class PackagesOutputSerializer(serializers.Serializer[GoodsItem]):
    """Packages of a goods item."""

    count = serializers.IntegerField(source="packages_count")
    kind = serializers.CharField(source="packages_kind")


class GoodsItemSerializer(serializers.ModelSerializer[GoodsItem]):
    """A goods item of a declaration."""

    packages = PackagesOutputSerializer(source="*")
    source_item = serializers.IntegerField(
        source="source_item.sequence", read_only=True, allow_null=True, default=None
    )

    class Meta:
        model = GoodsItem
        fields = [
            "sequence",
            "description",
            "commodity_code",
            "origin_country",
            "packages",
            "gross_kg",
            "net_kg",
            "invoice_value",
            "currency",
            "source_item",
            "storage_place",
        ]
        read_only_fields = fields


class DocumentSerializer(serializers.ModelSerializer[Document]):
    """A supporting document; `goods_items` are the sequences it covers (empty: all)."""

    sequence = serializers.SerializerMethodField()
    goods_items = serializers.SerializerMethodField()
    file = serializers.SerializerMethodField()

    class Meta:
        model = Document
        fields = [
            "sequence",
            "type",
            "number",
            "issued_by",
            "issued_on",
            "valid_until",
            "goods_items",
            "file",
        ]
        read_only_fields = fields

    def get_sequence(self, document: Document) -> int:
        """Position in the declaration's document list (1..n); files are uploaded by it."""
        return int(getattr(document, "sequence", 0))

    def get_goods_items(self, document: Document) -> list[int]:
        return sorted(item.sequence for item in document.goods_items.all())

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_file(self, document: Document) -> str | None:
        return document.file.name.rsplit("/", 1)[-1] if document.file else None


class TotalsSerializer(serializers.Serializer[dict[str, Any]]):
    """Sums over the goods items; invoice value per currency (`{"USD": "9600.00"}`)."""

    gross_kg = serializers.DecimalField(max_digits=16, decimal_places=3)
    net_kg = serializers.DecimalField(max_digits=16, decimal_places=3)
    packages = serializers.IntegerField()
    invoice_value = serializers.DictField(
        child=serializers.DecimalField(max_digits=18, decimal_places=2)
    )


class CancellationSerializer(serializers.Serializer[dict[str, Any]]):
    """A pending or decided cancellation request."""

    requested_at = serializers.DateTimeField()
    reason = serializers.CharField()


class DistributionLineSummarySerializer(serializers.Serializer[dict[str, Any]]):
    """Per goods item: declared, allocated to distribution shipments, and what remains."""

    goods_item = serializers.IntegerField(help_text="The goods item's `sequence`")
    declared_net_kg = serializers.DecimalField(max_digits=16, decimal_places=3)
    allocated_net_kg = serializers.DecimalField(max_digits=16, decimal_places=3)
    remaining_net_kg = serializers.DecimalField(max_digits=16, decimal_places=3)
    declared_packages = serializers.IntegerField()
    allocated_packages = serializers.IntegerField()
    remaining_packages = serializers.IntegerField()
    shipments = serializers.ListField(
        child=serializers.CharField(), help_text="References of the shipments carrying it"
    )


class TransitSerializer(serializers.ModelSerializer[Transit]):
    """A transit: offices, route, seals, deadline and where it stands (`overdue` when opened past
    the delivery deadline)."""

    declaration = serializers.CharField(source="declaration.reference", read_only=True)
    transit_number = serializers.CharField(
        source="declaration.number",
        read_only=True,
        allow_null=True,
        help_text="The transit declaration's registration number (given on acceptance)",
    )
    departure_office = serializers.CharField(source="declaration.office.code", read_only=True)
    destination_office = serializers.CharField(source="destination_office.code", read_only=True)
    seals = serializers.ListField(
        source="declaration.seals", child=serializers.CharField(), read_only=True
    )
    navigation_seals = serializers.ListField(child=serializers.CharField(), read_only=True)
    route = serializers.ListField(child=serializers.CharField(), read_only=True)
    status = serializers.ChoiceField(choices=TransitStatus.choices, read_only=True)
    overdue = serializers.BooleanField(read_only=True)
    delivery_deadline = serializers.SerializerMethodField(
        help_text="The deadline in force: set by customs on release, else the one asked"
    )

    class Meta:
        model = Transit
        fields = [
            "declaration",
            "transit_number",
            "status",
            "overdue",
            "departure_office",
            "destination_office",
            "route",
            "seals",
            "navigation_seals",
            "requested_deadline",
            "delivery_deadline",
            "opened_at",
            "arrived_at",
            "arrival_source",
            "completed_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.DateTimeField())
    def get_delivery_deadline(self, transit: Transit) -> str:
        deadline = transit.delivery_deadline or transit.requested_deadline
        return serializers.DateTimeField().to_representation(deadline)


class DeclarationListSerializer(serializers.ListSerializer[Declaration]):
    """A page of declarations: the distribution summaries of the whole page are read at once
    (a fixed number of queries per page instead of three per declaration)."""

    def to_representation(self, data: Any) -> list[Any]:
        declarations = list(data.all() if hasattr(data, "all") else data)
        self.child._distribution = hooks.distribution_summaries(declarations)  # type: ignore[union-attr]
        return super().to_representation(declarations)


class DeclarationSerializer(serializers.ModelSerializer[Declaration]):
    """A declaration as partners see it."""

    _distribution: dict[int, list[dict[str, Any]]] | None = None

    office = serializers.SlugRelatedField[CustomsOffice](slug_field="code", read_only=True)
    border_crossing = serializers.SlugRelatedField[Location](
        slug_field="code", read_only=True, allow_null=True
    )
    parent = serializers.SlugRelatedField[Declaration](  # type: ignore[assignment]
        slug_field="reference", read_only=True, allow_null=True
    )
    transport_document = serializers.SerializerMethodField()
    consignor = PartySerializer(read_only=True)
    consignee = PartySerializer(read_only=True)
    declarant = serializers.SerializerMethodField()
    containers = serializers.ListField(child=serializers.CharField(), read_only=True)
    seals = serializers.ListField(child=serializers.CharField(), read_only=True)
    goods_items = GoodsItemSerializer(many=True, read_only=True)
    documents = serializers.SerializerMethodField()
    totals = serializers.SerializerMethodField()
    rejection_errors = ErrorSerializer(many=True, read_only=True)
    cancellation = serializers.SerializerMethodField()
    distribution = serializers.SerializerMethodField()
    transit = serializers.SerializerMethodField()

    class Meta:
        model = Declaration
        fields = [
            "reference",
            "lrn",
            "status",
            "version",
            "number",
            "channel",
            "procedure",
            "parent",
            "office",
            "border_crossing",
            "transport_mode",
            "transport_document",
            "containers",
            "seals",
            "consignor",
            "consignee",
            "declarant",
            "goods_items",
            "documents",
            "totals",
            "rejection_errors",
            "cancellation",
            "distribution",
            "transit",
            "submitted_at",
            "accepted_at",
            "released_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields
        list_serializer_class = DeclarationListSerializer

    @extend_schema_field(TransportDocumentSerializer(allow_null=True))
    def get_transport_document(self, declaration: Declaration) -> dict[str, str] | None:
        if not declaration.transport_document_type:
            return None
        return declaration.transport_document

    @extend_schema_field(PartySerializer(allow_null=True))
    def get_declarant(self, declaration: Declaration) -> dict[str, Any] | None:
        return dict(declaration.declarant) if declaration.declarant else None

    @extend_schema_field(DocumentSerializer(many=True))
    def get_documents(self, declaration: Declaration) -> list[dict[str, Any]]:
        documents = list(declaration.documents.all())
        for sequence, document in enumerate(sorted(documents, key=lambda d: d.pk), start=1):
            document.sequence = sequence  # type: ignore[attr-defined]
        # One document serializer per declaration serializer (a page of 50 built 50 before).
        serializer: serializers.ListSerializer[Document] | None = self.__dict__.get("_documents")
        if serializer is None:
            serializer = self.__dict__["_documents"] = DocumentSerializer(many=True)  # type: ignore[assignment]
        assert serializer is not None
        return list(serializer.to_representation(sorted(documents, key=lambda d: d.pk)))

    @extend_schema_field(TotalsSerializer)
    def get_totals(self, declaration: Declaration) -> dict[str, Any]:
        return totals(declaration)

    @extend_schema_field(CancellationSerializer(allow_null=True))
    def get_cancellation(self, declaration: Declaration) -> dict[str, Any] | None:
        if declaration.cancellation_requested_at is None:
            return None
        return {
            "requested_at": serializers.DateTimeField().to_representation(
                declaration.cancellation_requested_at
            ),
            "reason": declaration.cancellation_reason,
        }

    @extend_schema_field(DistributionLineSummarySerializer(many=True))
    def get_distribution(self, declaration: Declaration) -> list[dict[str, Any]]:
        if self._distribution is not None and declaration.pk in self._distribution:
            return self._distribution[declaration.pk]
        return hooks.distribution_summary(declaration)

    @extend_schema_field(TransitSerializer(allow_null=True))
    def get_transit(self, declaration: Declaration) -> dict[str, Any] | None:
        transit = getattr(declaration, "transit", None)
        return dict(TransitSerializer(transit).data) if transit is not None else None


class DeclarationEventSerializer(serializers.ModelSerializer[DeclarationEvent]):
    """One entry of the append-only history."""

    payload = serializers.DictField(read_only=True)

    class Meta:
        model = DeclarationEvent
        fields = ["type", "occurred_at", "actor", "payload"]
        read_only_fields = fields


class DeclarationVersionSerializer(serializers.ModelSerializer[DeclarationVersion]):
    """An earlier version of a declaration as it stood before an amendment."""

    snapshot = serializers.DictField(read_only=True)

    class Meta:
        model = DeclarationVersion
        fields = ["version", "created_at", "snapshot"]
        read_only_fields = fields


class CustomsMessageSerializer(serializers.Serializer[Any]):
    """A stored customs message."""

    message_id = serializers.CharField()
    type = serializers.ChoiceField(choices=CustomsMessageType.choices)
    occurred_at = serializers.DateTimeField()
    received_at = serializers.DateTimeField()
    source = serializers.ChoiceField(choices=MessageSource.choices)  # type: ignore[assignment]
    number = serializers.CharField()
    channel = serializers.ChoiceField(choices=RiskChannel.choices, allow_blank=True)
    errors = ErrorSerializer(many=True)  # type: ignore[assignment]
    accepted = serializers.BooleanField(allow_null=True)
    delivery_deadline = serializers.DateTimeField(allow_null=True)
    storage_place = serializers.CharField()
    applied = serializers.BooleanField()


class CustomsMessageResultSerializer(serializers.Serializer[dict[str, Any]]):
    """The answer to a posted customs message: stored (or a duplicate) and the resulting state."""

    message_id = serializers.CharField()
    duplicate = serializers.BooleanField()
    declaration = serializers.CharField(help_text="The declaration's reference")
    status = serializers.ChoiceField(choices=DeclarationStatus.choices)
    number = serializers.CharField(allow_null=True)
    channel = serializers.ChoiceField(choices=RiskChannel.choices, allow_null=True)


class DocumentFileSerializer(StrictSerializer[dict[str, Any]]):
    """A scan of a document: PDF, PNG or JPEG, at most 10 MB (multipart/form-data)."""

    file = serializers.FileField()
