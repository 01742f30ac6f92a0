"""Fixtures for notifications tests: a real SMTP server and a webhook receiver on loopback."""

import json
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from standardwebhooks.webhooks import Webhook, WebhookVerificationError


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class MailSink:
    """aiosmtpd handler that keeps every received message, parsed."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))  # type: ignore[arg-type]
        return "250 Message accepted for delivery"


class SmtpServer:
    """A real SMTP server on 127.0.0.1 that can be stopped and started again on the same port."""

    def __init__(self) -> None:
        self.port = free_port()
        self.sink = MailSink()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.sink, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def messages(self) -> list[EmailMessage]:
        return self.sink.messages


@pytest.fixture
def smtp_server(settings) -> Iterator[SmtpServer]:
    """aiosmtpd on a random loopback port; Django's SMTP backend points at it."""
    server = SmtpServer()
    server.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    yield server
    server.stop()


class Receiver:
    """Records webhook deliveries and verifies each with the Standard Webhooks algorithm."""

    def __init__(self) -> None:
        self.secrets: list[str] = []
        self.ids: Counter[str] = Counter()
        self.bodies: list[dict[str, Any]] = []
        self.bad_signatures = 0
        self.status = 204
        self.delay = 0.0
        self.lock = threading.Lock()
        self.server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks/tradehub?x=1"

    def handle(self, headers: dict[str, str], body: bytes) -> int:
        verified = False
        for secret in list(self.secrets):
            try:
                Webhook(secret).verify(body, headers)
                verified = True
                break
            except WebhookVerificationError:
                continue
        with self.lock:
            if not verified:
                self.bad_signatures += 1
                return 401
            if self.status < 300:
                self.ids[headers["webhook-id"]] += 1
                self.bodies.append(json.loads(body))
            return self.status


@pytest.fixture
def webhook_receiver(settings) -> Iterator[Receiver]:
    """An HTTP server in a thread on 127.0.0.1; private URLs are allowed for the test."""
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = True
    receiver = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            if receiver.delay:
                time.sleep(receiver.delay)
            status = receiver.handle({k.lower(): v for k, v in self.headers.items()}, body)
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    receiver.server = server
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield receiver
    server.shutdown()
    server.server_close()


def alert_view(**overrides: Any) -> dict[str, Any]:
    """An AlertView as the shipments app would pass it."""
    view: dict[str, Any] = {
        "reference": "ALR-TEST000001",
        "kind": "expiring_soon",
        "kind_label": "Expiring soon",
        "severity": "high",
        "message": "Lot CT-0042 has 20.5 h of shelf life left (threshold 24 h).",
        "subject": {"type": "lot", "reference": "CT-0042"},
        "created_at": "2025-07-20T10:00:00+00:00",
        "shipment": "SHP-7K2M9Q4XTB",
        "destination": "UZTAS",
        "destination_country": "UZ",
        "eta": "2025-07-22T18:00:00+05:00",
        "lot_code": "CT-0042",
        "product": "Cherry tomato",
        "remaining_shelf_life_hours": 20.5,
        "expires_at": "2025-07-21T06:30:00+00:00",
        "admin_path": "/admin/shipments/alert/1/change/",
    }
    view.update(overrides)
    return view
