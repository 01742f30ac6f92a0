"""The control tower walked as staff would, from the landing page to the end of each queue.

Declarations (Russian on a phone, Chinese on a laptop): a submitted declaration is registered on the
red channel from its page (tile "submitted" one fewer, "under control" one more), then inspected
with notes and released (back to "under control" as before, "released" one more).

Shipments, excursions, alerts (1366 px and 390 px, in Russian and in Chinese): open the at-risk shipments tile and the shipment
it lists; open the excursions tile, acknowledge the excursion with a comment, back to the tower
(one fewer); open the open-alerts tile, resolve the alert with a note, back to the tower (one
fewer). No page of the walk scrolls sideways. Links are followed by clicking, as a person would;
elements are found by their place in the page (tile keys, the list's links, the form's fields)
so the same walk runs in every language, and each page is checked to be in that language.
"""

from typing import Any

import pytest

from declarations import services
from shipments.models import Alert, Excursion, Shipment
from tests.browser.conftest import LAPTOP, PHONE, page_overflows
from tests.declarations.factories import create_declaration

# The page's lang attribute and the tower's heading, per browser language.
LANGUAGES = {
    "ru": {"lang": "ru", "tower": "Диспетчерская"},
    "zh-CN": {"lang": "zh-hans", "tower": "控制塔"},
}


def tile_count(page: Any, key: str) -> int:
    return int(page.locator(f'section[data-queue="{key}"]').get_attribute("data-count"))


def back_to_the_tower(page: Any) -> None:
    """The breadcrumbs' first link ("Home"), as a person goes back."""
    with page.expect_navigation():
        page.locator(".breadcrumbs a").first.click()
    assert page.locator("#control-tower").count() == 1


def open_tile(page: Any, key: str) -> None:
    with page.expect_navigation():
        page.locator(f'section[data-queue="{key}"] a.count').click()
    assert f"queue={key}" in page.url


def open_row(page: Any, model: str, pk: int) -> None:
    with page.expect_navigation():
        page.locator(f'#result_list a[href*="/{model}/{pk}/change/"]').first.click()
    assert f"/{model}/{pk}/change/" in page.url


def check_page(page: Any, language: str) -> None:
    assert page.locator("html").get_attribute("lang") == LANGUAGES[language]["lang"]
    assert not page_overflows(page), page.url


@pytest.mark.parametrize("width", [LAPTOP, PHONE], ids=["laptop", "phone"])
@pytest.mark.parametrize("language", list(LANGUAGES), ids=["ru", "zh"])
def test_walk_the_shipment_excursion_and_alert_queues(
    open_page: Any, warm_shipment: Shipment, width: int, language: str
) -> None:
    excursion = Excursion.objects.get(shipment=warm_shipment, kind="high")
    alert = Alert.objects.get(shipment=warm_shipment, kind="temperature_excursion")
    page = open_page("/admin/", width=width, language=language)
    check_page(page, language)
    assert LANGUAGES[language]["tower"] in page.content()
    at_risk = tile_count(page, "shipments_at_risk")
    excursions = tile_count(page, "excursions_unacknowledged")
    alerts = tile_count(page, "alerts_open")
    assert at_risk >= 1 and excursions >= 1 and alerts >= 1

    # Shipments at risk: the tile lists the shipment; its page opens with its lot's condition.
    open_tile(page, "shipments_at_risk")
    check_page(page, language)
    open_row(page, "shipment", warm_shipment.pk)
    check_page(page, language)
    assert warm_shipment.reference in page.content()
    back_to_the_tower(page)

    # Excursions: acknowledge with a comment, then the tile counts one fewer.
    open_tile(page, "excursions_unacknowledged")
    check_page(page, language)
    open_row(page, "excursion", excursion.pk)
    check_page(page, language)
    with page.expect_navigation():
        page.locator("a.acknowledge-link").click()
    check_page(page, language)
    page.fill("textarea[name=comment]", "Reefer restarted at Khorgos; pulp 2 °C.")
    with page.expect_navigation():
        page.locator(".note-form input[name=apply]").click()
    assert f"/excursion/{excursion.pk}/change/" in page.url
    check_page(page, language)
    back_to_the_tower(page)
    assert tile_count(page, "excursions_unacknowledged") == excursions - 1
    excursion.refresh_from_db()
    assert excursion.acknowledged and excursion.comment.startswith("Reefer restarted")

    # Open alerts: resolve with a note, then the tile counts one fewer.
    open_tile(page, "alerts_open")
    check_page(page, language)
    open_row(page, "alert", alert.pk)
    check_page(page, language)
    with page.expect_navigation():
        page.locator("a.resolve-link").click()
    check_page(page, language)
    page.fill("textarea[name=note]", "Sold to the local market at Almaty.")
    with page.expect_navigation():
        page.locator(".note-form input[name=apply]").click()
    assert f"/alert/{alert.pk}/change/" in page.url
    check_page(page, language)
    back_to_the_tower(page)
    assert tile_count(page, "alerts_open") == alerts - 1
    alert.refresh_from_db()
    assert alert.state == "resolved" and alert.resolution_note.startswith("Sold to")


def decide(page: Any, key: str, text: str = "") -> None:
    """A decision button on the declaration's page, then its confirmation page."""
    with page.expect_navigation():
        page.locator(f'a[data-decision="{key}"]').click()
    if text:
        page.fill("[name=text]", text)
    with page.expect_navigation():
        page.locator("input[name=confirm]").click()


@pytest.mark.parametrize(
    ("width", "language"), [(PHONE, "ru"), (LAPTOP, "zh-CN")], ids=["ru-phone", "zh-laptop"]
)
def test_walk_the_declaration_queues(
    open_page: Any, partner: Any, width: int, language: str
) -> None:
    """Submitted → registered on the red channel → inspected and released, from the tower."""
    declaration = services.submit(create_declaration(partner), actor="test")
    page = open_page("/admin/", width=width, language=language)
    check_page(page, language)
    submitted = tile_count(page, "declarations_submitted")
    under_control = tile_count(page, "declarations_under_control")
    released = tile_count(page, "declarations_released")

    open_tile(page, "declarations_submitted")
    check_page(page, language)
    open_row(page, "declaration", declaration.pk)
    check_page(page, language)
    decide(page, "accept_red")
    check_page(page, language)
    back_to_the_tower(page)
    assert tile_count(page, "declarations_submitted") == submitted - 1
    assert tile_count(page, "declarations_under_control") == under_control + 1

    open_tile(page, "declarations_under_control")
    open_row(page, "declaration", declaration.pk)
    decide(page, "inspection_passed", "12 of 1200 cartons opened, as declared")
    check_page(page, language)
    back_to_the_tower(page)
    assert tile_count(page, "declarations_under_control") == under_control
    assert tile_count(page, "declarations_released") == released + 1
    declaration.refresh_from_db()
    assert declaration.status == "released"
