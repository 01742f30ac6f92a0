"""Browser tests: Playwright (from PyPI) driving Debian's Chromium at /usr/bin/chromium.

No browser is ever downloaded: `.ci/run` installs Debian's `chromium` when it is missing. The web
server runs in a thread of the test process and shares the test's database connection, so a
browser test is an ordinary `db` test: it sees the reference data loaded once per run and
everything it creates is rolled back at the end (no flush, no reload).

Fixtures for every browser test (tests/browser/test_*.py):

- `open_page(path, width=1366, language="en", login=True)` -> a Playwright `Page` already on
  `path`, with a viewport `width` px wide, the browser's language sent as `Accept-Language`
  (`"ru"`, `"zh-CN"`, `"en"`), logged in as `staff_user` unless `login=False`;
- `laptop` / `phone`: the admin index at 1366 px / 390 px (English);
- `server_url`: the address of the running server (`server_url + "/admin/"`);
- `staff_user` (tests/conftest.py): the staff member the pages are logged in as;
- `warm_shipment`: kiwifruit six hours at 24 °C — an excursion, its alert, a lot at risk.

Run them alone with `pytest tests/browser -q`; `pytest -m "not browser"` leaves them out.
"""

import datetime as dt
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.core.servers.basehttp import WSGIServer
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connections
from django.test import Client
from django.test.testcases import LiveServerThread, QuietWSGIRequestHandler
from django.utils import timezone

from shipments.alerts import services as alert_services
from shipments.models import Shipment, TemperatureReading
from shipments.products import load_products
from shipments.services.shelf import process_readings
from tests.shipments.factories import make_shipment, store_readings

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LAPTOP = 1366
PHONE = 390
HEIGHTS = {LAPTOP: 768, PHONE: 844}
H = dt.timedelta(hours=1)

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is in the dev extra")


@pytest.fixture(scope="package", autouse=True)
def _sync_orm_beside_playwright() -> Iterator[None]:
    """Playwright's sync API keeps an event loop in this thread; the ORM calls of the tests are
    still plain synchronous code, so Django's async guard is lifted while the browser package runs
    and restored after it (the variable must not reach processes that later tests start, such as
    `manage.py check --deploy`). Set up before `browser`, which therefore also has package scope."""
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


class SharedConnectionServerThread(LiveServerThread):
    """Django's live server, one request at a time, on the test's own database connection (so
    it sees the test's uncommitted rows). Single-threaded: the server answers `Connection:
    close`, and two requests never use the shared connection at once."""

    def _create_server(self, connections_override: Any = None) -> WSGIServer:
        # The request runs in this thread, whose connections run() already replaced.
        return WSGIServer(
            (self.host, self.port), QuietWSGIRequestHandler, allow_reuse_address=False
        )


@pytest.fixture(scope="package")
def browser(django_db_setup: None) -> Iterator[Any]:
    # The test database is set up before Playwright's event loop starts in this thread (the async
    # guard is lifted only per test, so the session's database setup must come first).
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: apt-get install chromium (.ci/run does)")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield chromium
        chromium.close()


@pytest.fixture
def server_url(db: None) -> Iterator[str]:
    connection = connections["default"]
    connection.inc_thread_sharing()
    # Closing "old" connections at request boundaries would close the test's transaction.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    thread = SharedConnectionServerThread(
        "127.0.0.1", StaticFilesHandler, connections_override={"default": connection}
    )
    thread.daemon = True
    thread.start()
    thread.is_ready.wait()
    if thread.error:
        raise thread.error
    try:
        yield f"http://127.0.0.1:{thread.port}"
    finally:
        thread.httpd.shutdown()
        thread.httpd.server_close()
        thread.join()
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
        connection.dec_thread_sharing()


@pytest.fixture
def open_page(browser: Any, server_url: str, staff_user: Any) -> Iterator[Callable[..., Any]]:
    contexts: list[Any] = []

    def open_(
        path: str = "/admin/", *, width: int = LAPTOP, language: str = "en", login: bool = True
    ) -> Any:
        context = browser.new_context(
            viewport={"width": width, "height": HEIGHTS.get(width, 900)},
            locale=language,
            extra_http_headers={"Accept-Language": language},
            timezone_id=settings.TIME_ZONE,
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        if login:
            client = Client()
            client.force_login(staff_user)
            context.add_cookies(
                [
                    {
                        "name": settings.SESSION_COOKIE_NAME,
                        "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                        "url": server_url,
                    }
                ]
            )
        page = context.new_page()
        page.goto(server_url + path)
        return page

    yield open_
    for context in contexts:
        context.close()


@pytest.fixture
def laptop(open_page: Callable[..., Any]) -> Any:
    """The admin index on a 1366 px laptop screen, in English."""
    return open_page("/admin/", width=LAPTOP)


@pytest.fixture
def phone(open_page: Callable[..., Any]) -> Any:
    """The admin index on a 390 px phone screen, in English."""
    return open_page("/admin/", width=PHONE)


def page_overflows(page: Any) -> bool:
    """True when the page scrolls sideways (wider than its viewport)."""
    return bool(page.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1"))


@pytest.fixture
def warm_shipment(partner) -> Shipment:
    """Kiwifruit six hours at 24 °C: an excursion, its alert, a lot at risk."""
    load_products()
    now = timezone.now()
    shipment = make_shipment(
        partner,
        lots=[{"product": "kiwifruit", "lot_code": "KW-1"}],
        planned_departure=now - 48 * H,
        planned_arrival=now + 24 * H,
        setpoint_c=0.0,
    )
    start = now - 10 * H
    store_readings(
        TemperatureReading(
            shipment=shipment,
            sensor_id="S1",
            recorded_at=start + dt.timedelta(minutes=15 * i),
            temperature_c=24.0 if 8 <= i < 32 else 0.0,
        )
        for i in range(40)
    )
    process_readings(shipment.pk)
    alert_services.scan_alerts(timezone.now(), kinds=["temperature_excursion"])
    return shipment
