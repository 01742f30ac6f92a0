"""The admin in the browser's language, and the language switch in the header."""

import re

import pytest

from tests.browser.conftest import LAPTOP


@pytest.mark.parametrize(
    ("language", "lang_attr", "expected"),
    [
        ("ru", "ru", "Диспетчерская"),
        ("zh-CN", "zh-hans", "控制塔"),
        ("en", "en", "Control tower"),
    ],
    ids=["ru", "zh", "en"],
)
def test_admin_speaks_the_browsers_language(open_page, language, lang_attr, expected):
    page = open_page("/admin/", width=LAPTOP, language=language)
    assert page.locator("html").get_attribute("lang") == lang_attr
    assert expected in page.content()


def test_language_switch_in_the_header_changes_the_admin_language(open_page):
    page = open_page("/admin/", language="en")
    with page.expect_navigation():
        page.select_option("#language-select", "ru")
    assert page.locator("html").get_attribute("lang") == "ru"
    # Django's own admin strings come translated too ("Log out" -> "Выйти").
    assert page.get_by_role("button", name=re.compile("Выйти")).count() == 1
    assert page.locator("#language-select").input_value() == "ru"


def test_favicon_is_served(open_page, server_url):
    page = open_page("/admin/")
    response = page.request.get(server_url + "/favicon.ico")
    assert response.ok
    assert "svg" in response.headers["content-type"]
