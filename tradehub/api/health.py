"""`GET /api/v1/health/`: is the database and the Celery broker answering?"""

from typing import Any

from django.db import connection
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from tradehub.celery import app as celery_app

BROKER_TIMEOUT_SECONDS = 2


def check_database() -> str:
    """`ok`, or the error the database gave."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return "ok"
    except Exception as exc:
        return f"down: {exc.__class__.__name__}"


def check_broker() -> str:
    """`ok`, or the error the broker gave; fails fast instead of retrying."""
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, timeout=BROKER_TIMEOUT_SECONDS)
            conn.default_channel  # noqa: B018 - opening a channel proves the broker answers
        return "ok"
    except Exception as exc:
        return f"down: {exc.__class__.__name__}"


HealthSerializer = inline_serializer(
    "Health",
    {
        "status": serializers.CharField(),
        "database": serializers.CharField(),
        "broker": serializers.CharField(),
    },
)


class HealthView(APIView):
    """Liveness of the parts a request depends on; 503 names the part that is down."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]

    @extend_schema(
        responses={
            200: HealthSerializer,
            503: OpenApiResponse(HealthSerializer, "A component is down"),
        },
        auth=[],
    )
    def get(self, request: Request) -> Response:
        checks = {"database": check_database(), "broker": check_broker()}
        healthy = all(value == "ok" for value in checks.values())
        return Response(
            {"status": "ok" if healthy else "down", **checks}, status=200 if healthy else 503
        )
