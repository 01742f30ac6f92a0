"""Request-size guard for the partner API: 413 problem+json instead of a 400 or a 500."""

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponseBase

from .exceptions import problem_response

API_PREFIX = "/api/"


def body_limit() -> int | None:
    """The largest accepted body in bytes (DATA_UPLOAD_MAX_MEMORY_SIZE; None = unlimited)."""
    limit: int | None = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return limit


def too_large(limit: int) -> HttpResponseBase:
    return problem_response(
        413,
        f"The request body is larger than {limit} bytes; split it into smaller batches "
        "(at most 10,000 telemetry readings or 1,000 tracking events per request).",
        code="payload_too_large",
        max_bytes=limit,
    )


class RequestSizeMiddleware:
    """Refuse API request bodies larger than DATA_UPLOAD_MAX_MEMORY_SIZE with 413.

    DRF's parsers read the WSGI stream directly, which Django does not size-check (only
    `request.body` is), so without this guard the limit would not apply to the API at all.
    The declared Content-Length is checked before anything is read; the body is then read once
    through `request.body` (which enforces the limit) so the parsers see the checked bytes.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        limit = body_limit()
        if limit is not None and request.path.startswith(API_PREFIX):
            try:
                declared = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                declared = 0
            if declared > limit:
                return too_large(limit)
            if declared > 0:
                try:
                    request.body  # noqa: B018 - reads and size-checks the body once
                except RequestDataTooBig:
                    return too_large(limit)
        return self.get_response(request)
