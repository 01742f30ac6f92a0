"""Cursor pagination for every partner-facing list, strict about its two query parameters."""

import functools
from base64 import b64encode
from typing import Any
from urllib import parse

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError
from django.db.models import QuerySet
from rest_framework import pagination
from rest_framework.exceptions import ErrorDetail, NotFound, ValidationError
from rest_framework.utils.urls import replace_query_param

from .page_queries import prepared_pages

MAX_PAGE_SIZE = 500
DEFAULT_PAGE_SIZE = 50


# Links of the same list URL differ only in their cursor. `link_with` keeps DRF's link of each
# URL with a marker for the cursor's value, split around it (at most MAX_LINK_TEMPLATES URLs,
# emptied when full): the other parameters are parsed, sorted and encoded once per URL.
_SLOT = "\x00cursor\x00"
_QUOTED_SLOT = parse.quote_plus(_SLOT)
MAX_LINK_TEMPLATES = 1024
_link_templates: dict[tuple[str, str], tuple[str, str] | None] = {}
_UNKNOWN: Any = object()


def link_with(url: str, name: str, value: str) -> str:
    """DRF's `replace_query_param(url, name, value)`: the URL with `name` set to `value`, its
    parameters sorted. Where the value goes does not depend on it (parameters are sorted by
    name), and `urlencode` writes it as `quote_plus(value)`, so DRF's link with a marker as the
    value, split at the marker, is kept and the value put between the parts; a URL in which
    the marker's spelling appears elsewhere is left to DRF every time."""
    key = (url, name)
    parts = _link_templates.get(key, _UNKNOWN)
    if parts is _UNKNOWN:
        template = replace_query_param(url, name, _SLOT)
        parts = None
        if template.count(_QUOTED_SLOT) == 1:
            before, after = template.split(_QUOTED_SLOT)
            parts = (before, after)
        if len(_link_templates) >= MAX_LINK_TEMPLATES:
            _link_templates.clear()
        _link_templates[key] = parts
    if parts is None:
        return replace_query_param(url, name, value)
    return parts[0] + parse.quote_plus(value) + parts[1]


@functools.lru_cache(maxsize=4096)
def encoded_cursor(offset: int, reverse: bool, position: str | None) -> str:
    """A cursor's value as DRF's `encode_cursor` writes it, remembered: the first page of a list
    polled again hands out the same `next` cursor (a pure function of its three parts)."""
    tokens = {}
    if offset != 0:
        tokens["o"] = str(offset)
    if reverse:
        tokens["r"] = "1"
    if position is not None:
        tokens["p"] = position
    querystring = parse.urlencode(tokens, doseq=True)
    return b64encode(querystring.encode("ascii")).decode("ascii")


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

    def encode_cursor(self, cursor: Any) -> str:
        """DRF's `encode_cursor` (the same tokens and base64, `encoded_cursor`), the link built
        by `link_with`: DRF's `replace_query_param` parsed and re-encoded the list's URL for
        every link, most of the links' cost (`tests/api/test_pagination_links.py` compares
        with DRF's)."""
        encoded = encoded_cursor(cursor.offset, cursor.reverse, cursor.position)
        return link_with(str(self.base_url), self.cursor_query_param, encoded)

    def paginate_queryset(self, queryset: Any, request: Any, view: Any = None) -> Any:
        try:
            # The page query's SQL is compiled once per shape (`page_queries`).
            # (An object that pages itself, such as `shipments.selectors.ReadingPages`, as it is.)
            if isinstance(queryset, QuerySet):
                queryset = prepared_pages(queryset)
            return super().paginate_queryset(queryset, request, view)
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
