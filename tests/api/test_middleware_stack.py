"""The project's versions of two middlewares answer exactly what the stock ones answered:
django-csp's with the settings' policy built once, Django's messages skipped under /api/."""

import re
from typing import Any

import pytest
from django.contrib import messages
from django.contrib.messages.api import MessageFailure
from django.test import Client, override_settings
from rest_framework.test import APIClient

from tests.factories import StaffUserFactory
from tests.shipments.factories import product

pytestmark = pytest.mark.django_db

OURS = {
    "tradehub.ui.middleware.SettingsPolicyCSPMiddleware": "csp.middleware.CSPMiddleware",
    "tradehub.api.middleware.StaffMessageMiddleware": (
        "django.contrib.messages.middleware.MessageMiddleware"
    ),
}


def stock_middleware(settings) -> list[str]:
    stock = [OURS.get(name, name) for name in settings.MIDDLEWARE]
    assert stock != settings.MIDDLEWARE
    return stock


# A cookie's expiry date is the clock's.
EXPIRES = re.compile(r"expires=[^;]+;?", re.IGNORECASE)
# CSRF tokens are random per answer (masked): compared as placeholders.
CSRF_TOKEN = re.compile(r'(csrfmiddlewaretoken" value=")[^"]+|(csrftoken=)[^;]+')


def without_tokens(text: str) -> str:
    return CSRF_TOKEN.sub(lambda m: (m.group(1) or m.group(2)) + "<token>", text)


def answer(client: Any, method: str, path: str, **extra: Any) -> tuple[int, dict[str, str], str]:
    response = getattr(client, method)(path, **extra)
    # `Expires` is the clock's (never-cache pages); everything else must match.
    headers = {name: value for name, value in response.items() if name != "Expires"}
    cookies = {
        key: EXPIRES.sub("", morsel.OutputString()) for key, morsel in response.cookies.items()
    }
    headers["cookies"] = without_tokens(str(sorted(cookies.items())))
    return response.status_code, headers, without_tokens(response.content.decode())


@pytest.mark.parametrize("debug", [False, True])
def test_answers_are_the_stock_middlewares(api, settings, debug):
    product("kiwifruit")
    staff: Any = StaffUserFactory()
    browser = Client(raise_request_exception=False)
    browser.force_login(staff)
    session_api = APIClient()
    session_api.force_login(staff)
    requests: list[tuple[Any, str, str, dict[str, Any]]] = [
        (api, "get", "/api/v1/products/?page_size=2", {}),
        (api, "get", "/api/v1/products/kiwifruit/", {}),
        (api, "get", "/api/v1/no-such-list/", {}),
        (api, "get", "/api/v1/products/?page_size=0", {}),
        (api, "post", "/api/v1/telemetry/", {"data": "{", "content_type": "application/json"}),
        (session_api, "get", "/api/v1/products/?page_size=1", {}),
        (Client(), "get", "/api/v1/products/", {}),
        (Client(), "get", "/api/docs/", {}),
        (Client(), "get", "/admin/login/", {}),
        (browser, "get", "/admin/password_change/", {}),
        (browser, "get", "/admin/no-such-page/", {}),
    ]
    settings.DEBUG = debug
    ours = [answer(client, method, path, **extra) for client, method, path, extra in requests]
    with override_settings(MIDDLEWARE=stock_middleware(settings)):
        stock = [answer(client, method, path, **extra) for client, method, path, extra in requests]
    for request, mine, theirs in zip(requests, ours, stock, strict=True):
        assert mine == theirs, request[1:3]
    assert all("Content-Security-Policy" in headers for _, headers, _ in ours[:-1] if not debug)


def test_a_view_that_changes_its_policy_or_uses_a_nonce_still_gets_django_csp(rf, settings):
    from csp.constants import NONCE
    from csp.middleware import CSPMiddleware
    from django.http import HttpResponse

    from tradehub.ui.middleware import SettingsPolicyCSPMiddleware, settings_policies

    settings.CONTENT_SECURITY_POLICY = {
        "DIRECTIVES": {"default-src": ["'self'"], "script-src": ["'self'", NONCE]}
    }

    def headers(middleware_class: type, use_nonce: bool, response: HttpResponse) -> str:
        middleware = middleware_class(lambda request: response)
        request = rf.get("/admin/")
        middleware.process_request(request)
        if use_nonce:
            request._csp_nonce = "fixed-nonce"  # what the nonce's first use stores
        return str(middleware.process_response(request, response)["Content-Security-Policy"])

    with_nonce = headers(SettingsPolicyCSPMiddleware, True, HttpResponse("page"))
    assert "'nonce-fixed-nonce'" in with_nonce
    assert with_nonce == headers(CSPMiddleware, True, HttpResponse("page"))
    assert "nonce" not in headers(SettingsPolicyCSPMiddleware, False, HttpResponse("page"))

    def changed() -> HttpResponse:
        response = HttpResponse("page")
        response._csp_replace = {"img-src": ["https://maps.example"]}  # type: ignore[attr-defined]
        return response

    replaced = headers(SettingsPolicyCSPMiddleware, False, changed())
    assert "img-src https://maps.example" in replaced
    assert replaced == headers(CSPMiddleware, False, changed())
    # A changed setting is read again.
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"default-src": ["'none'"]}}
    assert settings_policies()[0] == "default-src 'none'"


def test_staff_pages_keep_their_messages_and_api_views_have_none(rf):
    from django.contrib.sessions.middleware import SessionMiddleware
    from django.http import HttpResponse

    from tradehub.api.middleware import StaffMessageMiddleware

    def view(request):
        messages.success(request, "Saved.")
        return HttpResponse("ok")

    messages_layer: Any = StaffMessageMiddleware(view)
    stack: Any = SessionMiddleware(messages_layer)
    response = stack(rf.get("/admin/shipments/"))
    assert "messages" in response.cookies
    with pytest.raises(MessageFailure):
        stack(rf.get("/api/v1/products/"))
