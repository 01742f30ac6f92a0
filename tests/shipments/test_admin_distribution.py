"""The distribution page: one form for several destinations, every field checked on the server
(no input gives a 500), warnings confirmed before anything is created, results in plain words
with links to the new shipments."""

from decimal import Decimal

import pytest
from django.urls import reverse

from declarations.models import Declaration
from shipments.models import Product, Shipment
from tests.declarations.factories import stock_declaration
from tests.shipments.factories import released_declaration

pytestmark = pytest.mark.django_db

URL = reverse("admin:shipments_shipment_distribute")
FIVE = [  # destination, mode, goods item, kg, packages
    ("KZCIT", "road", 1, "1400", "280"),
    ("KGFRU", "road", 2, "1000", "200"),
    ("UZTAS", "road", 1, "1200", "240"),
    ("TJDYU", "road", 1, "800", "160"),
    ("TMASB", "rail", 2, "600", "120"),
]


@pytest.fixture
def admin_client(client, staff_user):
    client.force_login(staff_user)
    return client


def product_for(code: str) -> Product:
    return Product.objects.filter(hs_code=code[:6]).order_by("code")[0]


def form(declaration: Declaration, rows: list[dict[str, str]], total: int = 5, **extra: str):
    data = {
        "declaration": declaration.reference,
        "rows-TOTAL_FORMS": str(total),
        "rows-INITIAL_FORMS": "0",
        "rows-MIN_NUM_FORMS": "0",
        "rows-MAX_NUM_FORMS": "50",
        **extra,
    }
    for item in declaration.goods_items.all():
        data[f"product_{item.sequence}"] = str(product_for(item.commodity_code).pk)
    for index, row in enumerate(rows):
        for name, value in row.items():
            data[f"rows-{index}-{name}"] = value
    return data


def row(destination, mode="road", item=1, kg="100", packages="20", **extra):
    return {
        "destination": destination,
        "transport_mode": mode,
        "consignee_name": f"{destination} Fresh",
        "planned_departure": "2026-07-21T06:00",
        "planned_arrival": "2026-07-23T18:00",
        f"net_kg_{item}": kg,
        f"packages_{item}": packages,
        **extra,
    }


def test_the_page_shows_rows_with_local_date_time_inputs(admin_client, partner, products):
    declaration = stock_declaration(partner)
    page = admin_client.get(URL, {"declaration": declaration.reference})
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count('class="destination-row"') == 5
    assert 'type="datetime-local"' in html
    assert "Almaty" in html and "UTC+5" in html


def test_distribute_to_five_destinations_in_one_form(admin_client, partner, products):
    declaration = stock_declaration(partner)
    rows = [row(d, mode, item, kg, packages) for d, mode, item, kg, packages in FIVE]
    response = admin_client.post(URL, form(declaration, rows), follow=True)
    assert response.status_code == 200
    shipments = Shipment.objects.filter(declaration=declaration)
    assert sorted(s.destination.code for s in shipments) == sorted(d[0] for d in FIVE)
    html = response.content.decode()
    for shipment in shipments:
        assert reverse("admin:shipments_shipment_change", args=[shipment.pk]) in html
        assert str(shipment.get_onward_formalities_display()) in html
    assert "Re-export under customs transit" in html
    assert "reexport_under_transit" not in html and "partially_distributed" not in html
    tashkent = shipments.get(destination__code="UZTAS")
    departure = tashkent.planned_departure
    assert departure is not None and departure.isoformat() == "2026-07-21T01:00:00+00:00"


@pytest.mark.parametrize(
    ("changes", "field", "text"),
    [
        ({"planned_arrival": "2026-07-20T06:00"}, "planned_arrival", "must not be before"),
        ({"packages_1": "0"}, "packages_1", "At least one package"),
        ({"destination": "ZZZZZ"}, "destination", "Unknown location ZZZZZ"),
        ({"destination": ""}, "destination", "Where do these goods go"),
        ({"net_kg_1": "-5"}, "net_kg_1", "greater than or equal to 0"),
        ({"net_kg_1": "abc"}, "net_kg_1", "number"),
        ({"planned_departure": "yesterday"}, "planned_departure", "Enter a date and time"),
        ({"packages_1": "1e99"}, "packages_1", "whole number"),
        ({"transport_mode": "camel"}, "transport_mode", "valid choice"),
        ({"net_kg_1": "6000.0001"}, "net_kg_1", "decimal places"),
    ],
)
def test_bad_fields_get_an_error_next_to_them_and_create_nothing(
    admin_client, partner, products, changes, field, text
):
    declaration = stock_declaration(partner)
    response = admin_client.post(URL, form(declaration, [{**row("KZCIT"), **changes}]))
    assert response.status_code == 200
    errors = response.context["formset"].forms[0].errors
    assert text in " ".join(errors[field]), errors
    assert not Shipment.objects.exists()


def test_asking_more_than_is_left_names_the_goods_item(admin_client, partner, products):
    declaration = stock_declaration(partner)
    rows = [row("KZCIT", kg="4000", packages="800"), row("UZTAS", kg="2500", packages="500")]
    response = admin_client.post(URL, form(declaration, rows))
    assert "Goods item 1" in " ".join(response.context["formset"].non_form_errors())
    assert not Shipment.objects.exists()


def test_outside_the_corridor_and_empty_rows_are_warnings_to_confirm(
    admin_client, partner, products
):
    declaration = stock_declaration(partner)
    rows = [
        row("KZCIT"),
        {"destination": "KGFRU"},  # no goods
        row("DEHAM", item=2),  # Hamburg: no route in the route table
    ]
    first = admin_client.post(URL, form(declaration, rows))
    warnings = first.context["warnings"]
    assert any("Row 2 (KGFRU) has no goods" in w for w in warnings)
    assert any("Hamburg" in w and "outside the corridor" in w for w in warnings)
    assert not Shipment.objects.exists()
    fingerprint = first.context["warnings_fingerprint"]
    # Changing a row after seeing the warnings asks again.
    changed = form(declaration, [*rows[:2], row("DEHAM", item=2, kg="101", packages="21")])
    again = admin_client.post(URL, {**changed, "confirm_warnings": fingerprint})
    assert again.status_code == 200 and not Shipment.objects.exists()
    done = admin_client.post(URL, {**form(declaration, rows), "confirm_warnings": fingerprint})
    assert done.status_code == 302
    assert sorted(Shipment.objects.values_list("destination__code", flat=True)) == [
        "DEHAM",
        "KZCIT",
    ]


def test_a_destination_the_procedure_cannot_serve_is_named_on_its_row(
    admin_client, partner, products
):
    declaration = released_declaration(partner)  # import: released for free circulation
    response = admin_client.post(URL, form(declaration, [row("KZCIT"), row("UZTAS")]))
    assert response.status_code == 200
    assert "UZTAS" in " ".join(response.context["errors"])
    assert response.context["formset"].forms[1].errors["destination"]
    assert not Shipment.objects.exists()
    assert Declaration.objects.get(pk=declaration.pk).status == "released"


def test_blank_form_asks_for_a_destination(admin_client, partner, products):
    declaration = stock_declaration(partner)
    response = admin_client.post(URL, form(declaration, []))
    assert response.status_code == 200
    assert "at least one destination" in " ".join(response.context["formset"].non_form_errors())


def test_quantities_add_up_per_item(admin_client, partner, products):
    declaration = stock_declaration(partner)
    rows = [row("KZCIT", kg="1000", packages="200"), row("KZCIT", kg="500", packages="100")]
    assert admin_client.post(URL, form(declaration, rows)).status_code == 302
    lots = Shipment.objects.filter(declaration=declaration).values_list("lots__net_kg", flat=True)
    assert sorted(lots) == [Decimal("500.000"), Decimal("1000.000")]
