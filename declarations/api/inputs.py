"""Validated API bodies turned into the typed inputs the services take (`declarations/inputs.py`):
the one place that knows the API's nested shape (`packages: {count, kind}`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..inputs import (
    DeclarationInput,
    DocumentInput,
    GoodsItemInput,
    TransitInput,
    TransportDocumentInput,
)

# Fields copied as they are validated (parties are stored as given).
PLAIN_FIELDS = ("lrn", "procedure", "parent", "office", "border_crossing", "transport_mode")
LIST_FIELDS = ("containers", "seals")
PARTY_FIELDS = ("consignor", "consignee", "declarant")


def goods_item_input(data: Mapping[str, Any]) -> GoodsItemInput:
    """One validated goods item."""
    return GoodsItemInput(
        description=data["description"],
        commodity_code=data["commodity_code"],
        origin_country=data["origin_country"],
        packages_count=data["packages"]["count"],
        packages_kind=data["packages"]["kind"],
        gross_kg=data["gross_kg"],
        net_kg=data["net_kg"],
        invoice_value=data["invoice_value"],
        currency=data["currency"],
        source_item=data.get("source_item"),
        storage_place=data.get("storage_place") or "",
    )


def document_input(data: Mapping[str, Any]) -> DocumentInput:
    """One validated supporting document."""
    return DocumentInput(
        type=data["type"],
        number=data["number"],
        issued_by=data.get("issued_by") or "",
        issued_on=data.get("issued_on"),
        valid_until=data.get("valid_until"),
        goods_items=list(data.get("goods_items") or []),
    )


def transit_input(data: Mapping[str, Any] | None) -> TransitInput | None:
    """A validated transit block (None stays None)."""
    if data is None:
        return None
    return TransitInput(
        destination_office=data["destination_office"],
        delivery_deadline=data["delivery_deadline"],
        route=list(data.get("route") or []),
        navigation_seals=list(data.get("navigation_seals") or []),
    )


def declaration_input(data: Mapping[str, Any]) -> DeclarationInput:
    """A validated create, PATCH or amend body; what the body leaves out stays UNSET."""
    values: dict[str, Any] = {name: data[name] for name in PLAIN_FIELDS if name in data}
    values.update({name: list(data[name]) for name in LIST_FIELDS if name in data})
    for name in PARTY_FIELDS:
        if name in data:
            values[name] = dict(data[name]) if data[name] is not None else None
    if "transport_document" in data:
        document = data["transport_document"]
        values["transport_document"] = (
            TransportDocumentInput(type=document["type"], number=document["number"])
            if document
            else None
        )
    if "goods_items" in data:
        values["goods_items"] = [goods_item_input(item) for item in data["goods_items"] or []]
    if "documents" in data:
        values["documents"] = [document_input(document) for document in data["documents"] or []]
    if "transit" in data:
        values["transit"] = transit_input(data["transit"])
    return DeclarationInput(**values)
