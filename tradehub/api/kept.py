"""Outputs built from rows, kept per process with the digests of the rows they were built from.

A representation built from plain rows (`shipments.api.representations`,
`declarations.api.representations`) reads them with `RowsByIds` queries; `digested_rows_together`
also has PostgreSQL digest each query's rows. `Kept` holds what was built from them, by a key
that says everything else the output is made of (the display zone, the ids, ...), with those
digests: asked for again, `fresh` asks PostgreSQL for the digests alone (`digests_together`, one
small statement, nothing of the rows sent) and, when they are the same, the rows are the same,
and so is what was built from them. Bounded by a size the caller measures (rows shown), emptied
when full. Where there are no digests (SQLite, server-side binding), nothing is kept.
"""

import threading
from collections.abc import Callable, Hashable, Sequence
from typing import Any, Generic, TypeVar

from tradehub.prepared_queries import (
    Digests,
    RowsByIds,
    digested_rows_together,
    digests_together,
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
