"""A deterministic, rule-based customs authority for demos and tests (docs/customs-gateway.md).

On submission it checks the declaration and sends an `accepted` message with an EAEU-style number
(`office/DDMMYY/serial`) and a risk channel, or refuses to register it:

0. registration refused (no number; corrected and lodged again): the consignee is in the office's
   country but the declaration gives no tax id for it (mandatory information).
1. release refused (`rejected`, final, after registration): a goods item in HS chapter 93 (arms
   and ammunition) needs a licence TradeHub cannot carry.
2. red: a goods item whose invoice value per net kg is below 0.10 or above 50 USD (converted with
   the rough rates below; other currencies skip the rule), or whose packaging is more than 25 % of
   its gross weight (gross/net mismatch).
3. yellow (documentary check): a goods item whose origin differs from the consignor's country
   without a certificate of origin, or more than 50,000 USD of goods without a commercial invoice.
4. green: everything else.

The assessment runs a few seconds after submission and is skipped when a gateway integration or
staff already sent a message for the version (they decide then, not the simulation); the same
holds for the automatic release. Yellow and red also get a `control` message. Green is released after
CUSTOMS_SIMULATED_RELEASE_SECONDS, yellow (documentary check) after twice that; red stays under
control until staff record an inspection result in the admin. A requested cancellation of a
declaration that is not released is granted.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ..choices import (
    Channel,
    CustomsMessageType,
    DeclarationStatus,
    DocumentType,
    EventType,
    MessageSource,
)
from ..queueing import enqueue_after_commit
from .base import CustomsGateway

if TYPE_CHECKING:
    from ..models import Declaration

ACTOR = "simulated customs"
ASSESSMENT_DELAY_SECONDS = 3
REJECTED_CHAPTERS = frozenset({"93"})
MIN_USD_PER_KG = Decimal("0.10")
MAX_USD_PER_KG = Decimal("50")
MAX_TARE_SHARE = Decimal("0.25")
# Rough USD value of one unit; enough to spot an invoice off by orders of magnitude.
USD_RATES: dict[str, Decimal] = {
    "USD": Decimal("1"),
    "EUR": Decimal("1.08"),
    "CNY": Decimal("0.14"),
    "RUB": Decimal("0.011"),
    "KZT": Decimal("0.002"),
    "KGS": Decimal("0.0115"),
    "UZS": Decimal("0.00008"),
    "TJS": Decimal("0.092"),
    "TMT": Decimal("0.286"),
}
INVOICE_REQUIRED_ABOVE_USD = Decimal("50000")


def registration_errors(declaration: Declaration) -> list[dict[str, str]]:
    """Rule 0: mandatory information missing, so customs refuses to register the declaration."""
    consignee = declaration.consignee or {}
    if (
        consignee.get("country") == declaration.office.location.country.code
        and not (consignee.get("tax_id") or "").strip()
    ):
        return [
            {
                "pointer": "/consignee/tax_id",
                "code": "mandatory_information_missing",
                "detail": "The consignee's tax id (BIN/INN) is mandatory for a consignee in "
                f"{declaration.office.location.country.code}.",
            }
        ]
    return []


def rejection_errors(declaration: Declaration) -> list[dict[str, str]]:
    """Rule 1: goods the simulated authority refuses to release, with pointers to them."""
    errors = []
    for index, item in enumerate(declaration.goods_items.order_by("sequence")):
        if item.commodity_code[:2] in REJECTED_CHAPTERS:
            errors.append(
                {
                    "pointer": f"/goods_items/{index}/commodity_code",
                    "code": "licence_required",
                    "detail": f"Goods item {item.sequence}: HS chapter {item.commodity_code[:2]} "
                    "needs an import licence.",
                }
            )
    return errors


def assess_channel(declaration: Declaration) -> tuple[str, list[str]]:
    """Rules 2-4: the risk channel and the reasons for it."""
    red: list[str] = []
    for item in declaration.goods_items.order_by("sequence"):
        rate = USD_RATES.get(item.currency)
        if rate is not None and item.net_kg > 0:
            per_kg = item.invoice_value * rate / item.net_kg
            if per_kg < MIN_USD_PER_KG or per_kg > MAX_USD_PER_KG:
                red.append(
                    f"goods item {item.sequence}: value {per_kg:.2f} USD/kg is outside "
                    f"{MIN_USD_PER_KG}-{MAX_USD_PER_KG}"
                )
        if item.gross_kg > 0 and (item.gross_kg - item.net_kg) / item.gross_kg > MAX_TARE_SHARE:
            red.append(f"goods item {item.sequence}: packaging over 25 % of gross weight")
    if red:
        return Channel.RED, red
    present = set(declaration.documents.values_list("type", flat=True))
    yellow: list[str] = []
    consignor_country = (declaration.consignor or {}).get("country")
    if DocumentType.CERTIFICATE_OF_ORIGIN not in present:
        for item in declaration.goods_items.order_by("sequence"):
            if item.origin_country != consignor_country:
                yellow.append(
                    f"goods item {item.sequence}: origin {item.origin_country} differs from the "
                    f"consignor's country {consignor_country} and no certificate of origin"
                )
    if DocumentType.INVOICE not in present:
        total_usd = sum(
            (
                item.invoice_value * USD_RATES[item.currency]
                for item in declaration.goods_items.all()
                if item.currency in USD_RATES
            ),
            Decimal("0"),
        )
        if total_usd > INVOICE_REQUIRED_ABOVE_USD:
            yellow.append(f"invoice value {total_usd:.0f} USD without a commercial invoice")
    if yellow:
        return Channel.YELLOW, yellow
    return Channel.GREEN, []


def release_delay(channel: str) -> dt.timedelta | None:
    """How long after acceptance the simulated authority releases (None: never by itself)."""
    seconds = settings.CUSTOMS_SIMULATED_RELEASE_SECONDS
    if channel == Channel.GREEN:
        return dt.timedelta(seconds=seconds)
    if channel == Channel.YELLOW:
        return dt.timedelta(seconds=2 * seconds)
    return None


def _decided_by_others(declaration: Declaration) -> bool:
    """A gateway integration or staff sent messages for this version: they decide, not us."""
    return (
        declaration.customs_messages.filter(declaration_version=declaration.version)
        .exclude(source=MessageSource.SIMULATED)
        .exists()
    )


def _prefix(declaration: Declaration) -> str:
    return f"SIM-{declaration.reference}-v{declaration.version}"


def _send(declaration: Declaration, suffix: str, data: dict[str, Any]) -> None:
    from ..services import receive_customs_message

    receive_customs_message(
        declaration,
        message_id=f"{_prefix(declaration)}-{suffix}",
        data=data,
        source=MessageSource.SIMULATED,
        actor=ACTOR,
    )


def assess(declaration_id: int, version: int | None = None) -> Declaration | None:
    """Decide on a submitted declaration: reject it, or accept it with a number and a channel."""
    from ..models import Declaration
    from ..services import allocate_customs_number, apply_customs_messages, record_event

    with transaction.atomic():
        declaration = (
            Declaration.objects.select_for_update(of=("self",))
            .select_related("office__location__country")
            .filter(pk=declaration_id)
            .first()
        )
        if declaration is None or declaration.status != DeclarationStatus.SUBMITTED:
            return declaration
        if version is not None and declaration.version != version:
            return declaration  # an amendment superseded this version; its own task decides
        if declaration.customs_messages.filter(declaration_version=declaration.version).exists():
            # Already assessed, or a gateway integration / staff decide this one: step aside.
            return declaration
        now = timezone.now()
        refusal = registration_errors(declaration)
        if refusal:
            _send(
                declaration,
                "registration-refused",
                {
                    "type": CustomsMessageType.REGISTRATION_REFUSED,
                    "occurred_at": now,
                    "errors": refusal,
                },
            )
            return apply_customs_messages(declaration, actor=ACTOR)
        number = declaration.number or allocate_customs_number(declaration.office, now)
        errors = rejection_errors(declaration)
        if errors:
            # Registered first (it has a number), then release is refused: final.
            _send(
                declaration,
                "accepted",
                {"type": CustomsMessageType.ACCEPTED, "occurred_at": now, "number": number},
            )
            _send(
                declaration,
                "rejected",
                {"type": CustomsMessageType.REJECTED, "occurred_at": now, "errors": errors},
            )
            return apply_customs_messages(declaration, actor=ACTOR)
        channel, reasons = assess_channel(declaration)
        record_event(declaration, EventType.RISK_ASSESSED, ACTOR, channel=channel, reasons=reasons)
        _send(
            declaration,
            "accepted",
            {
                "type": CustomsMessageType.ACCEPTED,
                "occurred_at": now,
                "number": number,
                "channel": channel,
            },
        )
        if channel != Channel.GREEN:
            _send(
                declaration,
                "control",
                {"type": CustomsMessageType.CONTROL, "occurred_at": now, "channel": channel},
            )
        delay = release_delay(channel)
        if delay is not None:
            declaration.simulated_release_due_at = now + delay
            declaration.save(update_fields=["simulated_release_due_at", "updated_at"])
        declaration = apply_customs_messages(declaration, actor=ACTOR)
        if delay is not None:
            from ..tasks import simulated_release_task

            enqueue_after_commit(
                simulated_release_task,
                declaration.pk,
                declaration.version,
                countdown=delay.total_seconds(),
            )
        return declaration


def release(declaration_id: int, version: int | None = None) -> Declaration | None:
    """Release a green or yellow declaration whose simulated check time has come (idempotent)."""
    from ..models import Declaration
    from ..services import apply_customs_messages

    with transaction.atomic():
        declaration = Declaration.objects.select_for_update().filter(pk=declaration_id).first()
        if declaration is None or (version is not None and declaration.version != version):
            return declaration
        due = declaration.simulated_release_due_at
        if (
            declaration.status not in (DeclarationStatus.ACCEPTED, DeclarationStatus.UNDER_CONTROL)
            or declaration.channel not in (Channel.GREEN, Channel.YELLOW)
            or due is None
            or due > timezone.now()
            or _decided_by_others(declaration)
        ):
            return declaration
        _send(
            declaration,
            "released",
            {
                "type": CustomsMessageType.RELEASED,
                "occurred_at": timezone.now(),
                "number": declaration.number or "",
            },
        )
        return apply_customs_messages(declaration, actor=ACTOR)


def decide_cancellation(declaration_id: int) -> Declaration | None:
    """Grant a pending cancellation request of a declaration customs has not released."""
    from ..models import Declaration
    from ..services import apply_customs_messages

    with transaction.atomic():
        declaration = Declaration.objects.select_for_update().filter(pk=declaration_id).first()
        if declaration is None or declaration.cancellation_requested_at is None:
            return declaration
        if declaration.status not in (
            DeclarationStatus.SUBMITTED,
            DeclarationStatus.ACCEPTED,
            DeclarationStatus.UNDER_CONTROL,
        ):
            return declaration
        _send(
            declaration,
            "cancellation",
            {
                "type": CustomsMessageType.CANCELLATION_DECISION,
                "occurred_at": timezone.now(),
                "accepted": True,
            },
        )
        return apply_customs_messages(declaration, actor=ACTOR)


def complete_transit(declaration_id: int) -> Declaration | None:
    """As office of destination, complete a transit whose goods were presented (idempotent)."""
    from ..choices import TransitStatus
    from ..models import Declaration
    from ..services import apply_customs_messages

    with transaction.atomic():
        declaration = (
            Declaration.objects.select_for_update(of=("self",))
            .select_related("transit__destination_office")
            .filter(pk=declaration_id)
            .first()
        )
        transit = getattr(declaration, "transit", None) if declaration else None
        if declaration is None or transit is None or transit.status != TransitStatus.ARRIVED:
            return declaration
        _send(
            declaration,
            "transit-completed",
            {
                "type": CustomsMessageType.TRANSIT_COMPLETED,
                "occurred_at": timezone.now(),
                "storage_place": f"Temporary storage warehouse of {transit.destination_office}",
            },
        )
        return apply_customs_messages(declaration, actor=ACTOR)


class SimulatedGateway(CustomsGateway):
    """Queues the simulated authority's work on Celery after the submitting transaction commits."""

    name = "simulated"

    def declaration_submitted(self, declaration: Declaration) -> None:
        from ..tasks import simulated_authority_task

        # A short pause, as a real authority takes: a gateway integration that answers for
        # customs right after submission is then seen first, and the simulation steps aside.
        enqueue_after_commit(
            simulated_authority_task,
            declaration.pk,
            declaration.version,
            countdown=ASSESSMENT_DELAY_SECONDS,
        )

    def cancellation_requested(self, declaration: Declaration) -> None:
        from ..tasks import simulated_cancellation_task

        enqueue_after_commit(simulated_cancellation_task, declaration.pk)

    def transit_arrived(self, declaration: Declaration) -> None:
        from ..tasks import simulated_transit_completion_task

        # The office of destination checks seals and documents, then completes the transit.
        enqueue_after_commit(
            simulated_transit_completion_task,
            declaration.pk,
            countdown=ASSESSMENT_DELAY_SECONDS,
        )
