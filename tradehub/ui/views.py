"""Small pages around the admin."""

from django.http import HttpRequest, HttpResponsePermanentRedirect
from django.templatetags.static import static


def favicon(request: HttpRequest) -> HttpResponsePermanentRedirect:
    """Browsers ask for /favicon.ico whatever a page links: point them at the project's icon
    (resolved per request, so the production manifest's hashed name is used)."""
    return HttpResponsePermanentRedirect(static("tradehub/favicon.svg"))
