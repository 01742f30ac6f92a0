"""Lists at 1366 and 390 px, resolving an alert with a note, acknowledging an excursion."""

import pytest

from shipments.models import Alert, Excursion
from tests.browser.conftest import LAPTOP, PHONE, page_overflows


@pytest.mark.parametrize("language", ["en", "ru", "zh-CN"])
def test_shipment_list_fits_a_laptop_with_the_important_columns(open_page, warm_shipment, language):
    page = open_page("/admin/shipments/shipment/", width=LAPTOP, language=language)
    visible = page.locator("#changelist .results").bounding_box()
    assert visible is not None
    right = min(LAPTOP, visible["x"] + visible["width"]) + 1
    for column in ("status_badge", "eta", "overdue_flag", "worst_shelf_life", "time_in_status"):
        header = page.locator(f"th.column-{column}")
        assert header.count() == 1
        box = header.bounding_box()
        # Not only on the page: inside the visible part of the list (no sideways scrolling).
        assert box is not None and box["x"] + box["width"] <= right, column
    assert not page_overflows(page)


def test_shipment_list_is_usable_on_a_phone(open_page, warm_shipment):
    page = open_page("/admin/shipments/shipment/", width=PHONE)
    assert not page_overflows(page)  # the table scrolls in its own box, not the page
    assert page.get_by_text(warm_shipment.reference).count() >= 1
    chart_page = open_page(f"/admin/shipments/shipment/{warm_shipment.pk}/change/", width=PHONE)
    chart = chart_page.locator("svg.temperature-chart")
    box = chart.bounding_box()
    assert box is not None and box["width"] <= PHONE
    assert chart_page.locator("svg.temperature-chart rect.excursion").count() >= 1


def test_resolve_an_alert_with_a_note(open_page, warm_shipment):
    alert = Alert.objects.get(shipment=warm_shipment, kind="temperature_excursion")
    page = open_page(f"/admin/shipments/alert/{alert.pk}/change/")
    page.get_by_role("link", name="Resolve with a note").click()
    page.fill("textarea[name=note]", "Pulp 3 °C at Almaty; sold to the local market.")
    page.get_by_role("button", name="Resolve").click()
    page.wait_for_url(f"**/admin/shipments/alert/{alert.pk}/change/")
    alert.refresh_from_db()
    assert alert.state == "resolved"
    assert alert.resolution_note == "Pulp 3 °C at Almaty; sold to the local market."


def test_acknowledge_an_excursion_with_a_comment_in_russian(open_page, warm_shipment):
    excursion = Excursion.objects.get(shipment=warm_shipment, kind="high")
    page = open_page(f"/admin/shipments/excursion/{excursion.pk}/change/", language="ru")
    page.get_by_role("link", name="Принять к сведению с комментарием").click()
    page.fill("textarea[name=comment]", "Водитель перезапустил рефустановку.")
    page.get_by_role("button", name="Взять в работу").click()
    page.wait_for_url(f"**/admin/shipments/excursion/{excursion.pk}/change/")
    excursion.refresh_from_db()
    assert excursion.acknowledged and excursion.comment == "Водитель перезапустил рефустановку."
