"""Outputs built from rows, kept per process with the digests of the rows they were built from.

A representation built from plain rows (`shipments.api.representations`,
`declarations.api.representations`) reads them with `RowsByIds` queries; `digested_rows_together`
also has PostgreSQL digest each query's rows. `Kept` holds what was built from them, by a key
that says everything else the output is made of (the display zone, the ids, ...), with those
digests: asked for again, `fresh` asks PostgreSQL for the digests alone (`digests_together`, one
small statement, nothing of the rows sent) and, when they are the same, the rows are the same,
and so is what was built from them. A detail's lookup can bring those digests along
(`found_rows`, one prepared statement; then `as_digested`). Bounded by a size the caller
measures (rows shown), emptied when full. Where there are no digests (SQLite, server-side
binding), nothing is kept.
"""

import threading
from collections.abc import Callable, Hashable, Sequence
from typing import Any, Generic, TypeVar

from django.db.models import QuerySet

from tradehub.api.page_queries import prepared_compiler
from tradehub.prepared_queries import (
    Digests,
    RowsByIds,
    digested_rows_together,
    digests_together,
    found_with_digests,
)

T = TypeVar("T")
Queries = Sequence[tuple[RowsByIds, Sequence[int]]]
Rows = list[list[tuple[Any, ...]]]


class Kept(Generic[T]):
    """What was built from the rows of some queries, by key, with the rows' digests."""

    def __init__(self, capacity: int, size: Callable[[T], int]) -> None:
        self.capacity = capacity
        self._size = size
        self.entries: dict[Hashable, tuple[Digests, T]] = {}
        self.held = 0
        self._lock = threading.Lock()

    def fresh(self, key: Hashable, queries: Queries) -> T | None:
        """What was kept under `key`, if the rows of `queries` still have the digests it was
        built from (one statement); else None."""
        kept = self.entries.get(key)
        if kept is not None and digests_together(*queries) == kept[0]:
            return kept[1]
        return None

    def built(self, key: Hashable, queries: Queries, build: Callable[[Rows], T]) -> T:
        """`build` of the rows of `queries` (read with their digests, one round trip), kept
        under `key` with those digests where there are some."""
        digests, results = digested_rows_together(*queries)
        value = build(results)
        if digests is not None:
            self.remember(key, digests, value)
        return value

    def get(self, key: Hashable, queries: Queries, build: Callable[[Rows], T]) -> T:
        """`fresh`, else `built`."""
        found = self.fresh(key, queries)
        return self.built(key, queries, build) if found is None else found

    def as_digested(
        self, key: Hashable, digests: Digests, queries: Queries, build: Callable[[Rows], T]
    ) -> T:
        """What was kept under `key` if it was built from rows with these `digests` (read by
        the caller, e.g. with its lookup: `found_with_digests`), else `built`."""
        kept = self.entries.get(key)
        if kept is not None and kept[0] == digests:
            return kept[1]
        return self.built(key, queries, build)

    def remember(self, key: Hashable, digests: Digests, value: T) -> None:
        """Keep `value` (built from rows with `digests`) under `key`; a value bigger than the
        whole store is not kept, and the store is emptied when it would hold more."""
        size = self._size(value)
        if size > self.capacity:
            return
        with self._lock:
            replaced = self.entries.pop(key, None)
            if replaced is not None:
                self.held -= self._size(replaced[1])
            if self.held + size > self.capacity:
                self.entries.clear()
                self.held = 0
            self.entries[key] = (digests, value)
            self.held += size

    def clear(self) -> None:
        with self._lock:
            self.entries.clear()
            self.held = 0


def found_rows(
    rows: QuerySet[Any, dict[str, Any]], fields: Sequence[str], queries: Sequence[RowsByIds]
) -> tuple[list[dict[str, Any]], Digests | None]:
    """The rows a detail's lookup finds (`rows`: `.values(*fields)` of the caller's scope
    filtered to one object, `id` first; at most two read) and the digests `queries` have now
    for the id found, in one round trip: one statement each session prepares once
    (`found_with_digests`), the lookup's SQL that of its shape compiled once
    (`prepared_compiler`). Where that cannot be (SQLite, another shape), the rows alone and
    None: the caller then checks what it kept with `fresh`."""
    sliced = rows[:2]
    compiler = prepared_compiler(sliced.query, sliced.db)
    if compiler is None:
        return list(sliced), None
    sql, params = compiler.as_sql()
    answer = found_with_digests(sliced.db, sql, params, queries)
    if answer is None:
        return [dict(zip(fields, row, strict=True)) for row in compiler.results_iter()], None
    fetched, digests = answer
    columns = [column for column, _, _ in compiler.select[: compiler.col_count]]
    converters = compiler.get_converters(columns)
    if converters:
        fetched = list(compiler.apply_converters(fetched, converters))
    return [dict(zip(fields, row, strict=True)) for row in fetched], digests
