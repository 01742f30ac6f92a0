"""Reads of declarations: scoped querysets, totals, snapshots and due work for periodic jobs."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, QuerySet

from tradehub.partners.scoping import scope_to_caller

from .choices import DeclarationStatus, Procedure
from .models import CustomsMessage, Declaration, DeclarationEvent, Document, GoodsItem, Transit


def declarations_with_details() -> QuerySet[Declaration]:
    """Declarations with everything the detail view shows, in a fixed number of queries."""
    return with_details(Declaration.objects.all())


def with_details(queryset: QuerySet[Declaration]) -> QuerySet[Declaration]:
    """`queryset` reading everything the detail view shows, in a fixed number of queries."""
    return queryset.select_related(
        "partner", "office", "border_crossing", "parent", "transit__destination_office"
    ).prefetch_related(
        Prefetch(
            "goods_items",
            queryset=GoodsItem.objects.select_related("source_item").order_by("sequence"),
        ),
        Prefetch(
            "documents",
            queryset=Document.objects.order_by("id").prefetch_related(
                Prefetch("goods_items", queryset=GoodsItem.objects.order_by("sequence"))
            ),
        ),
    )


def declarations_visible_to(user: Any, *, gateway_sees_all: bool = False) -> QuerySet[Declaration]:
    """The declarations a caller may see (own partner's; staff and, if asked, gateways: all)."""
    queryset = declarations_with_details()
    if gateway_sees_all and getattr(user, "is_gateway", False):
        return queryset
    return scope_to_caller(queryset, user, "partner")


def totals(declaration: Declaration) -> dict[str, Any]:
    """Gross and net kg, package count and invoice value per currency over all goods items."""
    return sum_totals(
        (item.gross_kg, item.net_kg, item.packages_count, item.currency, item.invoice_value)
        for item in declaration.goods_items.all()
    )


# The sums' starting points (Decimals are immutable: one of each serves every call).
KG_ZERO = Decimal("0.000")
VALUE_ZERO = Decimal("0.00")


def fixed(value: Decimal, places: int) -> str:
    """`f"{value:.{places}f}"` for a Decimal. The usual value is already at those places (a
    column's value, a sum or difference of such values): `str` spells it the same, at a quarter
    of the cost (a page of 50 declarations formats some 600 quantities)."""
    text = str(value)
    if text[-places - 1 :].find(".") == 0 and "E" not in text:
        return text
    return f"{value:.{places}f}"


def sum_totals(items: Iterable[tuple[Decimal, Decimal, int, str, Decimal]]) -> dict[str, Any]:
    """`totals` over goods items given as (gross kg, net kg, packages, currency, invoice value)
    (the API's representations read them as plain rows)."""
    gross = net = KG_ZERO
    packages = 0
    values: dict[str, Decimal] = {}
    for item_gross, item_net, item_packages, currency, value in items:
        gross += item_gross
        net += item_net
        packages += item_packages
        values[currency] = values.get(currency, VALUE_ZERO) + value
    return {
        "gross_kg": fixed(gross, 3),
        "net_kg": fixed(net, 3),
        "packages": packages,
        "invoice_value": {currency: fixed(value, 2) for currency, value in sorted(values.items())},
    }


def goods_item_data(item: GoodsItem) -> dict[str, Any]:
    """A goods item as the API shows it."""
    source = item.source_item
    return {
        "source_item": source.sequence if source is not None else None,
        "storage_place": item.storage_place,
        "sequence": item.sequence,
        "description": item.description,
        "commodity_code": item.commodity_code,
        "origin_country": item.origin_country,
        "packages": {"count": item.packages_count, "kind": item.packages_kind},
        "gross_kg": f"{item.gross_kg:.3f}",
        "net_kg": f"{item.net_kg:.3f}",
        "invoice_value": f"{item.invoice_value:.2f}",
        "currency": item.currency,
    }


def document_data(document: Document) -> dict[str, Any]:
    """A document as the API shows it; goods items are named by their sequence."""
    return {
        "type": document.type,
        "number": document.number,
        "issued_by": document.issued_by,
        "issued_on": document.issued_on.isoformat() if document.issued_on else None,
        "valid_until": document.valid_until.isoformat() if document.valid_until else None,
        "goods_items": sorted(item.sequence for item in document.goods_items.all()),
        "file": document.file.name.rsplit("/", 1)[-1] if document.file else None,
    }


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def declaration_snapshot(declaration: Declaration) -> dict[str, Any]:
    """The declaration's content and customs state as plain JSON (kept for each earlier version)."""
    return {
        "reference": declaration.reference,
        "version": declaration.version,
        "lrn": declaration.lrn,
        "status": declaration.status,
        "number": declaration.number,
        "channel": declaration.channel,
        "procedure": declaration.procedure,
        "parent": declaration.parent.reference if declaration.parent else None,
        "office": declaration.office.code,
        "border_crossing": declaration.border_crossing.code
        if declaration.border_crossing
        else None,
        "transport_mode": declaration.transport_mode,
        "transport_document": declaration.transport_document,
        "containers": list(declaration.containers),
        "seals": list(declaration.seals),
        "consignor": dict(declaration.consignor),
        "consignee": dict(declaration.consignee),
        "declarant": dict(declaration.declarant),
        "goods_items": [goods_item_data(item) for item in declaration.goods_items.all()],
        "documents": [
            {"sequence": sequence, **document_data(document)}
            for sequence, document in enumerate(
                sorted(declaration.documents.all(), key=lambda d: d.pk), start=1
            )
        ],
        "totals": totals(declaration),
        "rejection_errors": list(declaration.rejection_errors),
        "submitted_at": _iso(declaration.submitted_at),
        "accepted_at": _iso(declaration.accepted_at),
        "released_at": _iso(declaration.released_at),
    }


def events_of(declaration: Declaration) -> QuerySet[DeclarationEvent]:
    """A declaration's history in the order it was recorded."""
    return declaration.events.order_by("id")


def messages_of(declaration: Declaration) -> QuerySet[CustomsMessage]:
    """A declaration's customs messages in the order customs sent them."""
    return declaration.customs_messages.order_by("occurred_at", "id")


def declarations_with_pending_messages(limit: int = 500) -> list[int]:
    """Declarations that have customs messages stored but not yet applied."""
    return list(
        CustomsMessage.objects.filter(applied=False)
        .order_by()
        .values_list("declaration_id", flat=True)
        .distinct()[:limit]
    )


# --- stock under customs control ----------------------------------------------------------------

# How a child's drawing counts in the stock report, by the child's procedure once released.
STOCK_COLUMNS: dict[str, str] = {
    Procedure.IMPORT: "released",
    Procedure.REEXPORT: "reexported",
    Procedure.CUSTOMS_WAREHOUSE: "warehoused",
}
RELEASED_STATUSES = frozenset(
    {
        DeclarationStatus.RELEASED,
        DeclarationStatus.PARTIALLY_DISTRIBUTED,
        DeclarationStatus.DISTRIBUTED,
    }
)
GIVEN_BACK = frozenset({DeclarationStatus.CANCELLED, DeclarationStatus.REJECTED})


def _quantity(kg: Decimal, packages: int) -> dict[str, Any]:
    return {"net_kg": f"{kg:.3f}", "packages": packages}


def stock_report(declaration: Declaration) -> dict[str, Any]:
    """What became of each goods item: declared, released for free circulation, re-exported,
    moved into a customs warehouse, reserved by children not yet released, and what is still in
    stock (declared minus what left) and available (declared minus everything drawn)."""
    from .services.allocation import ZERO, drawn_quantities
    from .services.stock import stock_unavailable_reason

    items = list(declaration.goods_items.order_by("sequence"))
    children = (
        GoodsItem.objects.filter(source_item__in=items)
        .select_related("declaration")
        .order_by("declaration__created_at", "declaration_id", "sequence")
    )
    by_item: dict[int, list[GoodsItem]] = defaultdict(list)
    for child in children:
        assert child.source_item_id is not None
        by_item[child.source_item_id].append(child)
    drawn = drawn_quantities(items)
    rows = []
    for item in items:
        sums: dict[str, list[Any]] = {
            name: [Decimal("0"), 0] for name in ("released", "reexported", "warehoused", "reserved")
        }
        drawings = []
        for child in by_item.get(item.pk, []):
            status = child.declaration.status
            drawings.append(
                {
                    "declaration": child.declaration.reference,
                    "lrn": child.declaration.lrn,
                    "procedure": child.declaration.procedure,
                    "status": status,
                    "goods_item": child.sequence,
                    "consignee_country": (child.declaration.consignee or {}).get("country"),
                    **_quantity(child.net_kg, child.packages_count),
                }
            )
            if status in GIVEN_BACK:
                continue
            column = STOCK_COLUMNS.get(child.declaration.procedure, "reserved")
            column = column if status in RELEASED_STATUSES else "reserved"
            sums[column][0] += child.net_kg
            sums[column][1] += child.packages_count
        total = drawn.get(item.pk, ZERO)
        left_kg = item.net_kg - sum(sums[c][0] for c in ("released", "reexported", "warehoused"))
        left_packages = item.packages_count - sum(
            sums[c][1] for c in ("released", "reexported", "warehoused")
        )
        rows.append(
            {
                "goods_item": item.sequence,
                "description": item.description,
                "commodity_code": item.commodity_code,
                "storage_place": item.storage_place,
                "declared": _quantity(item.net_kg, item.packages_count),
                **{name: _quantity(kg, packages) for name, (kg, packages) in sums.items()},
                "in_stock": _quantity(left_kg, left_packages),
                "available": _quantity(
                    item.net_kg - total.net_kg, item.packages_count - total.packages
                ),
                "drawings": drawings,
            }
        )
    reason = stock_unavailable_reason(declaration)
    return {
        "declaration": declaration.reference,
        "procedure": declaration.procedure,
        "status": declaration.status,
        "available": reason is None,
        "unavailable_reason": reason,
        "items": rows,
    }


def children_of(declaration: Declaration) -> QuerySet[Declaration]:
    """The declarations drawing on this one, oldest first."""
    return declarations_with_details().filter(parent=declaration).order_by("created_at", "id")


def needs_phytosanitary_certificate(commodity_code: str, on: dt.date) -> bool:
    """Whether goods of this commodity code are regulated (quarantine) products on that day
    (the EAEU list of regulated products, effective-dated)."""
    from tradehub.reference.selectors import phytosanitary_certificate_required

    return phytosanitary_certificate_required(commodity_code, on)


def transits_with_details() -> QuerySet[Transit]:
    """Transits with their declaration, offices and partner (lists, details, the alert scan)."""
    return Transit.objects.select_related(
        "declaration__partner", "declaration__office", "destination_office"
    )


def overdue_transits(now: dt.datetime) -> QuerySet[Transit]:
    """Opened transits past their delivery deadline (partial index on opened deadlines)."""
    from .choices import TransitStatus

    return transits_with_details().filter(status=TransitStatus.OPENED, delivery_deadline__lt=now)
