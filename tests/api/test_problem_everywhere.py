"""Every error under /api/ is application/problem+json, with DEBUG on (how partners test against a
development server) and off: unroutable paths, wrong methods, unacceptable or unsupported media
types and unhandled exceptions included."""

import json

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


@pytest.fixture(params=[False, True], ids=["debug-off", "debug-on"])
def debug(request, settings):
    settings.DEBUG = request.param
    return request.param


def assert_problem(response, status):
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"] == PROBLEM, response["Content-Type"]
    body = json.loads(response.content)
    assert body["status"] == status
    assert {"type", "title", "detail", "errors"} <= body.keys()
    assert b"Traceback" not in response.content and b"<html" not in response.content.lower()
    return body


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/nope/",
        "/api/v1/hs-codes/07020/",
        "/api/v1/declarations/DEC-X/nope/",
        "/api/v1/shipments/SHP-X/no-such-action/",
        "/api/nothing-here",
    ],
)
def test_unroutable_paths_are_problem_404(debug, api, path):
    assert_problem(api.get(path), 404)
    assert_problem(APIClient().get(path), 404)  # anonymous callers too
    assert_problem(api.post(path, {}, format="json"), 404)


def test_wrong_method_is_problem_405_with_allow(debug, api):
    response = api.delete("/api/v1/declarations/")
    assert_problem(response, 405)
    assert "GET" in response["Allow"]


def test_unacceptable_accept_header_is_problem_406(debug, api):
    assert_problem(api.get("/api/v1/declarations/", HTTP_ACCEPT="text/html"), 406)


def test_unsupported_content_type_is_problem_415(debug, api):
    response = api.generic("POST", "/api/v1/declarations/", "lrn=x", content_type="text/plain")
    body = assert_problem(response, 415)
    assert body["errors"][0]["pointer"] == "/"


def test_unhandled_exception_is_problem_500(debug, machinery, api):
    client = api
    client.raise_request_exception = False
    body = assert_problem(client.get("/api/v1/_test/crash/"), 500)
    assert "boom" not in body["detail"]


def test_missing_trailing_slash_on_a_post_is_a_problem(debug, api):
    # Django's APPEND_SLASH cannot redirect a POST (with DEBUG it raises): still problem+json.
    body = assert_problem(api.post("/api/v1/declarations", {}, format="json"), 404)
    assert "/api/v1/declarations/" in body["detail"]


def test_csrf_failure_of_a_session_post_is_a_problem(debug, staff_user):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(staff_user)
    response = client.post("/api/v1/webhooks/", {"url": "https://x.example"}, format="json")
    assert_problem(response, 403)


def test_pages_outside_the_api_keep_djangos_html(debug):
    response = APIClient().get("/no-such-page/")
    assert response.status_code == 404
    assert "problem" not in response["Content-Type"]
