"""A shipment's checklist of required documents (`/shipments/{reference}/documents/`)."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from shipments.choices import RequiredDocumentStatus
from shipments.models import RequiredDocument
from tradehub.api.serializers import StrictSerializer
from tradehub.reference.choices import RequiredDocumentType


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


class RequiredDocumentUpdateSerializer(StrictSerializer):
    """`PATCH …/documents/{sequence}/`: where the document stands, and its number."""

    status = serializers.ChoiceField(choices=RequiredDocumentStatus.choices)
    reference = serializers.CharField(max_length=100, required=False, allow_blank=True)
