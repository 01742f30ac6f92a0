"""`Authorization: Api-Key <key>` authentication for partner systems (the key check and its cache
are `tradehub.partners.authentication`)."""

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from tradehub.partners.authentication import KEYWORD, KeyRejected, lookup
from tradehub.partners.models import PartnerAPIKey
from tradehub.partners.principals import ApiClient

_REQUEST_ATTR = "_tradehub_api_key_result"


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """Authenticate a partner system by its hashed, revocable API key."""

    def authenticate(self, request: Any) -> tuple[ApiClient, PartnerAPIKey] | None:
        header = request.META.get("HTTP_AUTHORIZATION", "")
        scheme, _sep, key = header.partition(" ")
        if scheme.lower() != KEYWORD.lower():
            return None
        key = key.strip()
        if not key:
            raise exceptions.AuthenticationFailed(KeyRejected.EMPTY)
        # The idempotency middleware and DRF both authenticate one request: look it up once.
        http_request = getattr(request, "_request", request)
        memo = getattr(http_request, _REQUEST_ATTR, None)
        if memo is not None and memo[0] == key:
            client = memo[1]
        else:
            try:
                client = lookup(key)
            except KeyRejected as exc:
                raise exceptions.AuthenticationFailed(exc.args[0]) from None
            setattr(http_request, _REQUEST_ATTR, (key, client))
        return client, client.api_key

    def authenticate_header(self, request: Any) -> str:
        # A WWW-Authenticate value makes DRF answer 401 (not 403) when credentials are missing.
        return KEYWORD


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    """Documents the API-key scheme in the OpenAPI schema."""

    target_class = "tradehub.api.authentication.ApiKeyAuthentication"
    name = "ApiKey"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Api-Key <key>`, issued in the admin or by `manage.py create_partner`.",
        }
