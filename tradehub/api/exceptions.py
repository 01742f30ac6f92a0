"""RFC 9457 `application/problem+json` errors with a JSON pointer per invalid field."""

import sys
from collections.abc import Iterator
from http import HTTPStatus
from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.defaults import page_not_found, server_error
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from tradehub import errors as domain

PROBLEM_CONTENT_TYPE = "application/problem+json"


class Conflict(exceptions.APIException):
    """409: the request is valid but clashes with the object's current state."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state of the resource."
    default_code = "conflict"

    def __init__(self, detail: str | None = None, code: str | None = None, **extra: Any) -> None:
        super().__init__(detail, code)
        self.extra = extra


class PreconditionFailed(exceptions.APIException):
    """412: the `If-Match` header names a version that is no longer current."""

    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "The resource has changed since you read it (stale If-Match)."
    default_code = "precondition_failed"

    def __init__(self, detail: str | None = None, code: str | None = None, **extra: Any) -> None:
        super().__init__(detail, code)
        self.extra = extra


class PreconditionRequired(exceptions.APIException):
    """428: this write needs `If-Match` (the ETag of the version it corrects)."""

    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_detail = (
        "This write needs an If-Match header with the ETag of the version you read: "
        "GET the object, then send its ETag in If-Match."
    )
    default_code = "precondition_required"


class UnprocessableEntity(exceptions.APIException):
    """422: well-formed but not processable (for example an idempotency key reused)."""

    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = "The request cannot be processed."
    default_code = "unprocessable"


class PayloadTooLarge(exceptions.APIException):
    """413: the request body is larger than the largest documented batch allows."""

    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "payload_too_large"


RESERVED_MEMBERS = frozenset({"type", "title", "status", "detail", "errors"})
# Errors about the request as a whole: the problem still names a pointer ("/", the whole body).
WHOLE_REQUEST_STATUSES = frozenset({400, 413, 415, 422})


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def flatten_errors(detail: Any, pointer: str = "") -> Iterator[dict[str, str]]:
    """Walk DRF's nested error detail and yield one `{pointer, code, detail}` per message."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            if key in ("non_field_errors", "__all__"):
                yield from flatten_errors(value, pointer)
            else:
                yield from flatten_errors(value, f"{pointer}/{_escape(str(key))}")
    elif isinstance(detail, list):
        if all(isinstance(item, exceptions.ErrorDetail | str) for item in detail):
            for item in detail:
                yield {
                    "pointer": pointer or "/",
                    "code": getattr(item, "code", None) or "invalid",
                    "detail": str(item),
                }
        else:
            for index, item in enumerate(detail):
                if item:
                    yield from flatten_errors(item, f"{pointer}/{index}")
    elif detail is not None:
        yield {
            "pointer": pointer or "/",
            "code": getattr(detail, "code", None) or "invalid",
            "detail": str(detail),
        }


def problem(
    status_code: int, detail: str, errors: list[dict[str, str]] | None = None, **extra: Any
) -> dict[str, Any]:
    """The body of a problem+json response."""
    title = HTTPStatus(status_code).phrase
    body: dict[str, Any] = {
        "type": f"https://tradehub.example/problems/{title.lower().replace(' ', '-')}",
        "title": title,
        "status": status_code,
        "detail": detail,
        "errors": errors or [],
    }
    for key, value in extra.items():
        # Extras never replace the standard members (a `status=` extra meant the object's
        # status, not the HTTP one): they are kept as `current_<name>`.
        body[f"current_{key}" if key in RESERVED_MEMBERS else key] = value
    return body


def _nest(errors: list[dict[str, Any]]) -> dict[str, Any]:
    """Turn `{pointer, code, detail}` errors into DRF's nested detail, so the problem handler
    gives the same pointers back. An error on a node that also has errors below it (`/documents`
    and `/documents/0/issued_on`) goes under the node's `non_field_errors`, which the handler
    reports at the node's own pointer."""
    root: dict[str, Any] = {}
    for error in errors:
        parts = [p for p in error["pointer"].split("/") if p] or ["non_field_errors"]
        node = root
        for part in parts[:-1]:
            child = node.setdefault(part, {})
            if isinstance(child, list):
                child = node[part] = {"non_field_errors": child}
            node = child
        leaf = node.setdefault(parts[-1], [])
        if isinstance(leaf, dict):
            leaf = leaf.setdefault("non_field_errors", [])
        leaf.append(exceptions.ErrorDetail(error["detail"], error.get("code", "invalid")))
    return root


def validation_error(errors: list[dict[str, Any]]) -> exceptions.ValidationError:
    """A 400 with one entry per `{pointer, code, detail}` error; members beyond those three (the
    `candidates` of a commodity code) are kept on the entry they came with."""
    error = exceptions.ValidationError(_nest(errors))
    extras = {
        (e["pointer"], e.get("code")): {
            k: v for k, v in e.items() if k not in ("pointer", "code", "detail")
        }
        for e in errors
    }
    if any(extras.values()):
        entries = [
            {**entry, **extras.get((entry["pointer"], entry["code"]), {})}
            for entry in flatten_errors(error.detail)
        ]
        error.extra = {"errors": entries}  # type: ignore[attr-defined]
    return error


class DomainProblem(exceptions.APIException):
    """A domain error as DRF sees it: the status of its kind, its message, code and extras."""

    def __init__(self, error: domain.DomainError, status_code: int) -> None:
        super().__init__(str(error), error.code)
        self.status_code = status_code
        self.extra = dict(error.extra)
        if error.errors:
            self.extra["errors"] = error.errors


# The one mapping from a kind of domain error to the status partners see (most specific first).
DOMAIN_STATUSES: tuple[tuple[type[domain.DomainError], int], ...] = (
    (domain.Invalid, status.HTTP_400_BAD_REQUEST),
    (domain.StaleVersion, status.HTTP_412_PRECONDITION_FAILED),
    (domain.Unprocessable, status.HTTP_422_UNPROCESSABLE_ENTITY),
    (domain.Conflict, status.HTTP_409_CONFLICT),
    (domain.DomainError, status.HTTP_409_CONFLICT),
)


def api_exception(error: domain.DomainError) -> exceptions.APIException:
    """The API error for a domain error: 400 with a pointer per invalid part, 409 (with
    `remaining`, `reference`, ... as members), 412 or 422."""
    if isinstance(error, domain.Invalid):
        api_error = validation_error(error.errors)
        if error.extra:
            api_error.extra = {**error.extra, **getattr(api_error, "extra", {})}  # type: ignore[attr-defined]
        return api_error
    status_code = next(code for kind, code in DOMAIN_STATUSES if isinstance(error, kind))
    return DomainProblem(error, status_code)


def problem_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF exception handler that answers every error as problem+json."""
    if isinstance(exc, domain.DomainError):
        exc = api_exception(exc)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge()
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = list(flatten_errors(exc.detail))
        detail = "Invalid input: " + "; ".join(f"{e['pointer']}: {e['detail']}" for e in errors[:5])
    else:
        errors = []
        detail = str(exc.detail) if isinstance(exc, exceptions.APIException) else str(exc)
        if response.status_code in WHOLE_REQUEST_STATUSES:
            code = exc.get_codes() if isinstance(exc, exceptions.APIException) else "invalid"
            errors = [
                {
                    "pointer": "/",
                    "code": code if isinstance(code, str) else "invalid",
                    "detail": detail,
                }
            ]
    extra = dict(getattr(exc, "extra", {}) or {})
    # A conflict may name the parts of the request it is about, like a 400 does.
    errors = extra.pop("errors", None) or errors
    response.data = problem(response.status_code, detail, errors, **extra)
    response.content_type = PROBLEM_CONTENT_TYPE
    return response


def problem_response(
    status_code: int,
    detail: str,
    *,
    code: str | None = None,
    pointer: str = "/",
    **extra: Any,
) -> JsonResponse:
    """A problem+json response built outside DRF (middleware, Django error handlers)."""
    errors = [{"pointer": pointer, "code": code, "detail": detail}] if code else []
    return JsonResponse(
        problem(status_code, detail, errors, **extra),
        status=status_code,
        content_type=PROBLEM_CONTENT_TYPE,
    )


# Seconds a client is told to wait when the database is unreachable (restarts take seconds).
DATABASE_RETRY_AFTER_SECONDS = 5


def is_database_outage(exc: BaseException | None) -> bool:
    """A lost or refused database connection (not a bug in a query)."""
    return isinstance(exc, OperationalError | InterfaceError)


def database_unavailable() -> HttpResponse:
    """503 problem+json with Retry-After: the database is unreachable; nothing was done."""
    response = problem_response(
        503,
        "The database is unavailable; nothing was changed. Retry after a few seconds.",
        code="database_unavailable",
    )
    response["Retry-After"] = str(DATABASE_RETRY_AFTER_SECONDS)
    return response


def api_server_error(request: HttpRequest) -> HttpResponse:
    """500 for unhandled errors (503 for a database outage, also raised by a middleware):
    problem+json under /api/, Django's page elsewhere."""
    if request.path.startswith("/api/"):
        if is_database_outage(sys.exc_info()[1]):
            return database_unavailable()
        return problem_response(500, "Internal server error; the request may be retried.")
    return server_error(request)


def api_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """404 for unknown URLs: problem+json under /api/, Django's page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse(
            problem(404, "No such endpoint."), status=404, content_type=PROBLEM_CONTENT_TYPE
        )
    return page_not_found(request, exception)
