"""Paperwork in the browser, as the issue's "How it will be checked" walks it: key in a declaration
from a paper invoice (Russian, laptop), reject one with a reason (Russian, phone), distribute one to
five destinations in one form (Chinese, laptop), attach a certificate and open it as staff while a
partner's key that does not own it gets 404 (Chinese, phone). Fields are found by their names, so
the same steps run in every language; no page scrolls sideways."""

from pathlib import Path
from typing import Any

import pytest

from declarations import services
from declarations.models import Declaration
from shipments.models import Shipment
from shipments.products import load_products
from tests.browser.conftest import LAPTOP, PHONE, page_overflows
from tests.declarations.factories import create_declaration, stock_declaration
from tests.declarations.test_admin_keyin import paper_invoice
from tests.shipments.test_admin_distribution import FIVE, product_for
from tradehub.partners.services import issue_api_key

PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n"
MANAGEMENT = ("TOTAL_FORMS", "INITIAL_FORMS", "MIN_NUM_FORMS", "MAX_NUM_FORMS")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def fill(page: Any, data: dict[str, str]) -> None:
    """Type each value into the field of that name (choose it in a select)."""
    for name, value in data.items():
        if name.endswith(MANAGEMENT) or name.startswith("_"):
            continue
        field = page.locator(f'[name="{name}"]')
        if field.evaluate("element => element.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)


def submit(page: Any, selector: str) -> None:
    with page.expect_navigation():
        page.locator(selector).click()
    assert not page_overflows(page), page.url


def test_key_in_a_declaration_from_a_paper_invoice_in_russian(open_page, partner):
    page = open_page("/admin/declarations/declaration/add/", width=LAPTOP, language="ru")
    assert not page_overflows(page)
    fill(page, paper_invoice(partner))
    submit(page, "input[name=_submit]")
    declaration = Declaration.objects.get(partner=partner, lrn="PAPER-0001")
    assert declaration.status == "submitted"
    assert declaration.goods_items.count() == 2 and declaration.documents.count() == 3
    assert f"/declaration/{declaration.pk}/change/" in page.url
    assert "PAPER-0001" in page.content()


def test_reject_a_declaration_with_a_reason_on_a_phone_in_russian(open_page, partner):
    declaration = services.submit(create_declaration(partner), actor="test")
    page = open_page(
        f"/admin/declarations/declaration/{declaration.pk}/change/", width=PHONE, language="ru"
    )
    assert not page_overflows(page)
    with page.expect_navigation():
        page.locator('a[data-decision="reject"]').click()
    page.fill("[name=text]", "Стоимость по инвойсу не совпадает с контрактом")
    submit(page, "input[name=confirm]")
    declaration.refresh_from_db()
    assert declaration.status == "rejected"
    assert "Стоимость по инвойсу не совпадает с контрактом" in page.content()


def test_distribute_to_five_destinations_in_one_form_in_chinese(open_page, partner):
    load_products()
    declaration = stock_declaration(partner)
    page = open_page(
        f"/admin/shipments/shipment/distribute/?declaration={declaration.reference}",
        width=LAPTOP,
        language="zh-CN",
    )
    assert not page_overflows(page)
    data: dict[str, str] = {}
    for goods in declaration.goods_items.all():
        data[f"product_{goods.sequence}"] = str(product_for(goods.commodity_code).pk)
    for index, (destination, mode, item, kg, packages) in enumerate(FIVE):
        data.update(
            {
                f"rows-{index}-destination": destination,
                f"rows-{index}-transport_mode": mode,
                f"rows-{index}-consignee_name": f"{destination} Fresh",
                f"rows-{index}-planned_departure": "2026-07-21T06:00",
                f"rows-{index}-planned_arrival": "2026-07-23T18:00",
                f"rows-{index}-net_kg_{item}": kg,
                f"rows-{index}-packages_{item}": packages,
            }
        )
    fill(page, data)
    submit(page, ".distribution input[type=submit].default")
    if page.locator(".distribution .warnings").count():  # destinations to confirm
        submit(page, ".distribution input[type=submit].default")
    created = Shipment.objects.filter(declaration=declaration)
    assert created.count() == 5
    for shipment in created:  # the result names each new shipment with a link to it
        assert page.locator(f'a[href*="/shipment/{shipment.pk}/change/"]').count() >= 1


def test_attach_and_open_a_certificate_and_another_partner_gets_404(
    open_page, partner, other_partner, server_url, tmp_path
):
    declaration = create_declaration(partner)
    page = open_page(
        f"/admin/declarations/declaration/{declaration.pk}/documents/1/",
        width=PHONE,
        language="zh-CN",
    )
    scan = Path(tmp_path) / "phyto.pdf"
    scan.write_bytes(PDF)
    page.set_input_files("input[type=file]", str(scan))
    submit(page, "input[name=upload]")
    link = page.locator('a[href$="/documents/1/file/"]').first
    opened = page.request.get(server_url + link.get_attribute("href"))
    assert opened.ok and opened.body() == PDF
    assert opened.headers["content-type"] == "application/pdf"
    url = f"{server_url}/api/v1/declarations/{declaration.reference}/documents/1/file/"
    _, own_key = issue_api_key(partner)
    _, other_key = issue_api_key(other_partner)
    assert page.request.get(url, headers={"Authorization": f"Api-Key {own_key}"}).body() == PDF
    refused = page.request.get(url, headers={"Authorization": f"Api-Key {other_key}"})
    assert refused.status == 404
