"""Every answer under /api/ that is an error is `application/problem+json`, whoever produced it.

DRF views already answer problems through `problem_exception_handler`. What it cannot see is
produced by Django around the views: the URL resolver's 404 and an unhandled exception's 500
(with `DEBUG` on Django renders its HTML debug pages instead of `handler404`/`handler500`), the
CSRF failure page (403), `CommonMiddleware`'s errors, a `DisallowedHost` 400. Partners test
against development servers with `DEBUG` on, and a generated client crashes on an HTML body, so
this middleware - the outermost one - rewrites any such error answer on an `/api/` path into a
problem with the same status and headers, and turns an exception escaping a view into a logged
problem 500 (so the debug page never renders and no stack trace leaks).
"""

import json
import logging
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.urls import is_valid_path

from .exceptions import (
    PROBLEM_CONTENT_TYPE,
    database_unavailable,
    is_database_outage,
    problem,
)

logger = logging.getLogger("tradehub.api")

API_PREFIX = "/api/"
# Headers of the original answer that still mean something on the problem (`Allow` on a 405,
# `Retry-After` on a 429/503, `WWW-Authenticate` on a 401, the idempotency markers).
KEPT_HEADERS = (
    "Allow",
    "Retry-After",
    "WWW-Authenticate",
    "Idempotency-Key",
    "Idempotent-Replayed",
    "Vary",
)
DETAILS = {
    400: "Bad request.",
    403: "Forbidden.",
    404: "No such endpoint.",
    405: "Method not allowed on this path.",
    406: "Only application/json answers can be produced.",
    415: "Unsupported media type: send application/json.",
    500: "Internal server error; the request may be retried.",
    503: "Service unavailable; retry after a few seconds.",
}


def _detail_of(response: HttpResponseBase) -> str:
    """The `detail` of a JSON error body, else a generic sentence for the status."""
    if isinstance(response, HttpResponse) and "json" in response.get("Content-Type", ""):
        try:
            body: Any = json.loads(response.content)
        except ValueError:
            body = None
        if isinstance(body, dict) and isinstance(body.get("detail"), str):
            return str(body["detail"])
    status = response.status_code
    return DETAILS.get(status, "Server error." if status >= 500 else "Client error.")


def as_problem(response: HttpResponseBase) -> HttpResponseBase:
    """`response` itself if it is not an error or already a problem, else the problem twin."""
    if response.status_code < 400:
        return response
    content_type = response.get("Content-Type", "")
    if content_type.startswith(PROBLEM_CONTENT_TYPE):
        return response
    if content_type.startswith("application/json") and response.status_code == 503:
        return response  # the health check's 503 names what is down in its own documented body
    status = response.status_code
    detail = _detail_of(response)
    errors = [{"pointer": "/", "code": "invalid", "detail": detail}] if status in (400, 415) else []
    rewritten = JsonResponse(
        problem(status, detail, errors), status=status, content_type=PROBLEM_CONTENT_TYPE
    )
    for name in KEPT_HEADERS:
        if response.has_header(name):
            rewritten[name] = response[name]
    for cookie in response.cookies.values():
        rewritten.cookies[cookie.key] = cookie
    return rewritten


class ProblemJsonMiddleware:
    """Outermost middleware: error answers under /api/ are problem+json, DEBUG on or off."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if not request.path.startswith(API_PREFIX):
            return self.get_response(request)
        if (
            request.method not in ("GET", "HEAD")
            and not request.path_info.endswith("/")
            and is_valid_path(request.path_info + "/")
        ):
            # CommonMiddleware cannot redirect a write to the slashed URL (it raises); say so.
            return JsonResponse(
                problem(404, f"No such endpoint; did you mean {request.path}/ (with a slash)?"),
                status=404,
                content_type=PROBLEM_CONTENT_TYPE,
            )
        return as_problem(self.get_response(request))

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        """An exception escaping an API view: log it and answer a problem 500 (no debug page)."""
        if not request.path.startswith(API_PREFIX):
            return None
        if is_database_outage(exception):
            logger.warning(
                "Database unavailable on %s %s: %s", request.method, request.path, exception
            )
            return database_unavailable()
        logger.error("Unhandled error on %s %s", request.method, request.path, exc_info=exception)
        return JsonResponse(
            problem(500, DETAILS[500]), status=500, content_type=PROBLEM_CONTENT_TYPE
        )
