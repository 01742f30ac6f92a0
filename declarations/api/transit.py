"""Transit declarations as a resource: list (overdue first-class), detail, and the carrier's
report that the goods were presented at the office of destination."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from tradehub.api.etags import ETagMixin
from tradehub.api.filters import UpdatedSinceFilterSet
from tradehub.api.serializers import StrictSerializer
from tradehub.partners.principals import actor_label
from tradehub.partners.scoping import PartnerScopedViewMixin

from .. import selectors, services
from ..choices import TransitStatus
from ..models import Transit
from .serializers import TransitSerializer

REFERENCE = OpenApiParameter(
    "reference", str, OpenApiParameter.PATH, description="The transit declaration's reference"
)


class TransitFilterSet(UpdatedSinceFilterSet):
    """Filters of the transit list."""

    status = django_filters.ChoiceFilter(choices=TransitStatus.choices)
    overdue = django_filters.BooleanFilter(
        method="filter_overdue", help_text="Opened and past the delivery deadline"
    )
    destination_office = django_filters.CharFilter(field_name="destination_office__code")

    class Meta:
        model = Transit
        fields = ["status", "overdue", "destination_office", "updated_since"]

    def filter_overdue(
        self, queryset: QuerySet[Transit], name: str, value: bool
    ) -> QuerySet[Transit]:
        late = Q(status=TransitStatus.OPENED, delivery_deadline__lt=timezone.now())
        return queryset.filter(late) if value else queryset.exclude(late)


class ArrivalSerializer(StrictSerializer[dict[str, Any]]):
    """When the goods were presented at the office of destination (default: now)."""

    occurred_at = serializers.DateTimeField(required=False, allow_null=True)


class TransitViewSet(
    PartnerScopedViewMixin,
    ETagMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet[Transit],
):
    """Transits of the caller's declarations (gateway integrations read all)."""

    queryset = selectors.transits_with_details()
    serializer_class = TransitSerializer
    filterset_class = TransitFilterSet
    partner_field = "declaration__partner"
    lookup_field = "declaration__reference"
    lookup_url_kwarg = "reference"
    ordering = ("-updated_at", "-id")
    etag_actions = ("retrieve", "arrival")

    def get_queryset(self) -> QuerySet[Transit]:
        self.gateway_sees_all = self.action in ("list", "retrieve")
        return super().get_queryset()

    @extend_schema(summary="Transits, most recently changed first")
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(summary="A transit", parameters=[REFERENCE])
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(
        summary="The goods were presented at the office of destination (carrier's report)",
        parameters=[REFERENCE],
        request=ArrivalSerializer,
        responses={200: TransitSerializer},
    )
    @action(detail=True, methods=["post"])
    def arrival(self, request: Request, reference: str | None = None) -> Response:
        transit = self.get_object()
        payload = ArrivalSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        actor = actor_label(request.user)
        services.record_transit_arrival(
            transit.declaration,
            occurred_at=payload.validated_data.get("occurred_at"),
            source=f"reported by {actor}",
            actor=actor,
        )
        fresh = selectors.transits_with_details().get(pk=transit.pk)
        return Response(TransitSerializer(fresh).data, status=status.HTTP_200_OK)
