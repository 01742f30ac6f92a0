"""Staff pages follow the chosen language; the partner API stays English (docs/API.md)."""

from django.conf import settings
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
