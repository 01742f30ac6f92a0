"""Goods under customs control as a stock that later declarations draw on.

A customs-warehouse declaration (once released into the warehouse) or a completed transit holds
its goods as a stock, per goods item. A child declaration - `import` (release for free
circulation), `reexport`, or a `customs_warehouse` after a transit - names the parent and, per
goods item, the parent's item it draws from. The allocation invariant (allocation.py) keeps the
sum of everything drawn within what was declared, under concurrency.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction

from tradehub.partners.models import Partner
from tradehub.reference.choices import OnwardProcedure
from tradehub.reference.models import CustomsOffice
from tradehub.reference.selectors import eaeu_code_in_season

from ..choices import DeclarationDocumentType
from ..exceptions import DeclarationInvalid, ProcedureNotAllowed
from ..inputs import DeclarationInput, DocumentInput, GoodsItemInput, Party
from ..models import Declaration, GoodsItem
from ..procedures import StockFrom, may_draw_on, rule_for
from ..states import DISTRIBUTION_STATUSES
from .allocation import RELEASING_STATUSES, Quantity, lock_and_check_allocation
from .tariff import declaration_day

# Documents of the parent a child inherits when it is drawn from the stock (re-mapped to the
# child's goods items): the commercial and origin papers stay true for part of the goods.
INHERITED_DOCUMENTS = (
    DeclarationDocumentType.INVOICE,
    DeclarationDocumentType.CERTIFICATE_OF_ORIGIN,
    DeclarationDocumentType.PHYTOSANITARY_CERTIFICATE,
    DeclarationDocumentType.TRANSPORT_DOCUMENT,
)


def stock_unavailable_reason(declaration: Declaration) -> str | None:
    """Why nothing may be drawn on a declaration now (None: its stock is available).

    A customs warehouse holds a stock once customs released the goods into it; a transit once it
    is completed at the office of destination (the goods then wait in temporary storage).
    """
    rule = rule_for(declaration.procedure)
    if rule.stock_from is None:
        return (
            f"A {declaration.procedure} declaration holds no stock under customs control to draw "
            "on (only a customs warehouse or a completed transit does)."
        )
    if declaration.status not in DISTRIBUTION_STATUSES:
        return (
            f"Declaration {declaration.reference} is {declaration.status}: its goods are not "
            "under the procedure yet (it must be released first)."
        )
    if rule.stock_from == StockFrom.TRANSIT_COMPLETION:
        transit = getattr(declaration, "transit", None)
        if transit is None or transit.completed_at is None:
            return (
                f"The transit of declaration {declaration.reference} is not completed: its goods "
                "cannot be drawn on before they are presented and the transit completed at the "
                "office of destination."
            )
    return None


def stock_office(declaration: Declaration) -> CustomsOffice:
    """The customs office where a declaration's goods are held: a transit's goods wait at its
    office of destination (Almaty), not at the border office it was lodged at; other goods at
    the declaration's own office."""
    transit = getattr(declaration, "transit", None)
    if transit is not None:
        return transit.destination_office
    return declaration.office


def lock_parent(parent: Declaration) -> Declaration:
    """Lock the parent row: every change to what is drawn on it queues here first."""
    return (
        Declaration.objects.select_for_update(of=("self",))
        .select_related("office__location__country")
        .get(pk=parent.pk)
    )


def check_parentage(declaration: Declaration, parent: Declaration | None) -> None:
    """The declared procedure may draw on that parent, and the parent's stock is available;
    a procedure that must draw on a stock (re-export) has a parent."""
    rule = rule_for(declaration.procedure)
    if parent is None:
        if rule.needs_parent:
            raise DeclarationInvalid(
                [
                    {
                        "pointer": "/parent",
                        "code": "required",
                        "detail": f"A {declaration.procedure} declaration draws on goods under "
                        "customs control: name the customs-warehouse or transit declaration "
                        "(`parent`) it re-exports from.",
                    }
                ]
            )
        return
    if parent.partner_id != declaration.partner_id:
        raise DeclarationInvalid(
            [{"pointer": "/parent", "code": "does_not_exist", "detail": "No such declaration."}]
        )
    if not may_draw_on(declaration.procedure, parent.procedure):
        allowed = sorted(rule.parents) or ["none"]
        raise ProcedureNotAllowed(
            f"A {declaration.procedure} declaration cannot draw on a {parent.procedure} "
            f"declaration (it draws on: {', '.join(allowed)}).",
            code="procedure_not_allowed",
            procedure=declaration.procedure,
            parent_procedure=parent.procedure,
        )
    reason = stock_unavailable_reason(parent)
    if reason is not None:
        raise ProcedureNotAllowed(reason, code="stock_not_available", parent=parent.reference)


def resolve_source_items(
    declaration: Declaration, items: list[GoodsItemInput]
) -> list[GoodsItem | None]:
    """The parent's goods item each child item draws from (by sequence), with a pointer per
    problem: a child item must name one, of the same HS subheading and origin."""
    parent = declaration.parent
    by_sequence = {item.sequence: item for item in parent.goods_items.all()} if parent else {}
    sources: list[GoodsItem | None] = []
    errors: list[dict[str, str]] = []
    for index, data in enumerate(items):
        sequence = data.source_item
        pointer = f"/goods_items/{index}/source_item"
        if parent is None:
            if sequence is not None:
                errors.append(
                    {
                        "pointer": pointer,
                        "code": "parent_required",
                        "detail": "A goods item draws on a parent declaration's item: name the "
                        "`parent` declaration too.",
                    }
                )
            sources.append(None)
            continue
        source = by_sequence.get(sequence) if sequence is not None else None
        if source is None:
            errors.append(
                {
                    "pointer": pointer,
                    "code": "required" if sequence is None else "does_not_exist",
                    "detail": f"Name the goods item of {parent.reference} this one is drawn from "
                    f"(1..{len(by_sequence)})."
                    if sequence is None
                    else f"{parent.reference} has no goods item {sequence}.",
                }
            )
        elif str(data.commodity_code)[:6] != source.commodity_code[:6]:
            errors.append(
                {
                    "pointer": f"/goods_items/{index}/commodity_code",
                    "code": "differs_from_source",
                    "detail": f"Goods item {sequence} of {parent.reference} is HS "
                    f"{source.commodity_code[:6]}; the goods drawn from it cannot be another "
                    "subheading.",
                }
            )
        sources.append(source)
    if errors:
        raise DeclarationInvalid(errors)
    return sources


def check_drawing(declaration: Declaration) -> None:
    """Lock the parent's goods items and make sure this child, with every other drawing, stays
    within what the parent declared (AllocationExceeded otherwise)."""
    if declaration.parent_id is None or declaration.status in RELEASING_STATUSES:
        return
    requested: dict[int, Quantity] = {}
    for item in declaration.goods_items.all():
        if item.source_item_id is not None:
            quantity = Quantity(item.net_kg, item.packages_count)
            requested[item.source_item_id] = requested.get(item.source_item_id, Quantity()) + (
                quantity
            )
    lock_and_check_allocation(requested, exclude_declaration=declaration.pk)


# --- drawing from a stock by lines --------------------------------------------------------------


def _share(value: Decimal, part: Decimal, whole: Decimal, places: str) -> Decimal:
    return (value * part / whole).quantize(Decimal(places), rounding=ROUND_HALF_UP)


def child_goods_items(
    lines: Iterable[tuple[GoodsItem, Decimal, int]], day: dt.date | None = None
) -> list[GoodsItemInput]:
    """Goods items of a child drawn from the parent's items: (source item, net kg, packages).

    Gross weight and invoice value are the source's pro rata; packages, when not given, too
    (at least one). The commodity code is the source's, moved to the season of the child's
    declaration date (`day`) when the source's seasonal code is no longer valid then: tomatoes
    stored in July under 0702 00 000 5 are released in November under 0702 00 000 7.
    """
    items = []
    for source, net_kg, packages in lines:
        count = packages or max(
            1, int(_share(Decimal(source.packages_count), net_kg, source.net_kg, "1"))
        )
        gross = max(_share(source.gross_kg, net_kg, source.net_kg, "0.001"), net_kg)
        items.append(
            GoodsItemInput(
                description=source.description,
                commodity_code=eaeu_code_in_season(source.commodity_code, day)
                if day is not None
                else source.commodity_code,
                origin_country=source.origin_country,
                packages_count=count,
                packages_kind=source.packages_kind,
                gross_kg=gross,
                net_kg=net_kg,
                invoice_value=_share(source.invoice_value, net_kg, source.net_kg, "0.01"),
                currency=source.currency,
                source_item=source.sequence,
                storage_place=source.storage_place,
            )
        )
    return items


def inherited_documents(parent: Declaration, sources: list[GoodsItem]) -> list[DocumentInput]:
    """The parent's documents that cover the drawn items, re-pointed at the child's items."""
    positions: dict[int, list[int]] = {}
    for position, source in enumerate(sources, start=1):
        positions.setdefault(source.pk, []).append(position)
    documents = []
    for document in parent.documents.prefetch_related("goods_items").order_by("id"):
        if document.type not in INHERITED_DOCUMENTS:
            continue
        covered = [item.pk for item in document.goods_items.all()]
        if covered and not set(covered) & set(positions):
            continue
        goods = sorted(p for pk in covered for p in positions.get(pk, []))
        documents.append(
            DocumentInput(
                type=document.type,
                number=document.number,
                issued_by=document.issued_by,
                issued_on=document.issued_on,
                valid_until=document.valid_until,
                goods_items=goods,
            )
        )
    return documents


def free_lrn(partner: Partner, base: str) -> str:
    """An LRN for a generated child: `<parent lrn>/NN`, the first one the partner has not used."""
    stem = base[:31]
    used = set(
        Declaration.objects.filter(partner=partner, lrn__startswith=f"{stem}/").values_list(
            "lrn", flat=True
        )
    )
    number = 1
    while f"{stem}/{number:02d}" in used:
        number += 1
    return f"{stem}/{number:02d}"


def child_data(
    parent: Declaration,
    *,
    procedure: str,
    lines: list[tuple[GoodsItem, Decimal, int]],
    lrn: str = "",
    consignee: Party | None = None,
    transport_mode: str = "road",
    documents: list[DocumentInput] | None = None,
) -> DeclarationInput:
    """The input of a child declaration drawn from `parent` by lines, for create_declaration.

    A release for free circulation is made by the parent's consignee (the importer in the
    office's country) unless a consignee there is named; a re-export ships to the named foreign
    buyer and is consigned by the parent's consignee, who owns the goods in the warehouse.
    """
    # Declared where the goods are: a transit's children at its office of destination.
    office = stock_office(parent)
    office_country = office.location.country.code
    named = dict(consignee or {})
    if not (named.get("name") and named.get("country")):
        named = {}
    reexport = OnwardProcedure.REEXPORT_UNDER_TRANSIT in rule_for(procedure).serves
    if reexport:
        consignor, receiver = dict(parent.consignee), named or dict(parent.consignee)
    else:
        local = named.get("country") == office_country and named.get("name")
        consignor, receiver = dict(parent.consignor), named if local else dict(parent.consignee)
    sources = [source for source, _, _ in lines]
    return DeclarationInput(
        lrn=lrn or free_lrn(parent.partner, parent.lrn),
        procedure=procedure,
        office=office,
        border_crossing=None if reexport else parent.border_crossing,
        transport_mode=transport_mode,
        containers=[],
        seals=[],
        consignor=consignor,
        consignee=receiver,
        declarant=dict(parent.declarant) or None,
        parent=parent,
        goods_items=child_goods_items(lines, declaration_day(parent)),
        documents=documents if documents is not None else inherited_documents(parent, sources),
    )


@transaction.atomic
def draw_from_stock(
    parent: Declaration,
    *,
    partner: Partner,
    procedure: str,
    lines: list[tuple[int, Decimal, int]],
    actor: str,
    lrn: str = "",
    consignee: Party | None = None,
    transport_mode: str = "road",
    documents: list[DocumentInput] | None = None,
) -> Declaration:
    """Create a child declaration (draft) drawing `lines` (goods item sequence, net kg,
    packages) from the parent's stock; goods descriptions, codes, origin, and pro-rata weights
    and values come from the parent, and its invoice, origin and plant-health papers go along."""
    from .declarations import create_declaration

    # Under the parent's lock from the start: the generated LRN `<lrn>/NN` is then taken by one
    # caller at a time.
    parent = lock_parent(parent)
    by_sequence = {item.sequence: item for item in parent.goods_items.all()}
    missing = [
        {
            "pointer": f"/lines/{index}/goods_item",
            "code": "does_not_exist",
            "detail": f"{parent.reference} has no goods item {sequence}.",
        }
        for index, (sequence, _, _) in enumerate(lines)
        if sequence not in by_sequence
    ]
    if missing:
        raise DeclarationInvalid(missing)
    data = child_data(
        parent,
        procedure=procedure,
        lines=[(by_sequence[sequence], kg, packages) for sequence, kg, packages in lines],
        lrn=lrn,
        consignee=consignee,
        transport_mode=transport_mode,
        documents=documents,
    )
    return create_declaration(partner=partner, data=data, actor=actor)
