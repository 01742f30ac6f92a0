"""Reads of declarations: scoped querysets, totals, snapshots and due work for periodic jobs."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, QuerySet

from tradehub.partners.scoping import scope_to_caller

from .choices import Channel, DeclarationStatus
from .models import CustomsMessage, Declaration, DeclarationEvent, Document, GoodsItem


def declarations_with_details() -> QuerySet[Declaration]:
    """Declarations with everything the detail view shows, in a fixed number of queries."""
    return Declaration.objects.select_related(
        "partner", "office", "border_crossing"
    ).prefetch_related(
        Prefetch("goods_items", queryset=GoodsItem.objects.order_by("sequence")),
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
    gross = Decimal("0.000")
    net = Decimal("0.000")
    packages = 0
    values: dict[str, Decimal] = defaultdict(lambda: Decimal("0.00"))
    for item in declaration.goods_items.all():
        gross += item.gross_kg
        net += item.net_kg
        packages += item.packages_count
        values[item.currency] += item.invoice_value
    return {
        "gross_kg": f"{gross:.3f}",
        "net_kg": f"{net:.3f}",
        "packages": packages,
        "invoice_value": {currency: f"{value:.2f}" for currency, value in sorted(values.items())},
    }


def goods_item_data(item: GoodsItem) -> dict[str, Any]:
    """A goods item as the API shows it."""
    return {
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


def due_simulated_release_ids(now: dt.datetime, limit: int = 500) -> list[int]:
    """Declarations the simulated authority should release by now (index on the due time)."""
    return list(
        Declaration.objects.filter(
            simulated_release_due_at__lte=now,
            status__in=[DeclarationStatus.ACCEPTED, DeclarationStatus.UNDER_CONTROL],
            channel__in=[Channel.GREEN, Channel.YELLOW],
        )
        .order_by("simulated_release_due_at")
        .values_list("pk", flat=True)[:limit]
    )


def declarations_with_pending_messages(limit: int = 500) -> list[int]:
    """Declarations that have customs messages stored but not yet applied."""
    return list(
        CustomsMessage.objects.filter(applied=False)
        .order_by()
        .values_list("declaration_id", flat=True)
        .distinct()[:limit]
    )


def unassessed_submitted_ids(now: dt.datetime, limit: int = 500) -> list[int]:
    """Submitted declarations (for over a minute) with no simulated message for their version."""
    from django.db.models import Exists, OuterRef

    from .choices import MessageSource

    simulated = CustomsMessage.objects.filter(
        declaration=OuterRef("pk"),
        declaration_version=OuterRef("version"),
        source=MessageSource.SIMULATED,
    )
    return list(
        Declaration.objects.filter(
            status=DeclarationStatus.SUBMITTED, submitted_at__lte=now - dt.timedelta(minutes=1)
        )
        .filter(~Exists(simulated))
        .order_by("submitted_at")
        .values_list("pk", flat=True)[:limit]
    )
