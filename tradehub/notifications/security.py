"""SSRF guard for webhook URLs: only http(s) to public addresses, checked by resolving DNS."""

import ipaddress
import logging
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

logger = logging.getLogger(__name__)


class UnsafeURLError(ValueError):
    """The URL is malformed, or resolves to an address that webhooks may not call."""


@dataclass(frozen=True)
class ResolvedURL:
    """A webhook target with the address it was checked against (connect to exactly that one)."""

    scheme: str
    host: str
    port: int
    path: str
    address: str


def _forbidden(address: str) -> bool:
    """True for loopback, private, link-local, multicast, reserved and other non-global addresses."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return (
        not ip.is_global
        or ip.is_loopback
        or ip.is_private
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    )


def resolve_webhook_url(url: str, *, allow_private: bool | None = None) -> ResolvedURL:
    """Parse and resolve `url`; refuse it unless every address it resolves to is public.

    Every address must pass (not just the first): a host with one public and one private
    record would otherwise let the second be used at connection time.
    """
    if allow_private is None:
        allow_private = settings.WEBHOOKS_ALLOW_PRIVATE_URLS
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UnsafeURLError(f"Not a valid URL: {exc}.") from exc
    if parts.scheme not in ("http", "https"):
        raise UnsafeURLError("Only http and https URLs are allowed.")
    host = parts.hostname
    if not host:
        raise UnsafeURLError("The URL has no host.")
    if parts.username or parts.password:
        raise UnsafeURLError("Credentials in the URL are not allowed.")
    port = port or (443 if parts.scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise UnsafeURLError(f"The host {host!r} cannot be resolved.") from exc
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if not addresses:
        raise UnsafeURLError(f"The host {host!r} cannot be resolved.")
    if not allow_private:
        bad = [a for a in addresses if _forbidden(a)]
        if bad:
            # The message never names the address: it would tell a partner what internal
            # addresses exist behind a host name. Operators find it in the log.
            logger.warning("Webhook host %r refused: resolves to %s", host, ", ".join(bad))
            raise UnsafeURLError(
                f"The host {host!r} is not allowed: webhooks may only call public addresses."
            )
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return ResolvedURL(parts.scheme, host, port, path, addresses[0])
