"""Demo declarations at Almaty for the corridor produce, in several states (idempotent by LRN).

Every state is reached through the services, so each declaration has its full event history.
Customs decisions are recorded as staff decisions, which makes the set the same whichever
customs gateway is configured.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import Any

from django.db import transaction
from stdnum import iso6346

from tradehub.partners.models import Partner
from tradehub.reference.models import CustomsOffice, Location

from . import services
from .choices import CustomsMessageType, MessageSource, RiskChannel
from .inputs import DeclarationInput, DocumentInput, GoodsItemInput, TransportDocumentInput
from .models import Declaration

DEMO_PARTNER = "Xinjiang Fresh Export Co"
# The exporter as consignor. The tax id is a made-up 18-character Unified Social Credit Code
# (Urumqi region prefix 650100), shaped like a real one but belonging to no company.
DEMO_CONSIGNOR = {"name": DEMO_PARTNER, "country": "CN", "tax_id": "91650100MA78K3PQ1X"}
ACTOR = "demo"


def _container(prefix: str) -> str:
    """A container number with a correct ISO 6346 check digit."""
    return prefix + iso6346.calc_check_digit(prefix)


def _item(description: str, code: str, count: int, net: int, value: int) -> GoodsItemInput:
    gross = round(net * 1.08)
    return GoodsItemInput(
        description=description,
        commodity_code=code,
        origin_country="CN",
        packages_count=count,
        packages_kind="CT",
        gross_kg=Decimal(f"{gross}.000"),
        net_kg=Decimal(f"{net}.000"),
        invoice_value=Decimal(f"{value}.00"),
        currency="USD",
    )


# EAEU 10-digit codes: fresh tomatoes have one per season (`tomato_code`), the others are fixed.
TOMATOES_TODAY = "tomatoes-today"
TOMATOES = _item("Cherry tomatoes, fresh", TOMATOES_TODAY, 1200, 6000, 9600)
GRAPES = _item("Table grapes, fresh", "0806101000", 800, 4000, 8000)
DRAGON_FRUIT = _item("Dragon fruit (pitahaya), fresh", "0810907500", 500, 2500, 7500)
KIWIFRUIT = _item("Kiwifruit, fresh", "0810500000", 900, 4500, 9000)


def tomato_code(office: CustomsOffice) -> str:
    """The EAEU code of fresh tomatoes on today's date at the office (0702 00 000 1 ... 9)."""
    from tradehub.reference.selectors import eaeu_codes_for

    from .services.tariff import declaration_day

    return eaeu_codes_for("070200", declaration_day(Declaration(office=office)))[0].code


def with_codes(items: list[GoodsItemInput], office: CustomsOffice) -> list[GoodsItemInput]:
    """Goods items with today's seasonal codes filled in."""
    return [
        dataclasses.replace(item, commodity_code=tomato_code(office))
        if item.commodity_code == TOMATOES_TODAY
        else item
        for item in items
    ]


# lrn -> (goods items, border crossing, container prefix, documents complete?, target state)
DEMO_DECLARATIONS: list[tuple[str, list[GoodsItemInput], str, str, bool, str]] = [
    ("XFE-DEMO-0001", [TOMATOES, GRAPES], "KZHOR", "CSQU305438", True, "released"),
    ("XFE-DEMO-0002", [DRAGON_FRUIT, KIWIFRUIT], "KZDOS", "MSKU123456", True, "under_control"),
    ("XFE-DEMO-0003", [KIWIFRUIT], "KZHOR", "TGHU765432", True, "accepted"),
    ("XFE-DEMO-0004", [GRAPES, DRAGON_FRUIT], "KZDOS", "CAIU556677", False, "submitted"),
    ("XFE-DEMO-0005", [TOMATOES], "KZHOR", "TCLU998877", True, "draft"),
    ("XFE-DEMO-0006", [DRAGON_FRUIT], "KZHOR", "OOLU445566", True, "rejected"),
    # Lodged without the consignee's BIN: customs refuses to register it (no number).
    ("XFE-DEMO-0007", [KIWIFRUIT], "KZDOS", "TCNU112233", True, "registration_refused"),
]


def _data(
    lrn: str, items: list[GoodsItemInput], border: str, container: str, complete: bool
) -> DeclarationInput:
    documents = [
        DocumentInput(
            type="phytosanitary_certificate",
            number=f"CN-PH-{lrn[-4:]}",
            issued_by="GACC Urumqi",
            goods_items=list(range(1, len(items) + 1)),
        ),
        DocumentInput(type="transport_document", number=f"SMGS {lrn[-4:]} 118"),
        # An import cannot be lodged without its commercial invoice.
        DocumentInput(type="invoice", number=f"INV-{lrn}"),
    ]
    if complete:
        documents.append(
            DocumentInput(
                type="certificate_of_origin", number=f"CO-{lrn}", issued_by="CCPIT Xinjiang"
            )
        )
    office = CustomsOffice.objects.select_related("location").get(code="50510")
    return DeclarationInput(
        lrn=lrn,
        procedure="import",
        office=office,
        border_crossing=Location.objects.get(code=border),
        transport_mode="rail",
        transport_document=TransportDocumentInput(type="smgs", number=f"SMGS {lrn[-4:]} 118 773"),
        containers=[_container(container)],
        seals=[f"CN {lrn[-4:]}12"],
        consignor=dict(DEMO_CONSIGNOR),
        consignee={
            "name": "Almaty Fresh Distribution LLP",
            "country": "KZ",
            "tax_id": "123456789012",
        },
        declarant={"name": "Almaty Fresh Distribution LLP", "country": "KZ"},
        goods_items=with_codes(items, office),
        documents=documents,
    )


def _decide(declaration: Declaration, message_type: str, **extra: Any) -> Declaration:
    return services.record_customs_decision(
        declaration, type=message_type, actor=ACTOR, source=MessageSource.STAFF, **extra
    )


def _advance(declaration: Declaration, target: str) -> None:
    """Drive a new draft to `target` through the services."""
    if target == "draft":
        return
    declaration = services.submit(declaration, actor=ACTOR)
    if target == "submitted":
        return
    if target == "registration_refused":
        _decide(
            declaration,
            CustomsMessageType.REGISTRATION_REFUSED,
            errors=[
                {
                    "pointer": "/consignee/tax_id",
                    "code": "mandatory_information_missing",
                    "detail": "The consignee's BIN is mandatory for a consignee in KZ; correct "
                    "and lodge the declaration again.",
                }
            ],
        )
        return
    if target == "rejected":
        # Release is refused after registration (the declaration has its number): final.
        declaration = _decide(declaration, CustomsMessageType.ACCEPTED, channel=RiskChannel.RED)
        _decide(
            declaration,
            CustomsMessageType.REJECTED,
            errors=[
                {
                    "pointer": "/goods_items/0/invoice_value",
                    "code": "value_not_substantiated",
                    "detail": "Invoice value below the customs value database; provide the "
                    "sales contract.",
                }
            ],
        )
        return
    channel = RiskChannel.RED if target == "under_control" else RiskChannel.GREEN
    declaration = _decide(declaration, CustomsMessageType.ACCEPTED, channel=channel)
    if target == "under_control":
        _decide(declaration, CustomsMessageType.CONTROL, channel=channel)
    elif target == "released":
        _decide(declaration, CustomsMessageType.RELEASED)


def load(stdout: Any) -> None:
    """Create the demo declarations of the demo exporter once (existing LRNs are left alone)."""
    partner = Partner.objects.filter(name=DEMO_PARTNER).first()
    if partner is None or not CustomsOffice.objects.filter(code="50510").exists():
        stdout.write("Demo declarations skipped: demo partner or reference data missing.")
        return
    created = 0
    for lrn, items, border, container, complete, target in DEMO_DECLARATIONS:
        if Declaration.objects.filter(partner=partner, lrn=lrn).exists():
            continue
        data = _data(lrn, items, border, container, complete)
        if target == "registration_refused":
            data = dataclasses.replace(
                data, consignee={"name": data.consignee["name"], "country": "KZ"}
            )
        with transaction.atomic():
            declaration = services.create_declaration(partner=partner, data=data, actor=ACTOR)
            _advance(declaration, target)
        created += 1
    stdout.write(
        f"Demo declarations: {created} created, {len(DEMO_DECLARATIONS) - created} already there."
    )
