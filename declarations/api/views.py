"""Declaration endpoints: thin views that validate, call a service or selector, and render."""

from __future__ import annotations

from typing import Any

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q, QuerySet
from django.http import FileResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from tradehub.api.etags import ETagMixin, etag_object
from tradehub.api.exceptions import Conflict
from tradehub.api.filters import IsoDateTimeFilter, UpdatedSinceFilterSet
from tradehub.partners.principals import actor_label, partner_of
from tradehub.partners.scoping import PartnerScopedViewMixin, scope_to_caller

from .. import selectors, services
from ..choices import DeclarationStatus, MessageSource, Procedure, RiskChannel
from ..models import CustomsMessage, Declaration, DeclarationEvent, DeclarationVersion
from . import representations
from .inputs import declaration_input
from .serializers import (
    CancelSerializer,
    CustomsMessageInputSerializer,
    CustomsMessageResultSerializer,
    CustomsMessageSerializer,
    DeclarationEventSerializer,
    DeclarationSerializer,
    DeclarationUpdateSerializer,
    DeclarationVersionSerializer,
    DeclarationWriteSerializer,
    DocumentFileSerializer,
    DocumentSerializer,
)

REFERENCE = OpenApiParameter(
    "reference", str, OpenApiParameter.PATH, description="The declaration's reference (DEC-...)"
)


class DeclarationFilterSet(UpdatedSinceFilterSet):
    """Filters of the declaration list."""

    status = django_filters.ChoiceFilter(choices=DeclarationStatus.choices)
    channel = django_filters.ChoiceFilter(choices=RiskChannel.choices)
    procedure = django_filters.ChoiceFilter(choices=Procedure.choices)
    lrn = django_filters.CharFilter()
    number = django_filters.CharFilter()
    parent = django_filters.CharFilter(
        field_name="parent__reference", help_text="Declarations drawing on this one"
    )

    class Meta:
        model = Declaration
        fields = ["status", "channel", "procedure", "lrn", "number", "parent", "updated_since"]


class IsGatewayOrStaff(permissions.BasePermission):
    """Customs gateway integrations and staff only (for writes: owners may read)."""

    message = "Only customs gateway integrations and staff may post customs messages."

    def has_permission(self, request: Any, view: Any) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        user = request.user
        return bool(getattr(user, "is_gateway", False) or getattr(user, "is_staff", False))


# Gateways act for customs: they may read every partner's declarations (but not edit them).
GATEWAY_READ_ACTIONS = frozenset({"list", "retrieve"})


class DeclarationViewSet(
    PartnerScopedViewMixin,
    ETagMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet[Declaration],
):
    """Consolidated customs declarations of the calling partner."""

    # Reads are shown from plain rows (representations); the writes' instances get their
    # details in get_queryset.
    queryset = Declaration.objects.all()
    serializer_class = DeclarationSerializer
    filterset_class = DeclarationFilterSet
    lookup_field = "reference"
    ordering = ("-created_at", "-id")
    # Detail answers carry the declaration's ETag; these writes honour If-Match (stale -> 412).
    etag_actions = ("retrieve", "partial_update", "submit", "amend", "cancel")

    def get_queryset(self) -> QuerySet[Declaration]:
        self.gateway_sees_all = self.action in GATEWAY_READ_ACTIONS
        queryset = super().get_queryset()
        if self.action in ("retrieve", "list"):
            # A detail's lookup reads a row for the 404 and the ETag (`retrieve`).
            return queryset
        return selectors.with_details(queryset)

    def _render(self, declaration: Declaration, status_code: int = status.HTTP_200_OK) -> Response:
        return Response(representations.declaration(declaration.pk), status=status_code)

    @extend_schema(
        summary="List declarations, newest first",
        responses={200: DeclarationSerializer(many=True)},
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return representations.paginated_response(self)

    @extend_schema(
        summary="A declaration with goods items, documents and distribution summary",
        responses={200: DeclarationSerializer},
    )
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # The lookup in the caller's scope reads only what the 404 and the ETag need, as a row,
        # with the check of what the declaration was last shown from (`found_response`).
        rows = self.filter_queryset(self.get_queryset()).values(*representations.FOUND_FIELDS)
        try:
            rows = rows.filter(reference=self.kwargs[self.lookup_field])
            answer = representations.found_response(rows)
        except (TypeError, ValueError, DjangoValidationError):  # as get_object_or_404
            raise NotFound from None
        if answer is None:
            raise NotFound
        row, response = answer
        declaration = etag_object(Declaration, row)
        self.check_object_permissions(request, declaration)
        self.remember_etag_object(declaration)
        return response

    @extend_schema(
        summary="Create a draft declaration",
        request=DeclarationWriteSerializer,
        responses={
            201: DeclarationSerializer,
            409: OpenApiResponse(description="LRN already used; `reference` names that one."),
        },
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        partner = partner_of(request.user)
        if partner is None:
            raise PermissionDenied("Only a partner (or staff member of one) can declare.")
        payload = DeclarationWriteSerializer(
            data=request.data,
            context={"parents": Declaration.objects.filter(partner=partner)},
        )
        payload.is_valid(raise_exception=True)
        declaration = services.create_declaration(
            partner=partner,
            data=declaration_input(payload.validated_data),
            actor=actor_label(request.user),
        )
        return self._render(declaration, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Edit a draft",
        request=DeclarationUpdateSerializer,
        responses={
            200: DeclarationSerializer,
        },
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        declaration = self.get_object()
        if declaration.status != DeclarationStatus.DRAFT:
            raise Conflict(
                f"Only drafts can be edited; this declaration is {declaration.status} "
                "(use amend until release).",
                code="transition_not_allowed",
                status=declaration.status,
            )
        payload = DeclarationUpdateSerializer(
            data=request.data, context={"declaration": declaration}
        )
        payload.is_valid(raise_exception=True)
        declaration = services.update_draft(
            declaration,
            data=declaration_input(payload.validated_data),
            actor=actor_label(request.user),
        )
        return self._render(declaration)

    @extend_schema(
        summary="Submit a draft to customs",
        request=None,
        responses={
            202: DeclarationSerializer,
        },
    )
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, reference: str | None = None) -> Response:
        declaration = self.get_object()
        declaration = services.submit(declaration, actor=actor_label(request.user))
        return self._render(declaration, status.HTTP_202_ACCEPTED)

    @extend_schema(
        summary="Amend until release: creates version n+1 and resubmits",
        request=DeclarationUpdateSerializer,
        responses={
            202: DeclarationSerializer,
        },
    )
    @action(detail=True, methods=["post"])
    def amend(self, request: Request, reference: str | None = None) -> Response:
        declaration = self.get_object()
        services.assert_amendable(declaration)
        payload = DeclarationUpdateSerializer(
            data=request.data, context={"declaration": declaration}
        )
        payload.is_valid(raise_exception=True)
        declaration = services.amend(
            declaration,
            data=declaration_input(payload.validated_data),
            actor=actor_label(request.user),
        )
        return self._render(declaration, status.HTTP_202_ACCEPTED)

    @extend_schema(
        summary="Request cancellation (a draft is cancelled at once; customs decides otherwise)",
        request=CancelSerializer,
        responses={
            202: DeclarationSerializer,
        },
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, reference: str | None = None) -> Response:
        declaration = self.get_object()
        payload = CancelSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        declaration = services.request_cancellation(
            declaration,
            reason=payload.validated_data.get("reason", ""),
            actor=actor_label(request.user),
        )
        return self._render(declaration, status.HTTP_202_ACCEPTED)


def _visible_declaration(view: Any) -> Declaration:
    """The declaration in the URL if the caller may read it (gateways read all), else 404."""
    queryset = selectors.declarations_visible_to(view.request.user, gateway_sees_all=True)
    return get_object_or_404(queryset, reference=view.kwargs["reference"])


class EventFilterSet(django_filters.FilterSet):
    """`updated_since` on an append-only history means: events recorded since then."""

    # The same filter class as every other list's `updated_since`, on the event time.
    updated_since = IsoDateTimeFilter(field_name="occurred_at", lookup_expr="gte")
    type = django_filters.CharFilter()

    class Meta:
        model = DeclarationEvent
        fields = ["updated_since", "type"]


@extend_schema(parameters=[REFERENCE])
class DeclarationEventListView(generics.ListAPIView[DeclarationEvent]):
    """The append-only history of a declaration, oldest first."""

    serializer_class = DeclarationEventSerializer
    queryset = DeclarationEvent.objects.none()
    filterset_class = EventFilterSet
    ordering = ("id",)

    def get_queryset(self) -> QuerySet[DeclarationEvent]:
        if getattr(self, "swagger_fake_view", False):
            return DeclarationEvent.objects.none()
        return selectors.events_of(_visible_declaration(self))


class VersionFilterSet(django_filters.FilterSet):
    """`updated_since` on frozen versions means: versions kept (amendments made) since then."""

    updated_since = IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")

    class Meta:
        model = DeclarationVersion
        fields = ["updated_since"]


class CustomsMessageFilterSet(django_filters.FilterSet):
    """`updated_since`: messages received or applied since then."""

    updated_since = IsoDateTimeFilter(method="filter_updated_since")

    class Meta:
        model = CustomsMessage
        fields = ["updated_since"]

    def filter_updated_since(
        self, queryset: QuerySet[CustomsMessage], name: str, value: Any
    ) -> QuerySet[CustomsMessage]:
        return queryset.filter(Q(received_at__gte=value) | Q(applied_at__gte=value))


@extend_schema(parameters=[REFERENCE])
class DeclarationVersionListView(generics.ListAPIView[DeclarationVersion]):
    """Every earlier version of a declaration, as it stood before each amendment."""

    serializer_class = DeclarationVersionSerializer
    queryset = DeclarationVersion.objects.none()
    filterset_class = VersionFilterSet
    ordering = ("version",)

    def get_queryset(self) -> QuerySet[DeclarationVersion]:
        if getattr(self, "swagger_fake_view", False):
            return DeclarationVersion.objects.none()
        return _visible_declaration(self).versions.all()


@extend_schema(
    parameters=[REFERENCE, OpenApiParameter("version", int, OpenApiParameter.PATH)],
    responses={200: DeclarationVersionSerializer},
)
class DeclarationVersionDetailView(generics.RetrieveAPIView[DeclarationVersion]):
    """One earlier version of a declaration."""

    serializer_class = DeclarationVersionSerializer
    queryset = DeclarationVersion.objects.none()

    def get_object(self) -> DeclarationVersion:
        declaration = _visible_declaration(self)
        return get_object_or_404(declaration.versions.all(), version=self.kwargs["version"])


@extend_schema(parameters=[REFERENCE])
class CustomsMessageView(generics.ListCreateAPIView[CustomsMessage]):
    """Customs messages of a declaration: gateway integrations and staff post decisions here;
    the declaration's owner reads them."""

    permission_classes = [permissions.IsAuthenticated, IsGatewayOrStaff]
    serializer_class = CustomsMessageSerializer
    queryset = CustomsMessage.objects.none()
    filterset_class = CustomsMessageFilterSet
    ordering = ("occurred_at", "id")

    def get_queryset(self) -> QuerySet[CustomsMessage]:
        if getattr(self, "swagger_fake_view", False):
            return CustomsMessage.objects.none()
        return selectors.messages_of(_visible_declaration(self))

    @extend_schema(
        summary="Customs messages received for a declaration, in occurred_at order (owners, "
        "gateway integrations and staff)"
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Post a customs decision (idempotent on message_id; applied in occurred_at order)",
        request=CustomsMessageInputSerializer,
        responses={
            202: CustomsMessageResultSerializer,
            403: OpenApiResponse(description="Not a gateway integration or staff."),
        },
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        declaration = _visible_declaration(self)
        payload = CustomsMessageInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        message_id = data.pop("message_id")
        actor = actor_label(request.user)
        source = MessageSource.STAFF if request.user.is_staff else MessageSource.GATEWAY
        message, created = services.receive_customs_message(
            declaration, message_id=message_id, **data, source=source, actor=actor
        )
        # Applied now for an immediate answer; the queued task finds nothing left to do.
        declaration = services.apply_customs_messages(declaration, actor=actor)
        body = {
            "message_id": message.message_id,
            "duplicate": not created,
            "declaration": declaration.reference,
            "status": declaration.status,
            "number": declaration.number,
            "channel": declaration.channel,
        }
        return Response(CustomsMessageResultSerializer(body).data, status=status.HTTP_202_ACCEPTED)


POSITION = OpenApiParameter(
    "position", int, OpenApiParameter.PATH, description="The document's `sequence` (1..n)"
)


@extend_schema(parameters=[REFERENCE, POSITION])
class DocumentFileView(APIView):
    """The scanned file of one document: upload (multipart, until release) and download."""

    parser_classes = [MultiPartParser]

    def _document(self, reference: str, position: int, *, readers: bool) -> Any:
        queryset = (
            selectors.declarations_visible_to(self.request.user, gateway_sees_all=True)
            if readers
            else scope_to_caller(Declaration.objects.all(), self.request.user)
        )
        declaration = get_object_or_404(queryset, reference=reference)
        documents = list(declaration.documents.order_by("id"))
        if not 1 <= position <= len(documents):
            raise NotFound(f"No document {position} on this declaration.")
        return declaration, documents[position - 1]

    @extend_schema(
        summary="Download a document's file",
        responses={
            (200, "application/octet-stream"): OpenApiResponse(
                OpenApiTypes.BINARY, description="The file as uploaded."
            ),
        },
    )
    def get(self, request: Request, reference: str, position: int) -> Any:
        _, document = self._document(reference, position, readers=True)
        if not document.file:
            raise NotFound("This document has no file.")
        name = document.file.name.rsplit("/", 1)[-1]
        return FileResponse(document.file.open("rb"), as_attachment=True, filename=name)

    @extend_schema(
        summary="Upload (or replace) a document's file: PDF, PNG or JPEG up to 10 MB",
        request={"multipart/form-data": DocumentFileSerializer},
        responses={200: DocumentSerializer},
    )
    def put(self, request: Request, reference: str, position: int) -> Response:
        declaration, _ = self._document(reference, position, readers=False)
        payload = DocumentFileSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        document = services.attach_document_file(
            declaration,
            position=position,
            file=payload.validated_data["file"],
            actor=actor_label(request.user),
        )
        document.sequence = position  # type: ignore[attr-defined]
        return Response(DocumentSerializer(document).data)
