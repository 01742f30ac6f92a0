"""Extension points for apps that build on declarations (shipments), without importing them.

- `status_recorded` is sent inside the transaction that changes a declaration's status (kwargs:
  declaration, old_status, new_status, event), for state that must change atomically with the
  status (shipments: a checklist entry that follows the declaration). Partners hear status
  changes through the `declaration.status_changed` webhook (the outbox), not through a signal.
- `register_distribution_summary(provider)` lets the shipments app say how much of each goods
  item has been allocated; until one is registered the summary is an empty list. The provider
  takes several declarations at once (a page of a list) and answers by declaration id, so a list
  costs a fixed number of queries.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from django.dispatch import Signal

if TYPE_CHECKING:
    from .models import Declaration

status_recorded = Signal()

DistributionSummaryProvider = Callable[[Sequence["Declaration"]], dict[int, list[dict[str, Any]]]]
_distribution_providers: list[DistributionSummaryProvider] = []


def register_distribution_summary(
    provider: DistributionSummaryProvider,
) -> DistributionSummaryProvider:
    """Register the function that summarises a declaration's distribution (last one wins)."""
    if provider not in _distribution_providers:
        _distribution_providers.append(provider)
    return provider


def distribution_summary(declaration: Declaration) -> list[dict[str, Any]]:
    """The distribution summary of a declaration: one entry per goods item, or [] before shipments."""
    return distribution_summaries([declaration]).get(declaration.pk, [])


def distribution_summaries(declarations: Sequence[Declaration]) -> dict[int, list[dict[str, Any]]]:
    """`distribution_summary` of several declarations at once, by declaration id."""
    if not _distribution_providers or not declarations:
        return {declaration.pk: [] for declaration in declarations}
    return _distribution_providers[-1](declarations)
