"""The staff workplace in Chromium: handle the control tower's declaration queues to the end, key
in a declaration from a paper invoice and submit it, refuse one with a reason, distribute one to
five destinations in one form, attach and open a certificate as staff."""

import re

import pytest

from declarations import services
from declarations.models import Declaration
from shipments.models import Product, Shipment
from tests.browser.conftest import LAPTOP, PHONE
from tests.declarations.factories import create_declaration, stock_declaration, todays_tomato_code

pytestmark = pytest.mark.django_db


@pytest.fixture
def products(db):
    """The product catalogue from the shipped storage table."""
    from shipments.products import load_products

    load_products()


PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n"


def tile(page, key):
    return page.locator(f'section[data-queue="{key}"]')


def confirm(page, decision, text=""):
    """Click a decision button on the declaration's page and confirm it (with a text)."""
    page.click(f'a[data-decision="{decision}"]')
    if text:
        page.fill("textarea[name=text]", text)
    page.click("input[name=confirm]")
    page.wait_for_load_state()


def test_handle_the_declaration_queues_to_the_end(open_page, partner):
    declaration = services.submit(create_declaration(partner, lrn="TOWER-1"), actor="partner")
    page = open_page("/admin/", width=LAPTOP)
    assert tile(page, "declarations_submitted").get_attribute("data-count") == "1"
    # The tile opens the list of exactly that declaration; from there, its page.
    tile(page, "declarations_submitted").locator("a.count").click()
    page.get_by_role("link", name=declaration.reference).click()
    assert "Customs registers it" in page.locator(".next-step").inner_text()
    confirm(page, "accept_red")
    page.goto(page.url.split("/admin/")[0] + "/admin/")
    assert tile(page, "declarations_submitted").get_attribute("data-count") == "0"
    under_control = tile(page, "declarations_under_control")
    assert under_control.get_attribute("data-count") == "1"
    under_control.get_by_role("link", name=re.compile("red")).click()
    page.get_by_role("link", name=declaration.reference).click()
    confirm(page, "inspection_passed", "12 of 1200 cartons opened, as declared")
    assert Declaration.objects.get(pk=declaration.pk).status == "released"
    page.goto(page.url.split("/admin/")[0] + "/admin/")
    assert tile(page, "declarations_under_control").get_attribute("data-count") == "0"
    assert tile(page, "declarations_released").get_attribute("data-count") == "1"


def test_the_tower_fits_a_phone(open_page):
    page = open_page("/admin/", width=PHONE)
    width = page.evaluate("document.querySelector('#control-tower').scrollWidth")
    assert width <= PHONE


def test_key_in_a_paper_invoice_and_submit_then_refuse_it_with_a_reason(open_page, partner):
    page = open_page("/admin/declarations/declaration/add/")
    page.select_option("select[name=partner]", str(partner.pk))
    fields = {
        "lrn": "PAPER-7",
        "border_crossing": "KZHOR",
        "transport_document_number": "SMGS 24 118 773",
        "containers": "CSQU3054383",
        "consignor_name": "Xinjiang Fresh Export Co",
        "consignor_country": "CN",
        "consignee_name": "Almaty Fresh Distribution LLP",
        "consignee_country": "KZ",
        "goods-0-description": "Cherry tomatoes, fresh",
        "goods-0-commodity_code": todays_tomato_code(),
        "goods-0-origin_country": "CN",
        "goods-0-packages_count": "1200",
        "goods-0-packages_kind": "CT",
        "goods-0-gross_kg": "6200",
        "goods-0-net_kg": "6000",
        "goods-0-invoice_value": "9600.00",
        "goods-0-currency": "USD",
        "documents-0-number": "CN-PH-2025-778812",
        "documents-1-number": "INV-2025-0042",
        "documents-2-number": "CO-2025-0042",
    }
    for name, value in fields.items():
        page.fill(f"[name='{name}']", value)
    page.select_option("select[name=procedure]", "import")
    page.select_option("select[name=office]", "50510")
    page.select_option("select[name=transport_mode]", "rail")
    page.select_option("select[name=transport_document_type]", "smgs")
    page.select_option("select[name='documents-0-type']", "phytosanitary_certificate")
    page.select_option("select[name='documents-1-type']", "invoice")
    page.select_option("select[name='documents-2-type']", "certificate_of_origin")
    page.click("input[name=_submit]")
    page.wait_for_load_state()
    declaration = Declaration.objects.get(partner=partner, lrn="PAPER-7")
    assert declaration.status == "submitted"
    confirm(page, "reject", "Invoice value does not match the contract")
    declaration.refresh_from_db()
    assert declaration.status == "rejected"
    assert "Invoice value does not match the contract" in page.content()


def test_distribute_to_five_destinations_in_one_form(open_page, partner, products):
    declaration = stock_declaration(partner)
    page = open_page(f"/admin/shipments/shipment/distribute/?declaration={declaration.reference}")
    for item in declaration.goods_items.all():
        product = Product.objects.filter(hs_code=item.commodity_code[:6]).order_by("code")[0]
        page.select_option(f"select[name=product_{item.sequence}]", str(product.pk))
    rows = [
        ("KZCIT", "road", 1, "1400", "280"),
        ("KGFRU", "road", 2, "1000", "200"),
        ("UZTAS", "road", 1, "1200", "240"),
        ("TJDYU", "road", 1, "800", "160"),
        ("TMASB", "rail", 2, "600", "120"),
    ]
    for index, (code, mode, sequence, kg, packages) in enumerate(rows):
        page.fill(f"[name='rows-{index}-destination']", code)
        page.select_option(f"select[name='rows-{index}-transport_mode']", mode)
        page.fill(f"[name='rows-{index}-planned_departure']", "2026-07-21T06:00")
        page.fill(f"[name='rows-{index}-planned_arrival']", "2026-07-23T18:00")
        page.fill(f"[name='rows-{index}-net_kg_{sequence}']", kg)
        page.fill(f"[name='rows-{index}-packages_{sequence}']", packages)
    page.click("input[type=submit].default")
    page.wait_for_load_state()
    message = page.locator(".messagelist").inner_text()
    assert "Created 5 shipment(s)" in message
    assert "Re-export under customs transit" in message
    assert Shipment.objects.filter(declaration=declaration).count() == 5


def test_attach_and_open_a_certificate_as_staff(open_page, partner, server_url, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    declaration = create_declaration(partner)
    page = open_page(f"/admin/declarations/declaration/{declaration.pk}/change/")
    page.locator("#documents-group").get_by_role("link", name="Upload a scan").first.click()
    page.set_input_files(
        "input[name=file]",
        files=[{"name": "phyto.pdf", "mimeType": "application/pdf", "buffer": PDF}],
    )
    page.click("input[name=upload]")
    page.wait_for_load_state()
    link = page.locator("a.document-file").first
    assert link.inner_text() == "phyto.pdf"
    response = page.request.get(server_url + link.get_attribute("href"))
    assert response.ok and response.headers["content-type"] == "application/pdf"
    assert response.body() == PDF
