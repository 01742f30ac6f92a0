"""The Content-Security-Policy breaks nothing: the admin and the offline Swagger UI run in
Chromium without a single CSP violation."""

from typing import Any

import pytest


def violations(open_page: Any, path: str, *, login: bool = True) -> tuple[Any, list[str]]:
    messages: list[str] = []
    page = open_page("/admin/login/", login=False) if not login else open_page("/admin/")
    page.on("console", lambda message: messages.append(message.text))
    page.goto(page.url.split("/admin/")[0] + path)
    page.wait_for_load_state("networkidle")
    return page, [m for m in messages if "Content Security Policy" in m or "CSP" in m]


@pytest.mark.django_db
def test_admin_runs_without_csp_violations(open_page):
    page, found = violations(open_page, "/admin/")
    assert found == []
    assert page.locator("#language-select").count() == 1


@pytest.mark.django_db
def test_swagger_ui_renders_offline_without_csp_violations(open_page):
    page, found = violations(open_page, "/api/docs/")
    # The schema is generated on request: slow on a loaded machine, hence the generous wait.
    page.wait_for_selector(".swagger-ui .info .title", timeout=90_000)
    assert found == []
    assert "TradeHub partner API" in page.locator(".swagger-ui .info .title").inner_text()
