"""Cursor pagination for every partner-facing list."""

from typing import Any

from rest_framework import pagination


class CursorPagination(pagination.CursorPagination):
    """Opaque cursors, `page_size` up to 500; a view's `ordering` decides the order."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    ordering = "-created_at"

    def get_ordering(self, request: Any, queryset: Any, view: Any) -> tuple[str, ...]:
        ordering = getattr(view, "ordering", None) or self.ordering
        return (ordering,) if isinstance(ordering, str) else tuple(ordering)
