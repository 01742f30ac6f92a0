"""Extension points for apps that build on declarations (shipments), without importing them.

- `status_recorded` is sent inside the transaction that changes a declaration's status (kwargs:
  declaration, old_status, new_status, event), for state that must change atomically with the
  status (shipments: a checklist entry that follows the declaration). Partners hear status
  changes through the `declaration.status_changed` webhook (the outbox), not through a signal.
- `register_distribution_summary(provider)` lets the shipments app say how much of each goods
  item has been allocated; until one is registered the summary is an empty list. The provider
  takes several declarations at once (a page of a list) and answers by declaration id, so a list
  costs a fixed number of queries. A provider may also say which queries it runs
  (`reads`, by declaration ids) and build the summaries from their rows (`from_rows`): the API's
  representations then send those queries in their own round trip (`distribution_reads`,
  `distribution_summaries_from`), and say which drawing providers' drawings those rows hold
  (`drawings_read`): when they hold all (`distribution_reads_are_everything`), a representation
  built from them may be kept while their rows are the same (`tradehub.api.kept`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.dispatch import Signal

if TYPE_CHECKING:
    from tradehub.prepared_queries import RowsByIds

    from .models import Declaration

status_recorded = Signal()

DistributionSummaryProvider = Callable[[Sequence["Declaration"]], dict[int, list[dict[str, Any]]]]
# Declaration ids -> the queries (and their ids) a provider reads for them.
DistributionReads = Callable[[list[int]], list[tuple["RowsByIds", list[int]]]]
# Declarations and the rows of those queries -> the summaries by declaration id.
DistributionFromRows = Callable[
    [Sequence["Declaration"], Sequence[list[tuple[Any, ...]]]], dict[int, list[dict[str, Any]]]
]


@dataclass(frozen=True)
class _Provider:
    summaries: DistributionSummaryProvider
    reads: DistributionReads | None = None
    from_rows: DistributionFromRows | None = None
    drawings_read: frozenset[str] = frozenset()


_distribution_providers: list[_Provider] = []


def register_distribution_summary(
    provider: DistributionSummaryProvider,
    *,
    reads: DistributionReads | None = None,
    from_rows: DistributionFromRows | None = None,
    drawings_read: Iterable[str] = (),
) -> DistributionSummaryProvider:
    """Register the function that summarises a declaration's distribution (last one wins), and
    optionally its queries and how it builds the summaries from their rows (both or neither),
    with the names of the drawing providers whose drawings those rows hold (`from_rows` counts
    the others' through the providers themselves)."""
    if (reads is None) != (from_rows is None):
        raise ValueError("A distribution summary provider gives both `reads` and `from_rows`.")
    registered = _Provider(provider, reads, from_rows, frozenset(drawings_read))
    if registered not in _distribution_providers:
        _distribution_providers.append(registered)
    return provider


def distribution_summary(declaration: Declaration) -> list[dict[str, Any]]:
    """The distribution summary of a declaration: one entry per goods item, or [] before shipments."""
    return distribution_summaries([declaration]).get(declaration.pk, [])


def distribution_summaries(declarations: Sequence[Declaration]) -> dict[int, list[dict[str, Any]]]:
    """`distribution_summary` of several declarations at once, by declaration id."""
    if not _distribution_providers or not declarations:
        return {declaration.pk: [] for declaration in declarations}
    return _distribution_providers[-1].summaries(declarations)


def distribution_reads(declaration_ids: list[int]) -> list[tuple[RowsByIds, list[int]]]:
    """The queries the summaries of these declarations read, for a caller that runs them with
    its own (`tradehub.prepared_queries.rows_together`); none when the provider does not say
    (it then runs its own in `distribution_summaries_from`)."""
    if not _distribution_providers or not declaration_ids:
        return []
    reads = _distribution_providers[-1].reads
    return [] if reads is None else reads(declaration_ids)


def distribution_summaries_from(
    declarations: Sequence[Declaration], read: Sequence[list[tuple[Any, ...]]]
) -> dict[int, list[dict[str, Any]]]:
    """`distribution_summaries` of these declarations from the rows of their
    `distribution_reads` (in that order)."""
    if not _distribution_providers or not declarations:
        return {declaration.pk: [] for declaration in declarations}
    provider = _distribution_providers[-1]
    if provider.from_rows is None:
        return provider.summaries(declarations)
    return provider.from_rows(declarations, read)


def distribution_reads_are_everything() -> bool:
    """Whether the summaries come from the rows of `distribution_reads` alone (no provider, or
    one that gives its reads and whose rows hold every registered drawing provider's drawings):
    what was built from those rows stays right while they are the same."""
    if not _distribution_providers:
        return True
    provider = _distribution_providers[-1]
    if provider.reads is None:
        return False
    from .services.allocation import drawing_provider_names

    return drawing_provider_names() <= provider.drawings_read
