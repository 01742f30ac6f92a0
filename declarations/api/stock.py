"""The stock under customs control of a declaration, and the child declarations drawing on it
(release for free circulation, re-export, customs warehouse after a transit)."""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from typing import Any

import django_filters
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from tradehub.api.filters import UpdatedSinceFilterSet
from tradehub.api.serializers import StrictSerializer
from tradehub.partners.principals import actor_label, partner_of
from tradehub.reference.choices import TransportMode

from .. import selectors, services
from ..choices import DeclarationStatus, Procedure
from ..models import Declaration
from . import representations
from .inputs import document_input
from .serializers import DeclarationSerializer, DocumentInputSerializer, PartySerializer
from .views import REFERENCE, _visible_declaration

# --- output -------------------------------------------------------------------------------------


class StockQuantitySerializer(serializers.Serializer[dict[str, Any]]):
    """Net kg and packages."""

    net_kg = serializers.DecimalField(max_digits=16, decimal_places=3)
    packages = serializers.IntegerField()


class DrawingSerializer(serializers.Serializer[dict[str, Any]]):
    """One goods item of a child declaration drawing on a stock item."""

    declaration = serializers.CharField(help_text="The child declaration's reference")
    lrn = serializers.CharField()
    procedure = serializers.ChoiceField(choices=Procedure.choices)
    status = serializers.ChoiceField(choices=DeclarationStatus.choices)
    goods_item = serializers.IntegerField(help_text="The child's goods item (sequence)")
    consignee_country = serializers.CharField(allow_null=True)
    net_kg = serializers.DecimalField(max_digits=16, decimal_places=3)
    packages = serializers.IntegerField()


class StockItemSerializer(serializers.Serializer[dict[str, Any]]):
    """One goods item of the stock: declared, what left it and how, and what remains."""

    goods_item = serializers.IntegerField()
    description = serializers.CharField()
    commodity_code = serializers.CharField()
    storage_place = serializers.CharField()
    declared = StockQuantitySerializer()
    released = StockQuantitySerializer(help_text="Released for free circulation (import)")
    reexported = StockQuantitySerializer(help_text="Released for re-export")
    warehoused = StockQuantitySerializer(help_text="Placed under a customs warehouse")
    reserved = StockQuantitySerializer(help_text="Drawn by child declarations not yet released")
    in_stock = StockQuantitySerializer(help_text="Declared minus what has left")
    available = StockQuantitySerializer(help_text="What a new declaration may still draw")
    drawings = DrawingSerializer(many=True)


class StockSerializer(serializers.Serializer[dict[str, Any]]):
    """A declaration's goods under customs control, per goods item."""

    declaration = serializers.CharField()
    procedure = serializers.ChoiceField(choices=Procedure.choices)
    status = serializers.ChoiceField(choices=DeclarationStatus.choices)
    available = serializers.BooleanField(help_text="Whether declarations may draw on it now")
    unavailable_reason = serializers.CharField(allow_null=True)
    items = StockItemSerializer(many=True)


# --- input --------------------------------------------------------------------------------------


class StockLineSerializer(StrictSerializer[dict[str, Any]]):
    """How much of one goods item of the stock to draw."""

    goods_item = serializers.IntegerField(min_value=1)
    net_kg = serializers.DecimalField(max_digits=14, decimal_places=3, min_value=Decimal("0.001"))
    packages = serializers.IntegerField(min_value=0, required=False, default=0)


class DrawFromStockSerializer(StrictSerializer[dict[str, Any]]):
    """A child declaration drawn from the stock by lines: the rest comes from the parent."""

    procedure = serializers.ChoiceField(
        choices=Procedure.choices,
        help_text="`import` (release for free circulation), `reexport`, or `customs_warehouse` "
        "(from a completed transit)",
    )
    lrn = serializers.CharField(
        max_length=35, required=False, allow_blank=True, help_text="Default: `<parent lrn>/NN`"
    )
    consignee = PartySerializer(required=False, allow_null=True)
    transport_mode = serializers.ChoiceField(
        choices=TransportMode.choices, required=False, default=TransportMode.ROAD
    )
    lines = StockLineSerializer(many=True, allow_empty=False, max_length=999)  # type: ignore[call-arg]
    documents = DocumentInputSerializer(many=True, required=False, max_length=200)  # type: ignore[call-arg]


# --- views --------------------------------------------------------------------------------------


@extend_schema(parameters=[REFERENCE])
class StockView(APIView):
    """The goods of a customs-warehouse declaration or completed transit held under customs
    control, per goods item, and what each child declaration drew."""

    @extend_schema(summary="The stock under customs control", responses={200: StockSerializer})
    def get(self, request: Request, reference: str) -> Response:
        declaration = _visible_declaration(self)
        data = StockSerializer(selectors.stock_report(declaration)).data
        response = Response(data)
        # The stock changes with every child declaration drawing on it, not with the
        # declaration's own row: its ETag is a hash of what it reports.
        digest = hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode())
        response["ETag"] = f'"{digest.hexdigest()[:32]}"'
        return response


class ChildFilterSet(UpdatedSinceFilterSet):
    """Filters of a declaration's children."""

    status = django_filters.ChoiceFilter(choices=DeclarationStatus.choices)
    procedure = django_filters.ChoiceFilter(choices=Procedure.choices)

    class Meta:
        model = Declaration
        fields = ["status", "procedure", "updated_since"]


@extend_schema(parameters=[REFERENCE])
class ChildrenView(generics.ListCreateAPIView[Declaration]):
    """Declarations drawing on this one's stock: list them, or draw a new one by lines."""

    serializer_class = DeclarationSerializer
    queryset = Declaration.objects.none()
    filterset_class = ChildFilterSet
    ordering = ("created_at", "id")

    def get_queryset(self) -> QuerySet[Declaration]:
        if getattr(self, "swagger_fake_view", False):
            return Declaration.objects.none()
        return selectors.children_of(_visible_declaration(self))

    @extend_schema(summary="Declarations drawing on this one (release, re-export, warehouse)")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return representations.paginated_response(self)

    @extend_schema(
        summary="Draw a release or re-export declaration (draft) from the stock by lines",
        request=DrawFromStockSerializer,
        responses={201: DeclarationSerializer},
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        parent = _visible_declaration(self)
        partner = partner_of(request.user)
        if partner is None or partner.pk != parent.partner_id:
            raise PermissionDenied("Only the declarant draws on its stock.")
        payload = DrawFromStockSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        child = services.draw_from_stock(
            parent,
            partner=partner,
            procedure=data["procedure"],
            lines=[
                (line["goods_item"], line["net_kg"], line["packages"]) for line in data["lines"]
            ],
            actor=actor_label(request.user),
            lrn=data.get("lrn") or "",
            consignee=dict(data["consignee"]) if data.get("consignee") else None,
            transport_mode=data["transport_mode"],
            documents=[document_input(d) for d in data["documents"]]
            if data.get("documents") is not None
            else None,
        )
        return Response(representations.declaration(child.pk), status=status.HTTP_201_CREATED)
