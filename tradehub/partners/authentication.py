"""The API-key check behind `Authorization: Api-Key <key>` (the DRF authentication class that
reads the header is `tradehub.api.authentication.ApiKeyAuthentication`).

Keys are checked against their stored hash once, then kept in an in-process cache so a request
does not pay two queries (key, partner) for every call. The cache is invalidated on revocation:
saving or deleting a key or a partner (revoking, expiring, deactivating) writes a new generation
token into the shared cache (Redis in production), every lookup compares its entry's token with
the current one (one Redis GET at most every API_KEY_REVOCATION_CHECK_SECONDS, default 1 s, per
process), and an entry older than
API_KEY_CACHE_SECONDS is checked against the database again in any case. Expiry dates are
compared on every request, so an expiring key stops at its time even while cached. While the
shared cache is down nothing cached is trusted: keys are checked in the database (one query) and
the cache is asked again after CACHE_RETRY_SECONDS.
"""

import hashlib
import logging
import threading
import time
import uuid
from dataclasses import dataclass
from typing import cast

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from .models import PartnerAPIKey
from .principals import ApiClient

logger = logging.getLogger(__name__)

KEYWORD = "Api-Key"
GENERATION_KEY = "partners:api-key-generation"
MAX_CACHED_KEYS = 10_000


class KeyRejected(Exception):
    """The key is unknown, revoked or expired, or its partner is inactive (the API answers 401)."""

    EMPTY = _("Empty API key.")


@dataclass(frozen=True)
class _Entry:
    client: ApiClient
    generation: str | None
    checked_at: float


_cache: dict[str, _Entry] = {}
_lock = threading.Lock()


def _digest(key: str) -> str:
    # The plain key never stays in memory as a dictionary key.
    return hashlib.sha256(key.encode()).hexdigest()


_UNAVAILABLE = "\x00unavailable"
# After a failed read of the token the shared cache is not asked again for this long (a frozen
# Redis costs one CACHE_SOCKET_TIMEOUT per process every this many seconds, not every request).
CACHE_RETRY_SECONDS = 10.0
_cache_down_until = 0.0


@dataclass
class _Token:
    value: str | None = None
    read_at: float = -1e9


_token = _Token()


def current_generation() -> str | None:
    """The shared generation token; `_UNAVAILABLE` while the shared cache fails (then nothing
    cached is trusted and every request checks its key in the database). The token read is
    reused for API_KEY_REVOCATION_CHECK_SECONDS (0: read on every request), so a revocation in
    another process reaches this one within that time; in the revoking process at once."""
    global _cache_down_until
    now = time.monotonic()
    if now < _cache_down_until:
        return _UNAVAILABLE
    if now - _token.read_at < settings.API_KEY_REVOCATION_CHECK_SECONDS:
        return _token.value
    try:
        value = cache.get(GENERATION_KEY)
    except Exception:  # a stopped Redis must not fail authentication
        _cache_down_until = now + CACHE_RETRY_SECONDS
        logger.warning("API-key cache: shared cache unavailable; keys checked in the database")
        return _UNAVAILABLE
    _token.value = None if value is None else str(value)
    _token.read_at = now
    return _token.value


def invalidate_cached_keys() -> None:
    """Every process drops its cached keys at its next request (called on key/partner writes),
    again once the writing transaction commits so nobody caches the pre-commit state."""

    def bump() -> None:
        with _lock:
            _cache.clear()
        _token.read_at = -1e9  # read the new token at the next request
        try:
            cache.set(GENERATION_KEY, uuid.uuid4().hex, timeout=None)
        except Exception:
            # The shared cache is down: other processes check keys in the database until it
            # is back (current_generation), and a new token is written by the next write.
            logger.warning("API-key cache generation not written: the shared cache is down")

    bump()
    transaction.on_commit(bump)


def lookup(key: str) -> ApiClient:
    """The caller of a valid, unrevoked key (cached), or KeyRejected."""
    digest = _digest(key)
    generation = current_generation()
    now = time.monotonic()
    entry = _cache.get(digest)
    if (
        entry is not None
        and generation != _UNAVAILABLE
        and entry.generation == generation
        and now - entry.checked_at < settings.API_KEY_CACHE_SECONDS
    ):
        client = entry.client
    else:
        try:
            # get_from_key refuses revoked keys; expiry and partner status are checked below.
            api_key = cast(PartnerAPIKey, PartnerAPIKey.objects.get_from_key(key))
        except PartnerAPIKey.DoesNotExist:
            raise KeyRejected(_("Invalid or revoked API key.")) from None
        client = ApiClient(api_key=api_key, partner=api_key.partner)
        if generation == _UNAVAILABLE:
            with _lock:  # a revocation during the outage may not have reached the token
                _cache.clear()
        else:
            with _lock:
                if len(_cache) >= MAX_CACHED_KEYS:
                    _cache.clear()
                _cache[digest] = _Entry(client, generation, now)
    if client.api_key.has_expired or not client.partner.is_active:
        raise KeyRejected(_("API key expired or partner inactive."))
    return client
