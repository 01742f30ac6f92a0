"""Standard Webhooks signatures and the SSRF guard on webhook URLs."""

import base64
import socket
from datetime import UTC, datetime

import pytest
from standardwebhooks.webhooks import Webhook

from tradehub.notifications.security import UnsafeURLError, resolve_webhook_url
from tradehub.notifications.signing import new_webhook_secret, signature_headers


def test_signature_matches_the_published_standard_webhooks_example():
    # The example from the Standard Webhooks specification.
    headers = signature_headers(
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        "msg_p5jXN8AQM9LWM0D4loKWxJek",
        datetime.fromtimestamp(1614265330, tz=UTC),
        '{"test": 2432232314}',
    )
    assert headers == {
        "webhook-id": "msg_p5jXN8AQM9LWM0D4loKWxJek",
        "webhook-timestamp": "1614265330",
        "webhook-signature": "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
    }


def test_signature_does_not_depend_on_the_time_zone_of_the_timestamp():
    from zoneinfo import ZoneInfo

    moment = datetime(2025, 7, 20, 15, 0, tzinfo=ZoneInfo("Asia/Almaty"))
    secret = new_webhook_secret()
    assert signature_headers(secret, "m", moment, "{}") == signature_headers(
        secret, "m", moment.astimezone(UTC), "{}"
    )


def test_new_secret_is_whsec_base64_of_32_bytes_and_verifies():
    secret = new_webhook_secret()
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"))) == 32
    now = datetime.now(UTC)
    headers = signature_headers(secret, "MSG-1", now, '{"a":1}')
    assert Webhook(secret).verify('{"a":1}', headers) == {"a": 1}


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/hook",
        "http://localhost:8080/hook",
        "http://10.1.2.3/hook",
        "http://192.168.0.10/hook",
        "http://172.16.5.4/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://[fd00::1]/hook",
        "http://0.0.0.0/hook",
        "http://100.64.0.1/hook",
        "http://240.0.0.1/hook",
    ],
)
def test_urls_resolving_to_non_public_addresses_are_refused(url):
    with pytest.raises(UnsafeURLError):
        resolve_webhook_url(url, allow_private=False)


@pytest.mark.parametrize(
    "url",
    ["ftp://example.com/x", "file:///etc/passwd", "http:///nohost", "http://u:p@93.184.215.14/"],
)
def test_malformed_or_non_http_urls_are_refused(url):
    with pytest.raises(UnsafeURLError):
        resolve_webhook_url(url, allow_private=True)


def test_a_host_with_any_private_record_is_refused(monkeypatch):
    real = socket.getaddrinfo

    def fake_getaddrinfo(host, port, *args, **kwargs):
        if host != "rebind.example.com":
            return real(host, port, *args, **kwargs)
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", port)),
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.7", port)),
        ]

    monkeypatch.setattr(socket, "getaddrinfo", fake_getaddrinfo)
    with pytest.raises(UnsafeURLError, match="not allowed") as refused:
        resolve_webhook_url("https://rebind.example.com/hook", allow_private=False)
    assert "10.0.0.7" not in str(refused.value)  # never reveal what the name resolves to


def test_public_address_is_accepted_and_pinned(monkeypatch):
    real = socket.getaddrinfo
    monkeypatch.setattr(
        socket,
        "getaddrinfo",
        lambda host, port, *a, **k: (
            [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", port))]
            if host == "hooks.example.com"
            else real(host, port, *a, **k)
        ),
    )
    target = resolve_webhook_url("https://hooks.example.com/in?x=1", allow_private=False)
    assert (target.host, target.port, target.path, target.address) == (
        "hooks.example.com",
        443,
        "/in?x=1",
        "93.184.215.14",
    )


def test_loopback_is_allowed_when_the_deployment_allows_private_urls():
    target = resolve_webhook_url("http://127.0.0.1:9/hook", allow_private=True)
    assert target.address == "127.0.0.1"
