"""The allocation invariant: what is drawn on a goods item never exceeds what was declared.

Drawings on a goods item are (1) the goods items of child declarations that draw on it (a
release for free circulation, a re-export, a customs warehouse after a transit) while the child
is not cancelled or refused release, and (2) whatever apps built on declarations register here
(the shipments app registers the lots of its regional shipments). One mechanism serves all of
them: lock the goods items (SELECT ... FOR UPDATE, in id order so concurrent requests queue
instead of deadlocking), sum every drawing *after* the lock, refuse what would exceed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet, Sum

from tradehub.prepared_queries import RowsByIds

from ..choices import DeclarationStatus
from ..exceptions import AllocationExceeded
from ..models import Declaration, GoodsItem

# A child declaration in these statuses no longer holds the goods it drew: they are back in stock.
RELEASING_STATUSES = (DeclarationStatus.CANCELLED, DeclarationStatus.REJECTED)


@dataclass(frozen=True)
class Quantity:
    """Net kg and packages of some goods."""

    net_kg: Decimal = Decimal("0")
    packages: int = 0

    def __add__(self, other: Quantity) -> Quantity:
        return Quantity(self.net_kg + other.net_kg, self.packages + other.packages)

    def __sub__(self, other: Quantity) -> Quantity:
        return Quantity(self.net_kg - other.net_kg, self.packages - other.packages)

    def exceeds(self, other: Quantity) -> bool:
        """More kg or more packages than `other`."""
        return self.net_kg > other.net_kg or self.packages > other.packages

    @classmethod
    def declared(cls, item: GoodsItem) -> Quantity:
        return cls(item.net_kg, item.packages_count)


ZERO = Quantity()

# Other apps' drawings: goods item ids -> drawn quantity per id.
DrawingProvider = Callable[[list[int]], dict[int, Quantity]]
_providers: dict[str, DrawingProvider] = {}


def register_drawing_provider(name: str, provider: DrawingProvider) -> DrawingProvider:
    """Let an app built on declarations count its own drawings (once per name)."""
    _providers[name] = provider
    return provider


def drawing_provider_names() -> frozenset[str]:
    """The names of the registered drawing providers."""
    return frozenset(_providers)


def _child_drawing_rows(
    item_ids: list[int], exclude_declaration: int | None = None
) -> QuerySet[GoodsItem, tuple[Any, ...]]:
    rows = GoodsItem.objects.filter(source_item_id__in=item_ids)
    if exclude_declaration is not None:
        rows = rows.exclude(declaration_id=exclude_declaration)
    return _summed_drawings(rows)


def _summed_drawings(children: QuerySet[GoodsItem]) -> QuerySet[GoodsItem, tuple[Any, ...]]:
    """(drawn-on item id, kg, packages) summed over these child goods items, the cancelled or
    refused children left out."""
    # No ordering: the default one (by declaration) would be compiled, joins and all, and dropped.
    return (
        children.exclude(declaration__status__in=RELEASING_STATUSES)
        .order_by()
        .values("source_item_id")
        .annotate(kg=Sum("net_kg"), packages=Sum("packages_count"))
        .values_list("source_item_id", "kg", "packages")
    )


# Every distribution summary (each declaration list and detail) reads the child drawings.
_CHILD_DRAWINGS = RowsByIds(_child_drawing_rows)
# The same for every goods item of some declarations, named by the declarations' ids: a
# representation sends it in the round trip that reads their goods items
# (`drawn_quantities(child_rows=...)`).
CHILD_DRAWINGS_OF_DECLARATIONS = RowsByIds(
    lambda ids: _summed_drawings(GoodsItem.objects.filter(source_item__declaration_id__in=ids))
)


def child_drawings(
    item_ids: list[int], exclude_declaration: int | None = None
) -> dict[int, Quantity]:
    """What child declarations draw on each goods item (cancelled or refused ones excluded)."""
    if exclude_declaration is None:
        rows = _CHILD_DRAWINGS.rows(item_ids)
    else:
        rows = list(_child_drawing_rows(item_ids, exclude_declaration))
    return _quantities(rows)


def _quantities(rows: Iterable[tuple[Any, ...]]) -> dict[int, Quantity]:
    return {item_id: Quantity(kg or Decimal("0"), packages or 0) for item_id, kg, packages in rows}


def drawn_quantities(
    items: Iterable[GoodsItem],
    exclude_declaration: int | None = None,
    *,
    except_provider: str | None = None,
    child_rows: Iterable[tuple[Any, ...]] | None = None,
) -> dict[int, Quantity]:
    """Everything drawn on each goods item: child declarations plus registered providers (but
    `except_provider`, for a caller that reads that provider's drawings itself). `child_rows`:
    the child drawings already read (`CHILD_DRAWINGS_OF_DECLARATIONS` of the items'
    declarations) instead of a query."""
    ids = [item.pk for item in items]
    if child_rows is None:
        drawn = child_drawings(ids, exclude_declaration)
    else:
        drawn = _quantities(child_rows)
    for name, provider in _providers.items():
        if name == except_provider:
            continue
        for item_id, quantity in provider(ids).items():
            drawn[item_id] = drawn.get(item_id, ZERO) + quantity
    return drawn


def remaining_of(item: GoodsItem, drawn: Mapping[int, Quantity]) -> dict[str, Any]:
    """What is left of a goods item to draw on, as the 409 answer lists it."""
    taken = drawn.get(item.pk, ZERO)
    return {
        "goods_item": item.sequence,
        "declared_net_kg": f"{item.net_kg:.3f}",
        "allocated_net_kg": f"{taken.net_kg:.3f}",
        "remaining_net_kg": f"{item.net_kg - taken.net_kg:.3f}",
        "remaining_packages": item.packages_count - taken.packages,
    }


def lock_goods_items(ids: Iterable[int]) -> list[GoodsItem]:
    """Lock goods items in id order (callers are inside transaction.atomic)."""
    return list(
        GoodsItem.objects.select_for_update().filter(pk__in=sorted(set(ids))).order_by("id")
    )


def lock_and_check_allocation(
    requested: Mapping[int, Quantity], *, exclude_declaration: int | None = None
) -> list[GoodsItem]:
    """Lock the goods items drawn on and make sure none ends up over-allocated.

    `requested` is the new drawing per goods item id. The sum of existing drawings is read after
    the lock, so it includes every committed competitor; `exclude_declaration` leaves out a child
    declaration's own current drawing when it is being changed. Raises AllocationExceeded (the API
    answers 409) listing what remains of each item that would be exceeded.
    """
    if not requested:
        return []
    items = lock_goods_items(requested)
    drawn = drawn_quantities(items, exclude_declaration)
    over = [
        remaining_of(item, drawn)
        for item in items
        if (drawn.get(item.pk, ZERO) + requested[item.pk]).exceeds(Quantity.declared(item))
    ]
    if over:
        raise AllocationExceeded(over)
    return items


def fully_drawn(declaration: Declaration) -> tuple[bool, bool]:
    """(anything drawn, everything drawn) over the declaration's goods items, by net kg."""
    items = list(declaration.goods_items.all())
    drawn = drawn_quantities(items)
    amounts = [drawn.get(item.pk, ZERO).net_kg for item in items]
    anything = any(amount > 0 for amount in amounts)
    everything = bool(items) and all(
        amount >= item.net_kg for amount, item in zip(amounts, items, strict=True)
    )
    return anything, everything
