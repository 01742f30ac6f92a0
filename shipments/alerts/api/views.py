"""Alerts API: list with filters, acknowledge with a comment (thin: selectors and services)."""

from typing import Any

import django_filters
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from shipments.models import Alert
from tradehub.api.etags import ETagMixin, etag_object
from tradehub.api.filters import UpdatedSinceFilterSet
from tradehub.api.page_queries import prepared_pages
from tradehub.api.representation import row_or_404
from tradehub.api.serializers import StrictSerializer
from tradehub.notifications.choices import Severity
from tradehub.partners.principals import actor_label
from tradehub.partners.scoping import PartnerScopedViewMixin

from .. import selectors, services
from ..choices import AlertKind, AlertState, AlertSubjectType
from .representations import alert_rows, represent_alert, represent_alerts


class AlertSubjectSerializer(serializers.Serializer):
    """What the alert is about."""

    type = serializers.ChoiceField(choices=AlertSubjectType.choices)
    reference = serializers.CharField()


class AlertSerializer(serializers.ModelSerializer):
    """An alert as partners see it."""

    subject = serializers.SerializerMethodField()
    shipment: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="reference", read_only=True, allow_null=True
    )
    lot_code = serializers.SerializerMethodField()

    class Meta:
        model = Alert
        fields = [
            "reference",
            "kind",
            "severity",
            "subject",
            "shipment",
            "lot_code",
            "message",
            "state",
            "threshold_hours",
            "acknowledged_at",
            "acknowledged_by",
            "comment",
            "resolved_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(AlertSubjectSerializer)
    def get_subject(self, alert: Alert) -> dict[str, str]:
        return {"type": alert.subject_type, "reference": alert.subject_reference}

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_lot_code(self, alert: Alert) -> str | None:
        return alert.lot.lot_code if alert.lot is not None else None


class AcknowledgeSerializer(StrictSerializer):
    """Body of the acknowledge action."""

    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class AlertFilter(UpdatedSinceFilterSet):
    """`state`, `kind`, `severity` (each may repeat: `?state=open&state=acknowledged`),
    `shipment` (reference) and `updated_since`."""

    state = django_filters.MultipleChoiceFilter(choices=AlertState.choices)
    kind = django_filters.MultipleChoiceFilter(choices=AlertKind.choices)
    severity = django_filters.MultipleChoiceFilter(choices=Severity.choices)
    shipment = django_filters.CharFilter(field_name="shipment__reference")

    class Meta:
        model = Alert
        fields = ["state", "kind", "severity", "shipment"]


ERRORS = {
    400: OpenApiResponse(description="Invalid input (problem+json)."),
    401: OpenApiResponse(description="No or invalid credentials."),
    404: OpenApiResponse(description="No such alert for this partner."),
    409: OpenApiResponse(description="The alert is not open (already acknowledged or resolved)."),
}


class AlertViewSet(
    PartnerScopedViewMixin,
    ETagMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """The caller's alerts, newest first."""

    queryset = selectors.alerts()
    # The list's and the detail's rows: setting up a `.values()` query costs Django a join path
    # per column (about 0.3 ms of a request), so it is set up once; each request scopes it to
    # the caller and filters it (the same SQL as filtering first,
    # `tests/shipments/alerts/test_representations.py`). Its slices (a page, the detail's `get`)
    # run the SQL compiled once per shape (`prepared_pages`).
    rows = prepared_pages(alert_rows(selectors.alerts()))
    serializer_class = AlertSerializer
    filterset_class = AlertFilter
    lookup_field = "reference"
    ordering = ("-created_at", "-id")
    etag_actions = ("retrieve", "acknowledge")

    @extend_schema(
        summary="List alerts", responses={200: AlertSerializer(many=True), 401: ERRORS[401]}
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.scoped(self.rows)))
        assert page is not None
        return self.get_paginated_response(represent_alerts(list(page)))

    @extend_schema(
        summary="Get an alert", responses={200: AlertSerializer, 401: ERRORS[401], 404: ERRORS[404]}
    )
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # One query finds the alert in the caller's scope and reads its row (a shape compiled
        # once: `get` reads a slice); the ETag is computed from the row's fields, as from the
        # model's.
        rows = self.filter_queryset(self.scoped(self.rows))
        row = row_or_404(rows, reference=self.kwargs[self.lookup_field])
        found = etag_object(Alert, row)
        self.check_object_permissions(request, found)
        self.remember_etag_object(found)
        return Response(represent_alerts([row])[0])

    @extend_schema(
        summary="Acknowledge an open alert",
        request=AcknowledgeSerializer,
        responses={200: AlertSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def acknowledge(self, request: Request, reference: str | None = None) -> Response:
        alert = self.get_object()
        body = AcknowledgeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        alert = services.acknowledge_alert(
            alert, actor=actor_label(request.user), comment=body.validated_data["comment"]
        )
        return Response(represent_alert(alert.pk))
