"""The control tower walked as staff would, from the landing page to the end of each queue.

At 1366 px and 390 px, in Russian and in Chinese: open the at-risk shipments tile and the shipment
it lists; open the excursions tile, acknowledge the excursion with a comment, back to the tower
(one fewer); open the open-alerts tile, resolve the alert with a note, back to the tower (one
fewer). No page of the walk scrolls sideways. Links are followed by clicking, as a person would;
elements are found by their place in the page (tile keys, the list's links, the form's fields)
so the same walk runs in every language, and each page is checked to be in that language.
"""

from typing import Any

import pytest

from shipments.models import Alert, Excursion, Shipment
from tests.browser.conftest import LAPTOP, PHONE, page_overflows

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
