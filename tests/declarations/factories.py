"""Test data for declarations: API payloads and model factories (through services where it matters)."""

import copy
import datetime as dt
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import factory

from declarations import services
from declarations.inputs import DeclarationInput
from declarations.models import Declaration, Document, GoodsItem
from tests.factories import PartnerFactory
from tradehub.reference.models import CustomsOffice, Location

# Fresh tomatoes have one EAEU code per season (0702 00 000 1 ... 9): the factories put in the
# code valid on the day the test runs (see `with_todays_codes`).
TOMATOES_TODAY = "tomatoes-today"
TOMATOES = {
    "description": "Cherry tomatoes, fresh",
    "commodity_code": TOMATOES_TODAY,
    "origin_country": "CN",
    "packages": {"count": 1200, "kind": "CT"},
    "gross_kg": "6200.000",
    "net_kg": "6000.000",
    "invoice_value": "9600.00",
    "currency": "USD",
}
GRAPES = {
    "description": "Table grapes, fresh",
    "commodity_code": "0806101000",
    "origin_country": "CN",
    "packages": {"count": 800, "kind": "CT"},
    "gross_kg": "4300.000",
    "net_kg": "4000.000",
    "invoice_value": "8000.00",
    "currency": "USD",
}
MACHINE_PARTS = {
    "description": "Pump parts",
    "commodity_code": "8413910009",
    "origin_country": "CN",
    "packages": {"count": 10, "kind": "PK"},
    "gross_kg": "500.000",
    "net_kg": "450.000",
    "invoice_value": "4500.00",
    "currency": "USD",
}

BASE_PAYLOAD: dict[str, Any] = {
    "lrn": "ZH-2025-07-0042",
    "procedure": "import",
    "office": "50510",
    "border_crossing": "KZHOR",
    "transport_mode": "rail",
    "transport_document": {"type": "smgs", "number": "SMGS 24 118 773"},
    "containers": ["CSQU3054383"],
    "seals": ["CN 778812"],
    "consignor": {
        "name": "Xinjiang Fresh Export Co",
        "country": "CN",
        "tax_id": "91650100MA78XXXX1X",
    },
    "consignee": {
        "name": "Almaty Fresh Distribution LLP",
        "country": "KZ",
        "tax_id": "123456789012",
    },
    "goods_items": [TOMATOES, GRAPES],
    "documents": [
        {
            "type": "phytosanitary_certificate",
            "number": "CN-PH-2025-778812",
            "issued_by": "GACC Urumqi",
            "issued_on": "2025-07-14",
            "goods_items": [1, 2],
        },
        {"type": "invoice", "number": "INV-2025-0042", "issued_on": "2025-07-13"},
        {"type": "certificate_of_origin", "number": "CO-2025-0042", "issued_by": "CCPIT"},
    ],
}


def todays_tomato_code(day: dt.date | None = None) -> str:
    """The EAEU code of fresh tomatoes on the day (Almaty time, default today)."""
    from django.utils import timezone

    from tradehub.reference.selectors import eaeu_codes_for

    day = day or timezone.localtime(timezone.now(), ZoneInfo("Asia/Almaty")).date()
    return eaeu_codes_for("070200", day)[0].code


def with_todays_codes(body: dict[str, Any]) -> dict[str, Any]:
    """Put today's seasonal tomato code where a goods item says TOMATOES_TODAY."""
    for item in body.get("goods_items") or []:
        if isinstance(item, dict) and item.get("commodity_code") == TOMATOES_TODAY:
            item["commodity_code"] = todays_tomato_code()
    return body


def payload(**overrides: Any) -> dict[str, Any]:
    """A valid create body (green under the simulated rules); keys given replace the defaults."""
    body = copy.deepcopy(BASE_PAYLOAD)
    body.update(copy.deepcopy(overrides))
    return with_todays_codes(body)


def validated(body: dict[str, Any], partial: bool = False, **context: Any) -> DeclarationInput:
    """Run a body through the API's input serializer and build the services' input, as the view
    does (context: `parents`, `declaration`)."""
    from declarations.api.inputs import declaration_input
    from declarations.api.serializers import DeclarationUpdateSerializer, DeclarationWriteSerializer

    serializer_class = DeclarationUpdateSerializer if partial else DeclarationWriteSerializer
    serializer = serializer_class(data=with_todays_codes(copy.deepcopy(body)), context=context)
    serializer.is_valid(raise_exception=True)
    return declaration_input(serializer.validated_data)


_counter = iter(range(1, 10**9))


def create_declaration(partner: Any = None, actor: str = "test", **overrides: Any) -> Declaration:
    """A draft created through the service (events recorded), with a unique LRN by default."""
    partner = partner or PartnerFactory()
    overrides.setdefault("lrn", f"LRN-{next(_counter)}")
    return services.create_declaration(
        partner=partner, data=validated(payload(**overrides)), actor=actor
    )


class DeclarationFactory(factory.django.DjangoModelFactory):
    """A bare declaration row (no goods items) for tests that only need a status."""

    class Meta:
        model = Declaration

    partner = factory.SubFactory(PartnerFactory)
    lrn = factory.Sequence(lambda n: f"F-LRN-{n}")
    office = factory.LazyFunction(lambda: CustomsOffice.objects.get(code="50510"))
    border_crossing = factory.LazyFunction(lambda: Location.objects.get(code="KZHOR"))
    transport_mode = "rail"
    consignor = factory.LazyFunction(lambda: {"name": "Consignor", "country": "CN"})
    consignee = factory.LazyFunction(lambda: {"name": "Consignee", "country": "KZ"})


class GoodsItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GoodsItem

    declaration = factory.SubFactory(DeclarationFactory)
    sequence = factory.Sequence(lambda n: n + 1)
    description = "Kiwifruit, fresh"
    commodity_code = "081050"
    origin_country = "CN"
    packages_count = 100
    packages_kind = "CT"
    gross_kg = Decimal("1100.000")
    net_kg = Decimal("1000.000")
    invoice_value = Decimal("2000.00")
    currency = "USD"


class DocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Document

    declaration = factory.SubFactory(DeclarationFactory)
    type = "invoice"
    number = factory.Sequence(lambda n: f"DOC-{n}")


def stock_declaration(
    partner: Any = None,
    *,
    procedure: str = "customs_warehouse",
    status: str = "released",
    items: list[tuple[str, str, int]] | None = None,
) -> Declaration:
    """A customs-warehouse declaration whose goods are in stock at Almaty (commodity code, net
    kg, packages per goods item), with its commercial invoice and phytosanitary certificate."""
    partner = partner or PartnerFactory()
    items = items or [(TOMATOES_TODAY, "6000.000", 1200), ("0806101000", "4000.000", 800)]
    declaration: Declaration = DeclarationFactory(  # type: ignore[assignment]
        partner=partner,
        procedure=procedure,
        status=status,
        consignee={
            "name": "Almaty Fresh Distribution LLP",
            "country": "KZ",
            "tax_id": "123456789012",
        },
        declarant={"name": "Almaty Fresh Distribution LLP", "country": "KZ"},
    )
    for sequence, (code, net_kg, packages) in enumerate(items, start=1):
        GoodsItem.objects.create(
            declaration=declaration,
            sequence=sequence,
            description=f"Goods {sequence}",
            commodity_code=todays_tomato_code() if code == TOMATOES_TODAY else code,
            origin_country="CN",
            packages_count=packages,
            packages_kind="CT",
            gross_kg=Decimal(net_kg) + 100,
            net_kg=Decimal(net_kg),
            invoice_value=Decimal(net_kg) * 2,
            currency="USD",
            storage_place="Customs warehouse KZ-0505, Almaty-Terminal, zone B",
        )
    DocumentFactory(declaration=declaration, type="invoice", number=f"INV-{declaration.lrn}")
    DocumentFactory(
        declaration=declaration, type="phytosanitary_certificate", number=f"PH-{declaration.lrn}"
    )
    return declaration
