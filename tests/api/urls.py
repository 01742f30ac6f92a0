"""A URL conf for the API machinery tests: small views under /api/v1/_test/ next to the real API.

The idempotency, ETag and throttling mechanisms are generic; these views exercise them without
depending on any domain app.
"""

import threading
from typing import Any

from django.db.models import QuerySet
from django.urls import URLPattern, URLResolver, include, path
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter
from rest_framework.views import APIView

from tradehub.api.etags import ETagMixin, check_if_match
from tradehub.api.exceptions import Conflict
from tradehub.api.serializers import StrictModelSerializer, StrictSerializer
from tradehub.partners.models import Partner
from tradehub.partners.principals import partner_of
from tradehub.urls import handler404, handler500  # noqa: F401 - the project's error pages
from tradehub.urls import urlpatterns as project_urlpatterns

CALLS: dict[str, int] = {}
SLOW_STARTED = threading.Event()
SLOW_RELEASE = threading.Event()


def count(name: str) -> None:
    CALLS[name] = CALLS.get(name, 0) + 1


class PartnerSerializer(StrictModelSerializer):
    class Meta:
        model = Partner
        fields = ["reference", "name", "contact_email", "updated_at"]
        read_only_fields = ["reference", "updated_at"]


class ItemSerializer(StrictSerializer):
    n = serializers.IntegerField()


class CreateSerializer(StrictSerializer):
    name = serializers.CharField(max_length=200)
    temperature_c = serializers.FloatField(required=False)
    items = ItemSerializer(many=True, required=False)
    at = serializers.DateTimeField(required=False)
    reference = serializers.CharField(read_only=True)


class OwnPartnerViewSet(
    ETagMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """The caller's own partner record, as a stand-in for any detail resource."""

    queryset = Partner.objects.all()
    serializer_class = PartnerSerializer
    lookup_field = "reference"
    etag_actions = ("retrieve", "update", "partial_update", "touch")

    def get_queryset(self) -> QuerySet[Partner]:
        partner = partner_of(self.request.user)
        if partner is None:
            return Partner.objects.none()
        return Partner.objects.filter(pk=partner.pk)

    @action(detail=True, methods=["post"])
    def touch(self, request: Request, reference: str) -> Response:
        obj = self.get_object()
        obj.contact_email = request.data.get("contact_email", "")
        obj.save()
        count("touch")
        return Response(PartnerSerializer(obj).data)

    @action(detail=True, methods=["post"], url_path="manual-check")
    def manual_check(self, request: Request, reference: str) -> Response:
        obj = Partner.objects.get(reference=reference)
        check_if_match(request, obj)
        return Response({"ok": True})


class CreateView(APIView):
    """Creates a partner: a POST whose work is visible (and countable)."""

    def post(self, request: Request) -> Response:
        count("create")
        serializer = CreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        if Partner.objects.filter(name=serializer.validated_data["name"]).exists():
            raise Conflict("A partner with this name exists.")
        partner = Partner.objects.create(name=serializer.validated_data["name"])
        return Response(
            {"reference": partner.reference, "name": partner.name},
            status=201,
            headers={"Location": f"/api/v1/_test/partners/{partner.reference}/"},
        )


class FailingView(APIView):
    """Fails like an overloaded server (5xx), then succeeds."""

    def post(self, request: Request) -> Response:
        count("failing")
        if CALLS["failing"] == 1:
            return Response({"detail": "try later"}, status=503)
        return Response({"ok": True}, status=201)


class WriteThenFailView(APIView):
    """Writes, then fails with a 500 on its first call (a crash after the write)."""

    def post(self, request: Request) -> Response:
        count("write_then_fail")
        Partner.objects.create(name=request.data["name"])
        if CALLS["write_then_fail"] == 1:
            return Response({"detail": "crashed"}, status=500)
        return Response({"ok": True}, status=201)


class SlowView(APIView):
    """Blocks until the test releases it, to race a second request against it."""

    def post(self, request: Request) -> Response:
        count("slow")
        SLOW_STARTED.set()
        SLOW_RELEASE.wait(timeout=20)
        return Response({"done": True}, status=201)


class CrashView(APIView):
    """An unhandled error, as a bug would raise it."""

    def get(self, request: Request) -> Response:
        raise RuntimeError("boom")


class PingView(APIView):
    def get(self, request: Request) -> Response:
        return Response({"pong": True})

    def post(self, request: Request) -> Response:
        data: Any = request.data
        return Response({"received": data})


router = SimpleRouter()
router.register("partners", OwnPartnerViewSet, basename="test-partner")

test_patterns: list[URLPattern | URLResolver] = [
    path("create/", CreateView.as_view()),
    path("failing/", FailingView.as_view()),
    path("slow/", SlowView.as_view()),
    path("write-then-fail/", WriteThenFailView.as_view()),
    path("ping/", PingView.as_view()),
    path("crash/", CrashView.as_view()),
    path("", include(router.urls)),
]

urlpatterns = [path("api/v1/_test/", include(test_patterns)), *project_urlpatterns]
