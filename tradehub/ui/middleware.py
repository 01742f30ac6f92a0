"""Staff pages follow the chosen language; the partner API stays English (docs/API.md). The
Content-Security-Policy header of every answer."""

import functools

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject, CSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponseBase
from django.middleware.locale import LocaleMiddleware
from django.utils import translation

API_PREFIX = "/api/"


class StaffLocaleMiddleware(LocaleMiddleware):
    """Django's LocaleMiddleware (language switch, then `Accept-Language`) for the admin and
    every page staff read; requests under `/api/` always get `LANGUAGE_CODE`, so a partner's
    error messages and field names never change with its HTTP client's language."""

    def process_request(self, request: HttpRequest) -> None:
        if request.path_info.startswith(API_PREFIX):
            translation.activate(settings.LANGUAGE_CODE)
            request.LANGUAGE_CODE = settings.LANGUAGE_CODE  # type: ignore[attr-defined]
            return
        super().process_request(request)

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if request.path_info.startswith(API_PREFIX):
            return response
        return super().process_response(request, response)  # type: ignore[return-value]


# The attributes through which a view (django-csp's decorators) changes a response's policy.
_PER_RESPONSE_POLICY = (
    "_csp_config",
    "_csp_update",
    "_csp_replace",
    "_csp_config_ro",
    "_csp_update_ro",
    "_csp_replace_ro",
)


@functools.cache
def settings_policies() -> tuple[str, tuple[str, ...], str, tuple[str, ...]]:
    """(policy, its excluded path prefixes, report-only policy, its prefixes) from the settings,
    as django-csp builds them for a response that changes nothing and uses no nonce."""
    policy = getattr(settings, "CONTENT_SECURITY_POLICY", None) or {}
    report_only = getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None) or {}
    return (
        build_policy(),
        tuple(policy.get("EXCLUDE_URL_PREFIXES", None) or ()),
        build_policy(report_only=True),
        tuple(report_only.get("EXCLUDE_URL_PREFIXES", None) or ()),
    )


@receiver(setting_changed)
def _forget_policies(*, setting: str, **kwargs: object) -> None:
    if setting.startswith("CONTENT_SECURITY_POLICY"):
        settings_policies.cache_clear()


class SettingsPolicyCSPMiddleware(CSPMiddleware):
    """django-csp's middleware, with the policy of the settings built once per process.

    django-csp builds the header from the settings for every response (copies, sorting, joins:
    0.1 ms of CPU per API request). Unless the view changed the policy of its response or the
    page asked for a nonce, the header is the settings' policy, the same string every time; such
    responses get it from `settings_policies`, others go through django-csp as before
    (`tests/test_security.py` compares the headers of both)."""

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if getattr(request, "_csp_nonce", None) is not None or any(
            getattr(response, name, None) is not None for name in _PER_RESPONSE_POLICY
        ):
            return super().process_response(request, response)
        if response.status_code in (500, 404) and settings.DEBUG:
            return response
        policy, prefixes, report_only, report_only_prefixes = settings_policies()
        path = request.path_info
        if (
            policy
            and HEADER not in response
            and getattr(response, "_csp_exempt", False) is False
            and not path.startswith(prefixes)
        ):
            response[HEADER] = policy
        if (
            report_only
            and HEADER_REPORT_ONLY not in response
            and getattr(response, "_csp_exempt_ro", False) is False
            and not path.startswith(report_only_prefixes)
        ):
            response[HEADER_REPORT_ONLY] = report_only
        # As django-csp does: a nonce asked for after the header is written is an error.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)  # type: ignore[attr-defined]
        return response
