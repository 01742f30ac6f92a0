"""Cursor pagination for every partner-facing list, strict about its two query parameters."""

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError
from rest_framework import pagination
from rest_framework.exceptions import ErrorDetail, NotFound, ValidationError

from .page_queries import prepared_pages

MAX_PAGE_SIZE = 500
DEFAULT_PAGE_SIZE = 50


def query_error(name: str, message: str, code: str = "invalid") -> ValidationError:
    """A 400 whose pointer names the query parameter (`/query/<name>`)."""
    return ValidationError({"query": {name: [ErrorDetail(message, code)]}})


def parse_page_size(raw: str | None, default: int = DEFAULT_PAGE_SIZE) -> int:
    """`page_size` as given (an integer from 1 to 500), the default when absent, else 400."""
    if raw is None:
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise query_error(
            "page_size", f"An integer from 1 to {MAX_PAGE_SIZE} is required."
        ) from None
    if not 1 <= value <= MAX_PAGE_SIZE:
        raise query_error(
            "page_size", f"Must be from 1 to {MAX_PAGE_SIZE}; got {value}.", code="out_of_range"
        )
    return value


class CursorPagination(pagination.CursorPagination):
    """Opaque cursors, `page_size` from 1 to 500; a view's `ordering` decides the order.

    Unlike DRF's defaults, nothing is silently ignored: a `page_size` that is not an integer in
    range and a cursor that this server did not hand out answer 400 with the parameter's pointer
    (`/query/page_size`, `/query/cursor`) instead of falling back to the first page or 404.
    """

    page_size = DEFAULT_PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    ordering = "-created_at"
    invalid_cursor_message = "Not a cursor of this list: follow the `next`/`previous` links."

    def get_ordering(self, request: Any, queryset: Any, view: Any) -> tuple[str, ...]:
        ordering = getattr(view, "ordering", None) or self.ordering
        return (ordering,) if isinstance(ordering, str) else tuple(ordering)

    def get_page_size(self, request: Any) -> int:
        return parse_page_size(request.query_params.get(self.page_size_query_param), self.page_size)

    def decode_cursor(self, request: Any) -> Any:
        try:
            return super().decode_cursor(request)
        except NotFound:
            raise query_error(self.cursor_query_param, self.invalid_cursor_message) from None

    def paginate_queryset(self, queryset: Any, request: Any, view: Any = None) -> Any:
        try:
            # The page query's SQL is compiled once per shape (`page_queries`).
            return super().paginate_queryset(prepared_pages(queryset), request, view)
        except (DjangoValidationError, DataError, ValueError, TypeError, OverflowError):
            # A well-formed cursor whose position does not fit the ordering field (forged).
            if request.query_params.get(self.cursor_query_param) is None:
                raise
            raise query_error(self.cursor_query_param, self.invalid_cursor_message) from None

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": self.max_page_size,
                    "default": self.page_size,
                }
                parameter["description"] = (
                    f"Results per page, 1 to {self.max_page_size} (default {self.page_size})."
                )
            elif parameter["name"] == self.cursor_query_param:
                parameter["description"] = (
                    "Opaque cursor from a `next` or `previous` link; anything else answers 400."
                )
        return parameters
