"""`Authorization: Api-Key <key>` authentication for partner systems."""

from typing import Any, cast

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from .models import PartnerAPIKey
from .principals import ApiClient

KEYWORD = "Api-Key"


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """Authenticate a partner system by its hashed, revocable API key."""

    def authenticate(self, request: Any) -> tuple[ApiClient, PartnerAPIKey] | None:
        header = request.META.get("HTTP_AUTHORIZATION", "")
        scheme, _, key = header.partition(" ")
        if scheme.lower() != KEYWORD.lower():
            return None
        key = key.strip()
        if not key:
            raise exceptions.AuthenticationFailed("Empty API key.")
        try:
            # get_from_key refuses revoked keys; expiry and partner status are checked here.
            api_key = cast(PartnerAPIKey, PartnerAPIKey.objects.get_from_key(key))
        except PartnerAPIKey.DoesNotExist:
            raise exceptions.AuthenticationFailed("Invalid or revoked API key.") from None
        if api_key.has_expired or not api_key.partner.is_active:
            raise exceptions.AuthenticationFailed("API key expired or partner inactive.")
        return ApiClient(api_key=api_key, partner=api_key.partner), api_key

    def authenticate_header(self, request: Any) -> str:
        # A WWW-Authenticate value makes DRF answer 401 (not 403) when credentials are missing.
        return KEYWORD


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    """Documents the API-key scheme in the OpenAPI schema."""

    target_class = "tradehub.partners.authentication.ApiKeyAuthentication"
    name = "ApiKey"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Api-Key <key>`, issued in the admin or by `manage.py create_partner`.",
        }
