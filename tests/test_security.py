"""Security: admin login lockout, Content-Security-Policy, bad numbers, clean email text."""

from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from tests.factories import StaffUserFactory
from tests.notifications.conftest import alert_view
from tradehub.notifications.emails import clean_text, render_alert_email

PASSWORD = "correct horse battery staple"

pytestmark = pytest.mark.django_db


def login(client: Client, username: str, password: str):
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": username, "password": password},
        REMOTE_ADDR="203.0.113.9",
    )


def test_admin_login_locks_after_the_failure_limit_even_for_the_right_password(settings):
    settings.AXES_FAILURE_LIMIT = 5
    user: Any = StaffUserFactory()
    client = Client()
    for _ in range(4):
        assert login(client, user.username, "wrong").status_code == 200  # the form again
    locked = login(client, user.username, "wrong")
    assert locked.status_code == 429
    assert b"Too many failed logins" in locked.content
    assert b"axes_reset_username" in locked.content
    right = login(client, user.username, PASSWORD)
    assert right.status_code == 429
    assert "_auth_user_id" not in client.session

    call_command("axes_reset_username", user.username)
    unlocked = login(client, user.username, PASSWORD)
    assert unlocked.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_one_address_guessing_many_usernames_is_locked_too(settings):
    settings.AXES_FAILURE_LIMIT = 5
    client = Client()
    for index in range(5):
        login(client, f"guess{index}", "wrong")
    user: Any = StaffUserFactory()
    assert login(client, user.username, PASSWORD).status_code == 429
    call_command("axes_reset_ip", "203.0.113.9")
    assert login(client, user.username, PASSWORD).status_code == 302


@pytest.mark.parametrize("path", ["/admin/login/", "/api/docs/", "/api/v1/health/"])
def test_content_security_policy_forbids_inline_and_foreign_scripts(client, path):
    response = client.get(path)
    policy = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert directives["script-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"


def test_swagger_ui_starts_from_a_script_file_not_inline_code(client):
    page = client.get("/api/docs/").content.decode()
    assert "<script>" not in page.replace(" ", "")
    assert "?script" in page
    script = client.get("/api/docs/?script")
    assert script.status_code == 200
    assert "SwaggerUIBundle" in script.content.decode()


def test_a_4001_digit_temperature_is_400_with_a_pointer(api, partner):
    from tests.shipments.factories import make_shipment

    shipment = make_shipment(partner)
    row = (
        f'{{"shipment": "{shipment.reference}", "sensor_id": "S1", '
        f'"recorded_at": "2025-07-21T07:00:00+05:00", "temperature_c": {"9" * 4001}}}'
    )
    body = f'{{"readings": [{row}]}}'
    response = api.post("/api/v1/telemetry/", body, content_type="application/json")
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["pointer"] == "/readings/0/temperature_c"
    assert error["code"] == "out_of_range"


def test_1e400_is_400_with_a_pointer(api):
    response = api.post(
        "/api/v1/telemetry/", '{"readings": [1e400]}', content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["pointer"] == "/readings/0"


def test_control_characters_never_reach_an_email():
    assert clean_text("LOT-1\r\nBcc: victim@example.com") == "LOT-1 Bcc: victim@example.com"
    assert clean_text("A\x00\x1b[31mB\u202eC\tD") == "A [31mB C D"
    view: Any = alert_view(
        lot_code="CT-1\nURGENT: wire money to X", message="Lot CT-1\r\nforged line"
    )
    rendered = render_alert_email(view)
    assert "CT-1 URGENT: wire money to X" in rendered["text"]
    assert "\nURGENT" not in rendered["text"]
    assert "\nforged line" not in rendered["text"]
    assert "\n" not in rendered["subject"]
