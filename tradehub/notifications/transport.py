"""Sending one outbound message: an email over SMTP (Django mail) or a signed webhook POST."""

import json
import time
from dataclasses import dataclass
from typing import Any

import urllib3
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.utils import timezone

from .choices import DeliveryChannel
from .models import OutboundMessage
from .security import UnsafeURLError, resolve_webhook_url
from .signing import signature_headers

MAX_ERROR_BODY = 500


@dataclass
class SendResult:
    """What one attempt did: success, HTTP status (webhooks), error text, and how long it took."""

    ok: bool
    status_code: int | None = None
    error: str = ""
    duration_ms: int = 0
    permanent: bool = False


def message_id_header(message: OutboundMessage) -> str:
    """A stable RFC 5322 Message-ID per outbox message, the same on every attempt."""
    domain = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip("> ") or "tradehub.local"
    return f"<{message.reference}@{domain}>"


def webhook_body(message: OutboundMessage) -> str:
    """The exact body bytes signed and sent (stable across attempts)."""
    return json.dumps(message.payload, separators=(",", ":"), sort_keys=True, ensure_ascii=False)


def send_email(message: OutboundMessage) -> SendResult:
    """Send the rendered email; the SMTP server's acceptance is success."""
    started = time.monotonic()
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.payload.get("text", ""),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.recipient_email],
        headers={
            "Message-ID": message_id_header(message),
            "X-TradeHub-Message": message.reference,
        },
        connection=get_connection(fail_silently=False),
    )
    if message.payload.get("html"):
        email.attach_alternative(message.payload["html"], "text/html")
    try:
        email.send(fail_silently=False)
    except Exception as exc:  # any SMTP/network failure is retried
        return SendResult(False, error=f"{type(exc).__name__}: {exc}", duration_ms=_ms(started))
    return SendResult(True, duration_ms=_ms(started))


def send_webhook(message: OutboundMessage) -> SendResult:
    """POST the signed body to the subscription URL, connecting only to the vetted address."""
    started = time.monotonic()
    subscription = message.webhook
    if subscription is None:
        return SendResult(False, error="The webhook subscription was deleted.", permanent=True)
    if not subscription.is_active:
        return SendResult(False, error="The webhook subscription is inactive.", permanent=True)
    try:
        target = resolve_webhook_url(subscription.url)
    except UnsafeURLError as exc:
        return SendResult(False, error=f"Refused: {exc}", duration_ms=_ms(started))
    body = webhook_body(message)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "TradeHub-Webhooks/1",
        "Host": _host_header(target.host, target.port, target.scheme),
        **signature_headers(subscription.secret, message.reference, timezone.now(), body),
    }
    timeout = urllib3.Timeout(total=settings.WEBHOOK_TIMEOUT_SECONDS)
    pool_kwargs: dict[str, Any] = {"timeout": timeout, "retries": False, "maxsize": 1}
    pool: urllib3.HTTPConnectionPool
    # Connect to the address that passed the SSRF check (no second DNS lookup that a rebinding
    # attacker could answer differently); TLS still verifies the certificate for the host name.
    if target.scheme == "https":
        pool = urllib3.HTTPSConnectionPool(
            target.address,
            target.port,
            server_hostname=target.host,
            assert_hostname=target.host,
            **pool_kwargs,
        )
    else:
        pool = urllib3.HTTPConnectionPool(target.address, target.port, **pool_kwargs)
    try:
        response = pool.urlopen(
            "POST",
            target.path,
            body=body.encode(),
            headers=headers,
            redirect=False,
            retries=False,
            preload_content=False,
            assert_same_host=False,
        )
        snippet = response.read(MAX_ERROR_BODY, decode_content=False)
        response.release_conn()
    except Exception as exc:  # timeouts, refused connections, TLS errors: retried
        return SendResult(False, error=f"{type(exc).__name__}: {exc}", duration_ms=_ms(started))
    finally:
        pool.close()
    status = response.status
    if 200 <= status < 300:
        return SendResult(True, status_code=status, duration_ms=_ms(started))
    reason = "redirects are not followed" if 300 <= status < 400 else "non-2xx response"
    text = snippet.decode("utf-8", "replace")
    return SendResult(
        False,
        status_code=status,
        error=f"HTTP {status} ({reason}): {text}",
        duration_ms=_ms(started),
    )


def send(message: OutboundMessage) -> SendResult:
    """Deliver one message over its channel."""
    if message.channel == DeliveryChannel.EMAIL:
        return send_email(message)
    return send_webhook(message)


def _host_header(host: str, port: int, scheme: str) -> str:
    default = 443 if scheme == "https" else 80
    shown = f"[{host}]" if ":" in host else host
    return shown if port == default else f"{shown}:{port}"


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
