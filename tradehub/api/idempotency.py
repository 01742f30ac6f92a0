"""`Idempotency-Key` on every POST of the partner API, as a Django middleware.

Why a middleware and not a DRF view hook: DRF has no global view base class, so a mixin would have
to be remembered on every view; a middleware covers every POST under /api/v1/ (including ones
added later) and also stores error responses produced before the view runs. DRF authenticates
inside the view, so the middleware identifies the caller itself with the very same
`ApiKeyAuthentication` class (one indexed query, keys are SHA-512 hashed) or the session user;
records are scoped per partner (`partner:<pk>`: all keys of a partner share one key space) or per
staff user (`user:<pk>`). Unauthenticated requests are passed through untouched (the view answers
401 and nothing is stored).

Semantics (see docs/API.md):
- the request runs in one transaction together with its record: the view's writes and the
  stored answer commit together, so a retry after a committed request always gets what the first
  would have answered (never a second execution, never a lost answer);
- a new key: a PostgreSQL transaction-level advisory lock on (caller, key) is taken before the
  view runs; a concurrent duplicate cannot take it and answers 409 at once (`Retry-After: 1`).
  The lock belongs to the transaction: if the request fails, the worker dies or the database
  connection drops, it is gone with it — a retry is never blocked by a key "in progress";
- the same key and the same request fingerprint (method, path with query, canonical JSON body)
  within IDEMPOTENCY_KEY_TTL_HOURS: the stored status, body and headers are replayed with
  `Idempotent-Replayed: true`, without calling the view;
- the same key with another fingerprint: 422;
- only final answers are stored (2xx, 3xx and 4xx such as a 400 or a domain 409); answers that
  depend on the moment or on credentials rather than on the request (5xx, 401, 403, 408, 412,
  425, 429) and streaming responses roll the whole request back, so it may be retried with the
  key (nothing of it was committed).
"""

import hashlib
import json
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils import timezone
from rest_framework import exceptions

from tradehub.api.authentication import ApiKeyAuthentication
from tradehub.db import try_transaction_lock
from tradehub.partners.principals import ApiClient

from .choices import IdempotencyStatus
from .exceptions import problem_response
from .models import IdempotencyRecord

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
API_PREFIX = "/api/v1/"
MAX_KEY_LENGTH = 255
# Statuses that say "try again" (or "fix your credentials / re-read the object and retry"),
# not "this is the answer": never stored. Nothing was done for any of them.
TRANSIENT_STATUSES = frozenset({401, 403, 408, 412, 425, 429})
STORED_HEADERS = ("Content-Type", "Location", "ETag", "Last-Modified", "Allow", "Content-Language")


def caller_of(request: HttpRequest) -> str | None:
    """`partner:<pk>` / `user:<pk>` for an authenticated caller, None otherwise.

    Mirrors the DRF authentication order: an `Api-Key` Authorization header wins, then the
    session (or a test client's force-authenticated user).
    """
    try:
        result = ApiKeyAuthentication().authenticate(request)
    except exceptions.AuthenticationFailed:
        return None
    if result is not None:
        client: ApiClient = result[0]
        return f"partner:{client.partner.pk}"
    user = getattr(request, "_force_auth_user", None) or getattr(request, "user", None)
    if user is not None and getattr(user, "is_authenticated", False):
        if isinstance(user, ApiClient):
            return f"partner:{user.partner.pk}"
        return f"user:{user.pk}"
    return None


def canonical_body(body: bytes) -> bytes:
    """The body as canonical JSON (sorted keys, no whitespace) if it parses, else the raw bytes,
    so a retry that re-serialises the same document differently still counts as the same."""
    try:
        document = json.loads(body)
        return json.dumps(
            document, sort_keys=True, separators=(",", ":"), ensure_ascii=False
        ).encode()
    except (ValueError, RecursionError):
        return body


def fingerprint(request: HttpRequest) -> str:
    """SHA-256 over method, full path (with query string) and the canonical body."""
    digest = hashlib.sha256()
    for part in (request.method or "", request.get_full_path()):
        digest.update(part.encode())
        digest.update(b"\x00")
    digest.update(canonical_body(request.body))
    return digest.hexdigest()


def valid_key(key: str) -> bool:
    """1-255 printable ASCII characters."""
    return 0 < len(key) <= MAX_KEY_LENGTH and all(" " <= ch <= "~" for ch in key)


def replay(record: IdempotencyRecord) -> HttpResponse:
    """The stored response, marked as a replay."""
    response = HttpResponse(bytes(record.response_body), status=record.response_status or 200)
    for name, value in (record.response_headers or {}).items():
        response[name] = value
    response[REPLAYED_HEADER] = "true"
    response[HEADER] = record.key
    return response


class IdempotencyMiddleware:
    """Replays the first response of a POST retried with the same `Idempotency-Key`."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if request.method != "POST" or not request.path.startswith(API_PREFIX):
            return self.get_response(request)  # before `request.headers`: it parses every header
        key = request.headers.get(HEADER)
        if key is None:
            return self.get_response(request)
        key = key.strip()
        if not valid_key(key):
            return problem_response(
                400,
                f"The {HEADER} header must be 1 to {MAX_KEY_LENGTH} printable ASCII characters.",
                code="invalid_idempotency_key",
            )
        caller = caller_of(request)
        if caller is None:
            return self.get_response(request)
        try:
            request_fingerprint = fingerprint(request)
        except RequestDataTooBig:
            return self.get_response(request)  # RequestSizeMiddleware answers 413
        with transaction.atomic():
            # The transaction's advisory lock on (caller, key): another request holding it
            # is still running with this key.
            if not try_transaction_lock(f"{caller}\n{key}"):
                return in_progress()
            early = self._existing(request, caller, key, request_fingerprint)
            if early is not None:
                return early
            response = self.get_response(request)
            if not self._store(request, caller, key, request_fingerprint, response):
                transaction.set_rollback(True)
        return response

    def _existing(
        self, request: HttpRequest, caller: str, key: str, request_fingerprint: str
    ) -> HttpResponseBase | None:
        """The answer from a stored record (replay or 422), or None to run the request."""
        now = timezone.now()
        existing = IdempotencyRecord.objects.filter(caller=caller, key=key).first()
        if existing is None:
            return None
        if existing.expires_at <= now or existing.status != IdempotencyStatus.COMPLETED:
            # Expired, or an "in progress" row of the former protocol: it holds no answer.
            existing.delete()
            return None
        if existing.fingerprint != request_fingerprint:
            return problem_response(
                422,
                f"This {HEADER} was already used for a different request "
                f"({existing.method} {existing.path}); use a new key for a new request.",
                code="idempotency_key_reused",
            )
        return replay(existing)

    def _store(
        self,
        request: HttpRequest,
        caller: str,
        key: str,
        request_fingerprint: str,
        response: HttpResponseBase,
    ) -> bool:
        """Store a final response in the request's transaction; False for a transient one (the
        caller then rolls the request back)."""
        status = response.status_code
        if (
            status >= 500
            or status in TRANSIENT_STATUSES
            or response.streaming
            or not isinstance(response, HttpResponse)
        ):
            return False
        now = timezone.now()
        headers = {name: response[name] for name in STORED_HEADERS if response.has_header(name)}
        IdempotencyRecord.objects.create(
            caller=caller,
            key=key,
            fingerprint=request_fingerprint,
            method=request.method or "POST",
            path=request.get_full_path()[:2048],
            status=IdempotencyStatus.COMPLETED,
            locked_at=now,
            expires_at=now + timedelta(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS),
            response_status=status,
            response_body=response.content,
            response_headers=headers,
        )
        return True


def in_progress() -> HttpResponse:
    """409 for a duplicate of a request that is still running."""
    conflict = problem_response(
        409,
        f"A request with this {HEADER} is still being processed; retry later.",
        code="idempotency_request_in_progress",
    )
    conflict["Retry-After"] = "1"
    return conflict
