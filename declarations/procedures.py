"""Customs procedures as data: what each one requires and what may follow it.

One row per procedure a declaration may declare. Services read these rows instead of testing
procedure names, so a rule changes here (with its source) and nowhere else. The legal path of the
goods on the corridor and the source of every rule are in docs/customs-procedures.md:

    border office --transit--> Almaty (temporary storage) --customs_warehouse--> stock
    stock --import--> free circulation (KZ; EAEU buyers by mutual trade)
    stock --reexport--> out of the Union under transit (UZ, TJ, TM, ...)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from tradehub.reference.choices import OnwardProcedure as O

from .choices import DeclarationDocumentType
from .choices import Procedure as P


class GoodsStatus(StrEnum):
    """Where the goods stand once customs released them under the procedure."""

    # EAEU goods: duty and VAT paid, they circulate freely in the Union.
    FREE_CIRCULATION = "free_circulation"
    # Foreign goods still under customs control (in transit, in storage, leaving again).
    CUSTOMS_CONTROL = "customs_control"
    # EAEU goods leaving the Union for good.
    EXPORTED = "exported"


class StockFrom(StrEnum):
    """When a procedure's goods become a stock under customs control that others may draw on."""

    RELEASE = "release"  # a customs warehouse: once customs placed the goods under it
    TRANSIT_COMPLETION = "transit_completion"  # a transit: once completed at the destination


@dataclass(frozen=True)
class ProcedureRule:
    """What a procedure requires and allows, with the source of the rule."""

    code: str
    goods_status: GoodsStatus
    # Documents without which the declaration cannot be submitted.
    required_documents: tuple[str, ...] = ()
    # Set when the declared goods become a stock under customs control that later declarations
    # draw on (and from when); None when the goods leave customs control on release.
    stock_from: StockFrom | None = None
    # Procedures whose stock this one may draw on, and whether it must draw on one.
    parents: frozenset[str] = frozenset()
    needs_parent: bool = False
    # Onward procedures its released goods may be distributed under as they are; a stock is
    # distributed through child declarations instead (procedure from the route data).
    serves: frozenset[str] = frozenset()
    source: str = ""


PROCEDURES: Mapping[str, ProcedureRule] = {
    P.IMPORT: ProcedureRule(
        P.IMPORT,
        GoodsStatus.FREE_CIRCULATION,
        # The customs value is declared from the commercial invoice (EAEU CC Art. 108).
        required_documents=(DeclarationDocumentType.INVOICE,),
        parents=frozenset({P.TRANSIT, P.CUSTOMS_WAREHOUSE}),
        serves=frozenset({O.FREE_CIRCULATION, O.EAEU_MUTUAL_TRADE}),
        source="EAEU Customs Code Art. 134 (release for domestic consumption: the goods become "
        "EAEU goods); Art. 108 (the commercial invoice among the documents declared)",
    ),
    P.CUSTOMS_WAREHOUSE: ProcedureRule(
        P.CUSTOMS_WAREHOUSE,
        GoodsStatus.CUSTOMS_CONTROL,
        stock_from=StockFrom.RELEASE,
        parents=frozenset({P.TRANSIT}),
        source="EAEU Customs Code Arts. 155-163 (customs warehouse: foreign goods stored without "
        "duty or VAT, then released for domestic consumption or re-exported)",
    ),
    P.TRANSIT: ProcedureRule(
        P.TRANSIT,
        GoodsStatus.CUSTOMS_CONTROL,
        stock_from=StockFrom.TRANSIT_COMPLETION,
        source="EAEU Customs Code Arts. 142-150 (customs transit from the office of departure to "
        "the office of destination); Arts. 98-103 (temporary storage after completion)",
    ),
    P.REEXPORT: ProcedureRule(
        P.REEXPORT,
        GoodsStatus.CUSTOMS_CONTROL,
        required_documents=(DeclarationDocumentType.INVOICE,),
        parents=frozenset({P.TRANSIT, P.CUSTOMS_WAREHOUSE}),
        needs_parent=True,
        serves=frozenset({O.REEXPORT_UNDER_TRANSIT}),
        source="EAEU Customs Code Arts. 238-243 (re-export: foreign goods leave the Union without "
        "duty or VAT, under customs transit to the office of departure)",
    ),
    P.EXPORT: ProcedureRule(
        P.EXPORT,
        GoodsStatus.EXPORTED,
        source="EAEU Customs Code Art. 139 (export of EAEU goods)",
    ),
}


def rule_for(procedure: str) -> ProcedureRule:
    """The rule row of a procedure."""
    return PROCEDURES[procedure]


def may_draw_on(child_procedure: str, parent_procedure: str) -> bool:
    """Whether a declaration under `child_procedure` may draw on a `parent_procedure` stock."""
    return parent_procedure in rule_for(child_procedure).parents
