"""What the declarations services take: typed, keyword-only inputs.

The API serializers (`declarations/api/inputs.py`), the admin key-in form, the demo and the test
factories build these; no service reads a serializer's nested mapping. A field left `UNSET` is
not given: a create takes the model's default, an edit (PATCH, amend) leaves it as it is. A list
given (goods items, documents, containers, seals) replaces the whole list.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from tradehub.inputs import UNSET

__all__ = [
    "UNSET",
    "DeclarationInput",
    "DocumentInput",
    "GoodsItemInput",
    "Party",
    "TransitInput",
    "TransportDocumentInput",
]

if TYPE_CHECKING:
    from tradehub.reference.models import CustomsOffice, Location

    from .models import Declaration


# A consignor, consignee or declarant, stored as given: name, country (ISO alpha-2), optional
# tax_id and address.
Party = dict[str, str]


@dataclass(frozen=True, kw_only=True)
class TransportDocumentInput:
    """The transport contract document (SMGS rail note, CMR, ...)."""

    type: str
    number: str


@dataclass(frozen=True, kw_only=True)
class GoodsItemInput:
    """One goods item; its sequence is its position in the list (1..n)."""

    description: str
    commodity_code: str
    origin_country: str
    packages_count: int
    packages_kind: str
    gross_kg: Decimal
    net_kg: Decimal
    invoice_value: Decimal
    currency: str
    # For a declaration with a parent: the parent's goods item (sequence) drawn from.
    source_item: int | None = None
    storage_place: str = ""


@dataclass(frozen=True, kw_only=True)
class DocumentInput:
    """A supporting document; `goods_items` are the sequences it covers (empty: all)."""

    type: str
    number: str
    issued_by: str = ""
    issued_on: dt.date | None = None
    valid_until: dt.date | None = None
    goods_items: list[int] = field(default_factory=list)


@dataclass(frozen=True, kw_only=True)
class TransitInput:
    """The transit block of a `transit` declaration (its office is the office of departure)."""

    destination_office: CustomsOffice
    delivery_deadline: dt.datetime
    route: list[Location] = field(default_factory=list)
    navigation_seals: list[str] = field(default_factory=list)


@dataclass(frozen=True, kw_only=True)
class DeclarationInput:
    """A declaration's content as its declarant writes it (create, PATCH, amend)."""

    lrn: str = UNSET
    procedure: str = UNSET
    parent: Declaration | None = UNSET
    office: CustomsOffice = UNSET
    border_crossing: Location | None = UNSET
    transport_mode: str = UNSET
    transport_document: TransportDocumentInput | None = UNSET
    containers: list[str] = UNSET
    seals: list[str] = UNSET
    consignor: Party = UNSET
    consignee: Party = UNSET
    declarant: Party | None = UNSET
    goods_items: list[GoodsItemInput] = UNSET
    documents: list[DocumentInput] = UNSET
    transit: TransitInput | None = UNSET

    def given(self) -> set[str]:
        """The names of the fields given (not UNSET)."""
        return {f.name for f in fields(self) if getattr(self, f.name) is not UNSET}

    def get(self, name: str, default: Any = None) -> Any:
        """The field's value, or `default` when it was not given."""
        value = getattr(self, name)
        return default if value is UNSET else value
