"""Staff key in a declaration from paper on a partner's behalf: the API's serializer and the
services run, so the same rules give the same messages, and nothing is stored on refusal."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from declarations.models import Declaration
from tests.declarations.factories import create_declaration, todays_tomato_code

pytestmark = pytest.mark.django_db

ADD = reverse("admin:declarations_declaration_add")
PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def staff_client(staff_user):
    client = Client()
    client.force_login(staff_user)
    return client


def management(prefix, total, initial=0):
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def paper_invoice(partner, **changes):
    """What staff type from a paper invoice of cherry tomatoes and grapes, as form fields."""
    data = {
        "partner": str(partner.pk),
        "lrn": "PAPER-0001",
        "procedure": "import",
        "office": "50510",
        "border_crossing": "KZHOR",
        "transport_mode": "rail",
        "transport_document_type": "smgs",
        "transport_document_number": "SMGS 24 118 773",
        "containers": "CSQU3054383",
        "seals": "CN 778812",
        "consignor_name": "Xinjiang Fresh Export Co",
        "consignor_country": "cn",
        "consignor_tax_id": "91650100MA78XXXX1X",
        "consignee_name": "Almaty Fresh Distribution LLP",
        "consignee_country": "KZ",
        **management("goods", 3),
        "goods-0-description": "Cherry tomatoes, fresh",
        "goods-0-commodity_code": todays_tomato_code(),
        "goods-0-origin_country": "CN",
        "goods-0-packages_count": "1200",
        "goods-0-packages_kind": "CT",
        "goods-0-gross_kg": "6200",
        "goods-0-net_kg": "6000",
        "goods-0-invoice_value": "9600.00",
        "goods-0-currency": "USD",
        "goods-1-description": "Table grapes, fresh",
        "goods-1-commodity_code": "0806 10 100 0",
        "goods-1-origin_country": "CN",
        "goods-1-packages_count": "800",
        "goods-1-packages_kind": "CT",
        "goods-1-gross_kg": "4300",
        "goods-1-net_kg": "4000",
        "goods-1-invoice_value": "8000.00",
        "goods-1-currency": "usd",
        **management("documents", 4),
        "documents-0-type": "phytosanitary_certificate",
        "documents-0-number": "CN-PH-2025-778812",
        "documents-0-issued_by": "GACC Urumqi",
        "documents-0-goods_items": "1, 2",
        "documents-1-type": "invoice",
        "documents-1-number": "INV-2025-0042",
        "documents-2-type": "certificate_of_origin",
        "documents-2-number": "CO-2025-0042",
    }
    data.update(changes)
    return data


def test_the_add_page_offers_the_key_in_form(staff_client, partner):
    response = staff_client.get(ADD)
    assert response.status_code == 200
    page = response.content.decode()
    assert partner.name in page and 'name="goods-0-net_kg"' in page
    assert 'type="datetime-local"' in page and "Local time, Almaty, UTC+5" in page


def test_key_in_from_a_paper_invoice_and_submit(staff_client, partner, staff_user):
    scan = SimpleUploadedFile("invoice.pdf", PDF, content_type="application/pdf")
    data = paper_invoice(partner, _submit="1", **{"documents-1-file": scan})
    response = staff_client.post(ADD, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    declaration = Declaration.objects.get(partner=partner, lrn="PAPER-0001")
    assert declaration.status == "submitted"
    assert declaration.consignor["country"] == "CN"
    items = list(declaration.goods_items.order_by("sequence"))
    assert [i.commodity_code for i in items] == [todays_tomato_code(), "0806101000"]
    assert items[1].currency == "USD"
    invoice = declaration.documents.get(type="invoice")
    assert invoice.file.name.endswith("invoice.pdf")
    events = list(declaration.events.order_by("id").values_list("type", "actor"))
    assert [t for t, _ in events] == ["created", "document_file_attached", "submitted"]
    assert {a for _, a in events} == {staff_user.get_username()}


def test_save_draft_then_edit_it(staff_client, partner):
    response = staff_client.post(ADD, paper_invoice(partner, _save="1"))
    assert response.status_code == 302
    declaration = Declaration.objects.get(lrn="PAPER-0001")
    assert declaration.status == "draft"
    edit = reverse("admin:declarations_declaration_edit", args=[declaration.pk])
    page = staff_client.get(edit)
    assert page.status_code == 200
    assert 'value="PAPER-0001"' in page.content.decode()
    data = paper_invoice(partner, lrn="PAPER-0001-B", _save="1", **management("goods", 3))
    data.pop("partner")
    response = staff_client.post(edit, data)
    assert response.status_code == 302
    declaration.refresh_from_db()
    assert declaration.lrn == "PAPER-0001-B"
    assert declaration.events.filter(type="updated").exists()


def api_details(api, body):
    response = api.post("/api/v1/declarations/", body, format="json")
    assert response.status_code == 400
    return {e["pointer"]: e["detail"] for e in response.json()["errors"]}


def test_bad_input_gets_the_api_messages_next_to_the_fields_and_stores_nothing(
    staff_client, partner, api
):
    data = paper_invoice(
        partner,
        _submit="1",
        containers="CSQU3054384",  # wrong check digit
        consignee_name="",
        office="",
        **{"goods-1-net_kg": "5000", "goods-0-packages_count": "0"},
    )
    response = staff_client.post(ADD, data)
    assert response.status_code == 200
    assert not Declaration.objects.filter(lrn="PAPER-0001").exists()
    keyin = response.context["keyin"]
    header = keyin.header.errors
    assert set(header) >= {"containers", "consignee_name", "office"}
    goods = keyin.goods.forms
    assert "net_kg" in goods[1].errors and "packages_count" in goods[0].errors
    # The very same messages as the API gives for the same paper.
    body = {
        "lrn": "PAPER-0001",
        "procedure": "import",
        "border_crossing": "KZHOR",
        "transport_mode": "rail",
        "containers": ["CSQU3054384"],
        "consignor": {"name": "X", "country": "CN"},
        "consignee": {"country": "KZ"},
        "goods_items": [
            {
                "description": "Cherry tomatoes, fresh",
                "commodity_code": todays_tomato_code(),
                "origin_country": "CN",
                "packages": {"count": 0, "kind": "CT"},
                "gross_kg": "6200",
                "net_kg": "6000",
                "invoice_value": "9600.00",
                "currency": "USD",
            },
            {
                "description": "Table grapes, fresh",
                "commodity_code": "0806101000",
                "origin_country": "CN",
                "packages": {"count": 800, "kind": "CT"},
                "gross_kg": "4300",
                "net_kg": "5000",
                "invoice_value": "8000.00",
                "currency": "USD",
            },
        ],
    }
    details = api_details(api, body)
    assert header["containers"][0].endswith(details["/containers/0"])
    assert header["consignee_name"][0] == details["/consignee/name"]
    assert header["office"][0] == details["/office"]
    assert goods[1].errors["net_kg"][0] == details["/goods_items/1/net_kg"]
    assert goods[0].errors["packages_count"][0] == details["/goods_items/0/packages/count"]
    page = response.content.decode()
    assert "Please correct the errors below." in page


def test_submit_without_the_invoice_names_what_is_missing_and_keeps_nothing(staff_client, partner):
    data = paper_invoice(partner, _submit="1", **{"documents-1-type": "", "documents-1-number": ""})
    response = staff_client.post(ADD, data)
    assert response.status_code == 200
    assert "needs a commercial invoice" in " ".join(response.context["keyin"].documents_errors)
    assert not Declaration.objects.filter(lrn="PAPER-0001").exists()


def test_a_wrong_file_is_refused_next_to_its_row(staff_client, partner):
    fake = SimpleUploadedFile("invoice.pdf", b"not a pdf", content_type="application/pdf")
    response = staff_client.post(ADD, paper_invoice(partner, **{"documents-1-file": fake}))
    assert response.status_code == 200
    assert "not a PDF" in response.context["keyin"].documents.forms[1].errors["file"][0]
    assert not Declaration.objects.exists()


def test_a_used_lrn_is_named_on_the_lrn_field(staff_client, partner):
    existing = create_declaration(partner=partner, lrn="PAPER-0001")
    response = staff_client.post(ADD, paper_invoice(partner))
    assert response.status_code == 200
    assert existing.reference in response.context["keyin"].header.errors["lrn"][0]


def test_a_released_declaration_cannot_be_edited(staff_client, partner):
    declaration = create_declaration(partner=partner)
    Declaration.objects.filter(pk=declaration.pk).update(status="released")
    edit = reverse("admin:declarations_declaration_edit", args=[declaration.pk])
    response = staff_client.get(edit, follow=True)
    assert re.search(r"can no longer be changed", response.content.decode())
