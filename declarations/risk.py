"""The core's public risk assessment: what customs would decide on a declaration, by documented
rules. Gateways that simulate an authority ask it (`services.assess_risk`); a broker may use it as
a pre-lodgement check. The rules (docs/customs-procedures.md):

0. registration refused (EAEU Customs Code Art. 111: mandatory information missing): the
   consignee is in the office's country and the declaration gives no tax id for it;
1. release refused (Art. 125): a goods item in HS chapter 93 (arms and ammunition) needs a licence;
2. red: a goods item's invoice value per net kg below 0.10 or above 50 USD (converted with the
   rough rates below; other currencies skip the rule), or packaging over 25 % of its gross weight;
3. yellow (documentary check): origin differs from the consignor's country without a certificate
   of origin, or more than 50,000 USD of goods without a commercial invoice;
4. green otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from .choices import DeclarationDocumentType, RiskChannel
from .models import Declaration

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


@dataclass(frozen=True)
class RiskAssessment:
    """What the rules conclude: errors that refuse registration or release, else a channel."""

    registration_errors: list[dict[str, Any]] = field(default_factory=list)
    release_errors: list[dict[str, Any]] = field(default_factory=list)
    channel: str = RiskChannel.GREEN
    reasons: tuple[str, ...] = ()


def registration_errors(declaration: Declaration) -> list[dict[str, Any]]:
    """Rule 0: mandatory information missing, so customs refuses to register the declaration."""
    consignee = declaration.consignee or {}
    country = declaration.office.location.country.code
    if consignee.get("country") == country and not (consignee.get("tax_id") or "").strip():
        return [
            {
                "pointer": "/consignee/tax_id",
                "code": "mandatory_information_missing",
                "detail": "The consignee's tax id (BIN/INN) is mandatory for a consignee in "
                f"{country}.",
            }
        ]
    return []


def release_errors(declaration: Declaration) -> list[dict[str, Any]]:
    """Rule 1: goods customs refuses to release, with pointers to them."""
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
        return RiskChannel.RED, red
    present = set(declaration.documents.values_list("type", flat=True))
    yellow: list[str] = []
    consignor_country = (declaration.consignor or {}).get("country")
    if DeclarationDocumentType.CERTIFICATE_OF_ORIGIN not in present:
        for item in declaration.goods_items.order_by("sequence"):
            if item.origin_country != consignor_country:
                yellow.append(
                    f"goods item {item.sequence}: origin {item.origin_country} differs from the "
                    f"consignor's country {consignor_country} and no certificate of origin"
                )
    if DeclarationDocumentType.INVOICE not in present:
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
        return RiskChannel.YELLOW, yellow
    return RiskChannel.GREEN, []


def assess_risk(declaration: Declaration) -> RiskAssessment:
    """Rules 0-4 in order: the first that applies decides."""
    refusal = registration_errors(declaration)
    if refusal:
        return RiskAssessment(registration_errors=refusal)
    release = release_errors(declaration)
    if release:
        return RiskAssessment(release_errors=release)
    channel, reasons = assess_channel(declaration)
    return RiskAssessment(channel=channel, reasons=tuple(reasons))
