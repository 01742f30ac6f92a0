"""Thin views of the shipments API: validate, call a service or selector, render."""

import datetime as dt
import gc
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
)
from rest_framework import generics, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import APIView

from declarations.selectors import declarations_visible_to
from shipments import reroute, selectors
from shipments.choices import RequiredDocumentStatus
from shipments.models import (
    Excursion,
    Lot,
    Product,
    RequiredDocument,
    Shipment,
    ShipmentVersion,
    TemperatureReading,
    TrackingEvent,
)
from shipments.services import changes as change_services
from shipments.services import distribution as distribution_services
from shipments.services import documents as document_services
from shipments.services import shipments as shipment_services
from shipments.services import telemetry as telemetry_services
from shipments.services import tracking as tracking_services
from tradehub.api.columns import ColumnsForSerializerMixin
from tradehub.api.etags import ETagMixin, etag_object, lock_and_check_if_match
from tradehub.api.exceptions import PayloadTooLarge
from tradehub.api.filters import IsoDateTimeFilter, UpdatedSinceFilterSet
from tradehub.api.pagination import (
    MAX_PAGE_SIZE,
    CursorPagination,
    parse_page_size,
    query_error,
)
from tradehub.api.renderers import RenderedResponse
from tradehub.partners.principals import actor_label, partner_of
from tradehub.partners.scoping import PartnerScopedViewMixin, scope_to_caller
from tradehub.reference.choices import RequiredDocumentType
from tradehub.reference.models import Location
from tradehub.times import documented_zone

from .filters import ExcursionFilter, ProductFilter, ShipmentFilter, TrackingEventFilter
from .representations import (
    FOUND_FIELDS,
    JSON,
    RENDER,
    page_rows,
    represent_found,
    represent_shipments,
    shown_shipments,
)
from .serializers import (
    MAX_EVENTS,
    MAX_READINGS,
    DistributionResultSerializer,
    DistributionSerializer,
    EventInputSerializer,
    EventSerializer,
    ExcursionSerializer,
    IntakeResultSerializer,
    ProductSerializer,
    ReadingBucketSerializer,
    ReadingSerializer,
    ReadingSeriesSerializer,
    RequiredDocumentSerializer,
    RequiredDocumentUpdateSerializer,
    RerouteAdviceSerializer,
    ShipmentCancelSerializer,
    ShipmentCreateSerializer,
    ShipmentSerializer,
    ShipmentUpdateSerializer,
    ShipmentVersionSerializer,
    TelemetryInputSerializer,
)
from .telemetry import parse_time, validate_reading_batch

PAGINATION_PARAMETERS = [
    OpenApiParameter(
        "cursor",
        OpenApiTypes.STR,
        description="Opaque cursor from a `next` link (raw readings only); anything else: 400.",
    ),
    OpenApiParameter(
        "page_size",
        {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE, "default": 50},
        description=f"Readings or buckets per page, 1 to {MAX_PAGE_SIZE} (default 50).",
    ),
]
PROBLEM = OpenApiResponse(OpenApiTypes.OBJECT, "Problem details (application/problem+json)")
BUCKET = re.compile(r"^(\d{1,6})(s|m|h|d)$")
BUCKET_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def render_shipments(ids: list[int]) -> list[dict[str, Any]]:
    """The shipments with these ids as the API shows them (`ShipmentSerializer`'s output,
    built from rows), in this order, every lot as of one `now`."""
    return represent_shipments(ids, timezone.now())


def render_shipment(pk: int) -> dict[str, Any]:
    """One shipment as the API shows it."""
    shown = render_shipments([pk])
    if not shown:  # gone since it was found
        raise NotFound
    return shown[0]


class ProductViewSet(ColumnsForSerializerMixin, viewsets.ReadOnlyModelViewSet[Product]):
    """The perishable product catalogue (read-only; staff edit it in the admin)."""

    queryset = Product.objects.select_related("parent")
    serializer_class = ProductSerializer
    filterset_class = ProductFilter
    lookup_field = "code"
    ordering = ("code",)


class ShipmentViewSet(
    PartnerScopedViewMixin,
    ETagMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet[Shipment],
):
    """Shipments of the caller's partner with legs, lots and their remaining shelf life."""

    queryset = Shipment.objects.all()
    serializer_class = ShipmentSerializer
    filterset_class = ShipmentFilter
    lookup_field = "reference"
    ordering = ("-created_at", "-id")
    http_method_names = ["get", "post", "patch", "head", "options"]
    etag_actions = ("retrieve", "partial_update", "cancel")
    if_match_required = ("partial_update",)

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        context.setdefault("now", timezone.now())
        return context

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        queryset = self.filter_queryset(self.get_queryset())
        assert self.paginator is not None
        ordering = self.paginator.get_ordering(request, queryset, self)  # type: ignore[attr-defined]
        page = self.paginate_queryset(page_rows(queryset, ordering))  # type: ignore[arg-type]
        assert page is not None
        ids = [row["id"] for row in page]  # type: ignore[index]
        # The page's JSON between the paginator's links: each shipment's JSON is kept with the
        # page (`shown_shipments`), only its lots' figures written for this answer.
        shown = shown_shipments(ids, timezone.now())
        envelope = self.get_paginated_response([]).data
        head = RENDER(envelope, JSON)
        if list(envelope)[-1] != "results" or not head.endswith(b"[]}"):
            return self.get_paginated_response(shown.dicts())  # not the envelope expected

        def data() -> dict[str, Any]:
            envelope["results"] = shown.dicts()
            return envelope  # type: ignore[no-any-return]

        return RenderedResponse(head[:-2] + b",".join(shown.json()) + b"]}", data)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # The lookup in the caller's scope reads only what the 404 and the ETag need (a small
        # query of a shape compiled once), sent with the check of what the shipment was last
        # shown from (`represent_found`); the rows come from queries compiled once.
        rows = self.filter_queryset(self.get_queryset()).values(*FOUND_FIELDS)
        try:
            rows = rows.filter(reference=self.kwargs[self.lookup_field])
        except (TypeError, ValueError, DjangoValidationError):  # as get_object_or_404
            raise NotFound from None
        shown = represent_found(rows, timezone.now())
        if shown is None:
            raise NotFound
        row, representation = shown
        found = etag_object(Shipment, row)
        self.check_object_permissions(request, found)
        self.remember_etag_object(found)
        return RenderedResponse(representation.json()[0], lambda: representation.dicts()[0])

    @extend_schema(
        request=ShipmentCreateSerializer,
        responses={201: ShipmentSerializer, 400: PROBLEM, 401: PROBLEM, 409: PROBLEM},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        partner = partner_of(request.user)
        if partner is None:
            raise ValidationError(
                {"partner": "Only a partner's API key or member can create shipments."}
            )
        declarations = scope_to_caller(
            declarations_visible_to(request.user).filter(partner=partner), request.user
        )
        data = ShipmentCreateSerializer(
            data=request.data, context={"declarations": declarations, "request": request}
        )
        data.is_valid(raise_exception=True)
        values = data.validated_data
        shipment = distribution_services.create_or_distribute(
            partner,
            shipment_services.ShipmentInput(
                kind=values["kind"],
                origin=values["origin"],
                destination=values["destination"],
                partner_reference=values["partner_reference"],
                declaration=values["declaration"],
                setpoint_c=values.get("setpoint_c"),
                package_kind=values.get("package_kind") or "pallet_cartons",
                planned_departure=values.get("planned_departure"),
                planned_arrival=values.get("planned_arrival"),
                consignee=dict(values["consignee"] or {}),
                legs=leg_inputs(values["legs"]),
                lots=lot_inputs(values["lots"]),
            ),
            actor=actor_label(request.user),
        )
        return Response(render_shipment(shipment.pk), status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Correct a booked shipment (If-Match required)",
        description="Planned times, set-point, legs and lots of a shipment that has not departed "
        "yet. `legs` or `lots`, when given, replace all of them; lots drawn on a declaration are "
        "checked against what remains of its goods items under the locks of distribution. The "
        "earlier state is kept (`GET …/versions/`) and `shipment.changed` is sent. 428 without "
        "`If-Match`, 412 when it is stale, 409 (`shipment_not_booked`) once the shipment moved.",
        request=ShipmentUpdateSerializer,
        responses={200: ShipmentSerializer},
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        shipment = self.get_object()
        payload = ShipmentUpdateSerializer(data=request.data, context={"shipment": shipment})
        payload.is_valid(raise_exception=True)
        values = payload.validated_data
        shipment = change_services.correct_shipment(
            shipment,
            change_services.ShipmentCorrection(
                **{
                    name: values[name]
                    for name in change_services.CORRECTABLE_FIELDS
                    if name in values
                },
                legs=leg_inputs(values["legs"]) if "legs" in values else None,
                lots=lot_inputs(values["lots"]) if "lots" in values else None,
            ),
            actor=actor_label(request.user),
        )
        return Response(render_shipment(shipment.pk))

    @extend_schema(
        summary="Cancel a booked shipment",
        description="Gives the allocation of its lots back to the declaration (under the locks of "
        "distribution), withdraws a draft onward declaration drawn for it, keeps the earlier "
        "state as a version and sends `shipment.status_changed` and `shipment.changed`. 409 "
        "(`shipment_not_booked`) once the shipment moved or when it is already cancelled.",
        request=ShipmentCancelSerializer,
        responses={200: ShipmentSerializer},
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, reference: str | None = None) -> Response:
        shipment = self.get_object()
        payload = ShipmentCancelSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        shipment = change_services.cancel_shipment(
            shipment,
            reason=payload.validated_data["reason"],
            actor=actor_label(request.user),
        )
        return Response(render_shipment(shipment.pk))


def leg_inputs(legs: list[dict[str, Any]]) -> list[shipment_services.LegInput]:
    """Validated legs as the services take them."""
    return [
        shipment_services.LegInput(
            sequence=leg["sequence"],
            mode=leg["mode"],
            from_location=leg["from_location"],
            to_location=leg["to_location"],
            planned_departure=leg.get("planned_departure"),
            planned_arrival=leg.get("planned_arrival"),
            vehicle=leg["vehicle"],
            container=leg["container"],
        )
        for leg in legs
    ]


def lot_inputs(lots: list[dict[str, Any]]) -> list[shipment_services.LotInput]:
    """Validated lots as the services take them."""
    return [
        shipment_services.LotInput(
            product=lot["product"],
            net_kg=lot["net_kg"],
            packages=lot["packages"],
            lot_code=lot["lot_code"],
            packed_on=lot.get("packed_on"),
            goods_item=lot.get("goods_item"),
            harvested_at=lot.get("harvested_at"),
            precooled_at=lot.get("precooled_at"),
            field_temp_c=lot.get("field_temp_c"),
        )
        for lot in lots
    ]


class ShipmentVersionFilter(django_filters.FilterSet):
    """`updated_since` on kept versions means: versions kept (changes made) since then."""

    updated_since = IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")

    class Meta:
        model = ShipmentVersion
        fields = ["updated_since"]


class ShipmentChildMixin:
    """Nested resources of one shipment: resolve it within the caller's scope (else 404)."""

    kwargs: dict[str, Any]

    def get_shipment(self) -> Shipment:
        request: Request = self.request  # type: ignore[attr-defined]
        queryset = scope_to_caller(Shipment.objects.all(), request.user, "partner")
        return get_object_or_404(queryset, reference=self.kwargs["reference"])


class ShipmentEventsView(ShipmentChildMixin, generics.ListAPIView[TrackingEvent]):
    """A shipment's tracking events: post a batch, or read the history in event-time order."""

    serializer_class = EventSerializer
    ordering = ("occurred_at", "id")
    filterset_class = TrackingEventFilter
    queryset = TrackingEvent.objects.none()

    def get_queryset(self) -> QuerySet[TrackingEvent]:
        if getattr(self, "swagger_fake_view", False):
            return TrackingEvent.objects.none()
        return selectors.events_in_time_order(self.get_shipment())

    @extend_schema(
        request=EventInputSerializer(many=True),
        responses={202: IntakeResultSerializer, 400: PROBLEM, 404: PROBLEM, 413: PROBLEM},
        description=f"Up to {MAX_EVENTS} events; idempotent on `event_id`.",
    )
    def post(self, request: Request, reference: str) -> Response:
        shipment = self.get_shipment()
        payload = request.data
        if isinstance(payload, dict) and "events" in payload:
            payload = payload["events"]
        if not isinstance(payload, list) or not payload:
            raise ValidationError({"non_field_errors": ["A non-empty list of events is required."]})
        if len(payload) > MAX_EVENTS:
            raise PayloadTooLarge(f"At most {MAX_EVENTS} events per request; got {len(payload)}.")
        events = EventInputSerializer(data=payload, many=True)
        events.is_valid(raise_exception=True)
        rows: list[dict[str, Any]] = list(events.validated_data)
        codes = {row["location"].strip().upper() for row in rows if row.get("location")}
        locations = dict(Location.objects.filter(code__in=codes).values_list("code", "pk"))
        errors: list[dict[str, Any]] = []
        inputs: list[tracking_services.TrackingEventInput] = []
        for row in rows:
            code = (row.get("location") or "").strip().upper()
            if code and code not in locations:
                errors.append({"location": [f"Unknown location {code!r}."]})
                continue
            errors.append({})
            inputs.append(
                tracking_services.TrackingEventInput(
                    event_id=row["event_id"],
                    type=row["type"],
                    classifier=row["classifier"],
                    occurred_at=row["occurred_at"],
                    location_id=locations.get(code) if code else None,
                    details=row.get("details") or {},
                )
            )
        if any(errors):
            raise ValidationError(errors)
        # Event ids re-sent with other content: EventConflict, a 409 naming each one.
        result = tracking_services.record_events(shipment, inputs)
        return Response(IntakeResultSerializer(result).data, status=status.HTTP_202_ACCEPTED)


@contextmanager
def gc_paused() -> Iterator[None]:
    """The cyclic garbage collector off for the block (process-wide: another thread ending its
    own pause may turn it back on early, which costs only speed)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class TelemetryView(APIView):
    """Bulk temperature telemetry for any of the caller's shipments."""

    @extend_schema(
        request=TelemetryInputSerializer,
        responses={202: IntakeResultSerializer, 400: PROBLEM, 401: PROBLEM, 413: PROBLEM},
        description=f"Up to {MAX_READINGS} readings; a duplicate is the same shipment, sensor and "
        "time. Any invalid row: 400 naming every bad row, nothing stored.",
    )
    def post(self, request: Request) -> Response:
        shipments = scope_to_caller(Shipment.objects.all(), request.user, "partner")
        # A 10,000-reading batch allocates some 100,000 containers, and the cyclic garbage
        # collector ran over them (and the whole worker heap) again and again: 40 % of parsing and
        # validation. Nothing here builds cycles; reference counting frees it all the same.
        with gc_paused():
            batch = validate_reading_batch(request.data, shipments, MAX_READINGS)
            result = telemetry_services.ingest_batch(batch)
        return Response(IntakeResultSerializer(result).data, status=status.HTTP_202_ACCEPTED)


def _time_param(request: Request, name: str) -> dt.datetime | None:
    raw = request.query_params.get(name)
    if raw is None:
        return None
    value = parse_time(raw.strip().replace(" ", "+"))
    if value is None:
        raise query_error(name, "An ISO 8601 time with an offset is required.")
    return value


def bucket_zone(name: str | None) -> dt.tzinfo:
    """The zone of `tz` (default: the documented zone); an unknown name is a 400 on `/query/tz`."""
    if name is None:
        return documented_zone()
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise query_error("tz", "An IANA time zone such as Asia/Almaty or UTC.") from exc


class ShipmentReadingsView(ShipmentChildMixin, APIView):
    """A shipment's temperature series; with `bucket` (e.g. 15m, 1h) min/max/avg per bucket.

    A plain APIView paginating by hand: its answer has two shapes, which a list view's schema
    (always one paginated list) cannot describe.
    """

    ordering = selectors.READING_ORDER
    query_parameters = ("from", "to", "bucket", "tz", "updated_since", "cursor", "page_size")

    def _range(self) -> tuple[dt.datetime | None, dt.datetime | None]:
        start, end = _time_param(self.request, "from"), _time_param(self.request, "to")
        if start and end and end < start:
            raise query_error("to", "Must not be before `from`.")
        return start, end

    def get_queryset(self) -> QuerySet[TemperatureReading]:
        start, end = self._range()
        since = _time_param(self.request, "updated_since")
        return selectors.readings_between(self.get_shipment(), start, end, since)

    def pages(self) -> selectors.ReadingPages:
        """The same readings as `get_queryset`, as the cursor pages read them."""
        start, end = self._range()
        since = _time_param(self.request, "updated_since")
        return selectors.ReadingPages(self.get_shipment(), start, end, since)

    @extend_schema(
        parameters=[
            OpenApiParameter("from", OpenApiTypes.DATETIME, description="From (inclusive)"),
            OpenApiParameter("to", OpenApiTypes.DATETIME, description="To (exclusive)"),
            OpenApiParameter(
                "updated_since",
                OpenApiTypes.DATETIME,
                description="Only readings TradeHub stored at or after this time (late ones too).",
            ),
            OpenApiParameter(
                "bucket",
                {"type": "string", "pattern": r"^\d{1,6}[smhd]$"},
                description="Bucket width: 30s, 15m, 1h, 1d ... (at most 31d)",
            ),
            OpenApiParameter(
                "tz",
                OpenApiTypes.STR,
                description="IANA zone whose midnight the buckets are aligned on (`1d` = that "
                "zone's calendar days). Default: the documented zone of every time, "
                "Asia/Almaty (+05:00).",
            ),
            *PAGINATION_PARAMETERS,
        ],
        responses={
            200: ReadingSeriesSerializer,
            400: PROBLEM,
            404: PROBLEM,
        },
        description="Without `bucket`: raw readings, cursor-paginated (`cursor`, `page_size`). "
        "With `bucket`: `results` are `{start, end, min, max, avg, count}` per bucket, "
        "`page_size` buckets per page; `next` (with `truncated` true) continues from the last "
        "bucket's end.",
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        bucket = request.query_params.get("bucket")
        if bucket is None:
            paginator = CursorPagination()
            page = paginator.paginate_queryset(self.pages(), request, view=self)
            response = paginator.get_paginated_response(ReadingSerializer(page, many=True).data)
            response.data = {"bucket": None, "truncated": False, **response.data}
            return response
        match = BUCKET.match(bucket.strip())
        seconds = int(match.group(1)) * BUCKET_UNITS[match.group(2)] if match else 0
        if not match or not 1 <= seconds <= 31 * 86400:
            raise query_error("bucket", "A width such as 30s, 15m, 1h or 1d (at most 31d).")
        if "cursor" in request.query_params:
            raise query_error(
                "cursor", "Bucketed series page by `from`: follow the `next` link instead."
            )
        page_size = parse_page_size(request.query_params.get("page_size"))
        start, end = self._range()
        since = _time_param(request, "updated_since")
        zone = bucket_zone(request.query_params.get("tz"))
        offset = (start or timezone.now()).astimezone(zone).utcoffset() or dt.timedelta()
        buckets = selectors.bucketed_readings(
            self.get_shipment(),
            start,
            end,
            seconds,
            page_size + 1,
            since,
            offset_seconds=int(offset.total_seconds()),
        )
        more = len(buckets) > page_size
        buckets = buckets[:page_size]
        next_url = None
        if more:
            # Buckets are aligned independently of `from`, so the next page simply starts
            # where this one's last bucket ends.
            next_url = replace_query_param(
                request.build_absolute_uri(), "from", buckets[-1]["end"].isoformat()
            )
        body = {
            "bucket": bucket.strip(),
            "truncated": more,
            "next": next_url,
            "previous": None,
            "results": ReadingBucketSerializer(buckets, many=True).data,
        }
        return Response(body)


class ShipmentExcursionsView(ShipmentChildMixin, generics.ListAPIView[Excursion]):
    """Temperature excursions detected on a shipment."""

    serializer_class = ExcursionSerializer
    ordering = ("started_at", "id")
    filterset_class = ExcursionFilter
    queryset = Excursion.objects.none()

    def get_queryset(self) -> QuerySet[Excursion]:
        if getattr(self, "swagger_fake_view", False):
            return Excursion.objects.none()
        return selectors.excursions_of(self.get_shipment())


class ShipmentVersionListView(ShipmentChildMixin, generics.ListAPIView[ShipmentVersion]):
    """Every earlier version of a shipment, as it stood before each correction or cancellation."""

    serializer_class = ShipmentVersionSerializer
    queryset = ShipmentVersion.objects.none()
    filterset_class = ShipmentVersionFilter
    ordering = ("version",)

    def get_queryset(self) -> QuerySet[ShipmentVersion]:
        if getattr(self, "swagger_fake_view", False):
            return ShipmentVersion.objects.none()
        return self.get_shipment().versions.all()


class DistributionView(APIView):
    """Split a released declaration into regional shipments, all or nothing."""

    @extend_schema(
        request=DistributionSerializer,
        responses={
            201: DistributionResultSerializer,
            400: PROBLEM,
            401: PROBLEM,
            404: PROBLEM,
            409: OpenApiResponse(
                OpenApiTypes.OBJECT,
                "Not released, or over-allocated: `remaining` per goods item in the body",
            ),
            412: PROBLEM,
        },
    )
    def post(self, request: Request, reference: str) -> Response:
        declaration = get_object_or_404(declarations_visible_to(request.user), reference=reference)
        items = {item.sequence: item for item in declaration.goods_items.all()}
        body = DistributionSerializer(data=request.data, context={"goods_items": items})
        body.is_valid(raise_exception=True)
        requests = [
            distribution_services.DistributionShipment(
                destination=shipment["destination"],
                origin=shipment.get("origin"),
                consignee=dict(shipment["consignee"] or {}),
                partner_reference=shipment["partner_reference"],
                setpoint_c=shipment.get("setpoint_c"),
                planned_departure=shipment.get("planned_departure"),
                planned_arrival=shipment.get("planned_arrival"),
                lines=lot_inputs(shipment["lines"]),
                transport_mode=shipment["transport_mode"],
                declaration_lrn=shipment["declaration_lrn"],
                via=shipment["via"],
            )
            for shipment in body.validated_data["shipments"]
        ]
        with transaction.atomic():
            # If-Match (optional) is compared under the declaration's row lock: a stale ETag -> 412.
            lock_and_check_if_match(request, declaration)
            created = distribution_services.distribute(
                declaration, requests, actor=actor_label(request.user)
            )
        declaration.refresh_from_db(fields=["status"])
        body_out = {
            "declaration": declaration.reference,
            "declaration_status": declaration.status,
            "shipments": render_shipments([s.pk for s in created]),
        }
        return Response(body_out, status=status.HTTP_201_CREATED)


class RequiredDocumentFilter(UpdatedSinceFilterSet):
    """Filters of a shipment's checklist."""

    status = django_filters.ChoiceFilter(choices=RequiredDocumentStatus.choices)
    type = django_filters.ChoiceFilter(choices=RequiredDocumentType.choices)
    country = django_filters.CharFilter(
        method="filter_country", help_text="Transit country (ISO alpha-2) the entry is for"
    )

    class Meta:
        model = RequiredDocument
        fields = ["status", "type", "country", "updated_since"]

    def filter_country(
        self, queryset: QuerySet[RequiredDocument], name: str, value: str
    ) -> QuerySet[RequiredDocument]:
        return queryset.filter(country=value.upper())


@extend_schema(parameters=[OpenApiParameter("reference", str, OpenApiParameter.PATH)])
class RequiredDocumentListView(ShipmentChildMixin, generics.ListAPIView[RequiredDocument]):
    """The documents a distributed shipment needs before it departs, with where each stands."""

    serializer_class = RequiredDocumentSerializer
    filterset_class = RequiredDocumentFilter
    ordering = ("sequence", "id")

    def get_queryset(self) -> QuerySet[RequiredDocument]:
        if getattr(self, "swagger_fake_view", False):
            return RequiredDocument.objects.none()
        return self.get_shipment().required_documents.all()


@extend_schema(
    parameters=[
        OpenApiParameter("reference", str, OpenApiParameter.PATH),
        OpenApiParameter("sequence", int, OpenApiParameter.PATH, description="Checklist position"),
    ]
)
class RequiredDocumentDetailView(
    ShipmentChildMixin, ETagMixin, generics.RetrieveUpdateAPIView[RequiredDocument]
):
    """One checklist entry: read it, or record where the document stands (`If-Match` honoured)."""

    serializer_class = RequiredDocumentSerializer
    lookup_field = "sequence"
    http_method_names = ["get", "patch", "head", "options"]
    etag_actions = ("retrieve", "partial_update")

    def get_queryset(self) -> QuerySet[RequiredDocument]:
        if getattr(self, "swagger_fake_view", False):
            return RequiredDocument.objects.none()
        return self.get_shipment().required_documents.all()

    @extend_schema(
        request=RequiredDocumentUpdateSerializer,
        responses={200: RequiredDocumentSerializer, 400: PROBLEM, 404: PROBLEM, 409: PROBLEM},
        description="Partners record `missing`, `provided` or `accepted` and the document's "
        "number. Entries that are TradeHub declarations follow the declaration (409).",
    )
    def patch(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        self.action = "partial_update"
        document = self.get_object()
        body = RequiredDocumentUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        document = document_services.set_document(
            document,
            status=body.validated_data["status"],
            reference=body.validated_data.get("reference"),
            actor=actor_label(request.user),
        )
        return Response(RequiredDocumentSerializer(document).data)

    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        self.action = "retrieve"
        return super().get(request, *args, **kwargs)


class LotRerouteOptionsView(APIView):
    """Where a lot that will not arrive sellable could still go: advice only, nothing moves.

    `lot_code` names the caller's lot; when several shipments carry lots with that code (a split of
    an inbound lot keeps its code) `?shipment=REF` picks one, else the most recently created lot."""

    query_parameters = ("shipment",)

    @extend_schema(
        responses={200: RerouteAdviceSerializer},
        parameters=[OpenApiParameter("shipment", str, required=False)],
    )
    def get(self, request: Request, lot_code: str) -> Response:
        lots = scope_to_caller(Lot.objects.all(), request.user, "shipment__partner").filter(
            lot_code=lot_code
        )
        reference = request.query_params.get("shipment")
        if reference:
            lots = lots.filter(shipment__reference=reference)
        lot = (
            lots.select_related(
                "product", "shipment", "shipment__origin__country", "shipment__destination"
            )
            .order_by("-created_at", "-id")
            .first()
        )
        if lot is None:
            raise NotFound("No such lot.")
        advice = reroute.advise(lot, timezone.now())
        return Response(RerouteAdviceSerializer(advice).data)
