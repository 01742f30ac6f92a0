"""Webhook subscriptions API: CRUD plus the delivery log, scoped to the caller's partner."""

from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, mixins, status, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from tradehub.api.etags import ETagMixin
from tradehub.api.filters import IsoDateTimeFilter, UpdatedSinceFilterSet
from tradehub.partners.principals import partner_of
from tradehub.partners.scoping import PartnerScopedViewMixin, scope_to_caller

from .. import selectors, services
from ..models import DeliveryAttempt, WebhookSubscription
from .serializers import (
    WebhookDeliverySerializer,
    WebhookSubscriptionCreatedSerializer,
    WebhookSubscriptionSerializer,
)

ERRORS = {
    400: OpenApiResponse(description="Invalid input (problem+json with pointers)."),
    401: OpenApiResponse(description="No or invalid credentials."),
    404: OpenApiResponse(description="No such webhook subscription for this partner."),
}


class WebhookDeliveryFilter(django_filters.FilterSet):
    """`updated_since`: attempts started or finished at or after that time."""

    updated_since = IsoDateTimeFilter(method="filter_updated_since")

    class Meta:
        model = DeliveryAttempt
        fields: list[str] = []

    def filter_updated_since(
        self, queryset: QuerySet[DeliveryAttempt], name: str, value: Any
    ) -> QuerySet[DeliveryAttempt]:
        return queryset.filter(Q(started_at__gte=value) | Q(finished_at__gte=value))


class WebhookSubscriptionFilter(UpdatedSinceFilterSet):
    """Filters of the webhook subscription list."""

    class Meta:
        model = WebhookSubscription
        fields = ["is_active"]


@extend_schema_view(
    list=extend_schema(
        summary="List webhook subscriptions",
        responses={200: WebhookSubscriptionSerializer, 401: ERRORS[401]},
    ),
    retrieve=extend_schema(
        summary="Get a webhook subscription",
        responses={200: WebhookSubscriptionSerializer, 401: ERRORS[401], 404: ERRORS[404]},
    ),
    partial_update=extend_schema(
        summary="Change url, events or active",
        responses={200: WebhookSubscriptionSerializer, **ERRORS},
    ),
    destroy=extend_schema(
        summary="Delete a webhook subscription",
        responses={204: None, 401: ERRORS[401], 404: ERRORS[404]},
    ),
)
class WebhookSubscriptionViewSet(
    PartnerScopedViewMixin,
    ETagMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """A partner's webhook subscriptions."""

    queryset = WebhookSubscription.objects.all()
    serializer_class = WebhookSubscriptionSerializer
    filterset_class = WebhookSubscriptionFilter
    lookup_field = "reference"
    ordering = ("-created_at", "-id")
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    @extend_schema(
        summary="Register a webhook URL",
        request=WebhookSubscriptionSerializer,
        responses={201: WebhookSubscriptionCreatedSerializer, **ERRORS},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        partner = partner_of(request.user)
        if partner is None:
            raise PermissionDenied(
                "Only a partner (API key or member staff user) can register webhooks."
            )
        serializer = WebhookSubscriptionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        subscription = services.create_webhook_subscription(
            partner, data["url"], data["events"], is_active=data.get("is_active", True)
        )
        body = WebhookSubscriptionCreatedSerializer(subscription).data
        return Response(body, status=status.HTTP_201_CREATED)

    def perform_update(self, serializer: Any) -> None:
        serializer.instance = services.update_webhook_subscription(
            serializer.instance, **serializer.validated_data
        )

    def perform_destroy(self, instance: WebhookSubscription) -> None:
        services.delete_webhook_subscription(instance)


@extend_schema(
    summary="Delivery attempts of a webhook subscription",
    responses={200: WebhookDeliverySerializer(many=True), 401: ERRORS[401], 404: ERRORS[404]},
)
class WebhookDeliveriesView(generics.ListAPIView):
    """Every delivery attempt of one subscription, newest first, with status code and time."""

    serializer_class = WebhookDeliverySerializer
    filterset_class = WebhookDeliveryFilter
    ordering = ("-started_at", "-id")

    def get_queryset(self) -> QuerySet[DeliveryAttempt]:
        if getattr(self, "swagger_fake_view", False):  # schema generation: no request
            return DeliveryAttempt.objects.none()
        subscriptions = scope_to_caller(WebhookSubscription.objects.all(), self.request.user)
        subscription = get_object_or_404(subscriptions, reference=self.kwargs["reference"])
        return selectors.webhook_deliveries(subscription)
