"""Request guard for the partner API: 413 problem+json for oversized bodies (instead of a 400 or
a 500), 400 for NUL characters in the URL."""

from collections.abc import Callable

from django.conf import settings
from django.contrib.messages.middleware import MessageMiddleware
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, HttpResponseBase

from .exceptions import problem_response

API_PREFIX = "/api/"
# File uploads (multipart, e.g. a scanned certificate of up to 10 MB) are streamed to disk by
# Django, not held in memory: they get their own ceiling and are not read here.
MULTIPART_MAX_BYTES = 12 * 1024 * 1024


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


def has_nul(request: HttpRequest) -> bool:
    """True when the path or a query parameter contains a NUL character."""
    if "\x00" in request.path:
        return True
    return any(
        "\x00" in key or any("\x00" in value for value in values)
        for key, values in request.GET.lists()
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
        if request.path.startswith(API_PREFIX) and has_nul(request):
            # PostgreSQL text cannot hold NUL: a lookup or filter with one would be a 500.
            return problem_response(
                400, "The URL must not contain NUL characters (%00).", code="invalid"
            )
        limit = body_limit()
        if limit is not None and request.path.startswith(API_PREFIX):
            try:
                declared = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                declared = 0
            if request.content_type == "multipart/form-data":
                if declared > max(limit, MULTIPART_MAX_BYTES):
                    return too_large(max(limit, MULTIPART_MAX_BYTES))
                return self.get_response(request)
            if declared > limit:
                return too_large(limit)
            if declared > 0:
                try:
                    request.body  # noqa: B018 - reads and size-checks the body once
                except RequestDataTooBig:
                    return too_large(limit)
        return self.get_response(request)


class StaffMessageMiddleware(MessageMiddleware):
    """Django's messages (the admin's "saved" notes) on every page but the partner API.

    Nothing under `/api/` shows or adds a message, yet the middleware built a cookie-and-session
    storage for every request and asked it on the way out whether anything changed (0.06 ms of
    CPU per API request); API requests skip both. Should an API view ever add a message, it
    fails loudly (`MessageFailure`), as on any request without the middleware."""

    def process_request(self, request: HttpRequest) -> None:
        if not request.path_info.startswith(API_PREFIX):
            super().process_request(request)

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if request.path_info.startswith(API_PREFIX):
            return response
        return super().process_response(request, response)
