"""Staff pages follow the browser's language; the partner API stays English."""

import logging

import pytest


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("accept", "expected"),
    [("ru-RU,ru;q=0.9", "Войти"), ("zh-CN,zh;q=0.9", "登录"), ("en-US", "Log in")],
    ids=["ru", "zh", "en"],
)
def test_admin_login_page_in_the_browsers_language(client, accept, expected):
    response = client.get("/admin/login/", HTTP_ACCEPT_LANGUAGE=accept)
    assert response.status_code == 200
    assert expected in response.content.decode()


@pytest.mark.django_db
def test_api_answers_english_whatever_the_client_language(client):
    response = client.get("/api/v1/shipments/", HTTP_ACCEPT_LANGUAGE="ru")
    assert response.status_code in (401, 403)
    body = response.json()
    assert "credentials" in body["detail"].lower()  # DRF's English text, not its Russian one
    assert "Content-Language" not in response.headers


@pytest.mark.django_db
def test_favicon_answers_without_logging_a_warning(client, caplog):
    with caplog.at_level(logging.WARNING):
        response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith("tradehub/favicon.svg")
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
