"""Top-level URLs: admin, the partner API under /api/v1/, its schema and offline Swagger UI."""

from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from tradehub.api.exceptions import api_not_found, api_server_error
from tradehub.api.resolving import cached_include
from tradehub.ui.views import favicon

urlpatterns = [
    # The partner API: each path's match is remembered (tradehub.api.resolving). First: no
    # other pattern matches under /api/v1/, and each pattern tried before it cost every API
    # request a Resolver404 raised and caught.
    cached_include("api/v1/", include("tradehub.api.urls")),
    # A staff report page inside the admin's look (before the admin's catch-all patterns).
    path("admin/reports/trade/", include("declarations.admin_reports")),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up code as a script file (?script), so the
    # Content-Security-Policy needs no inline script.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="swagger-ui"),
    # The language switch in the admin header posts here (Django's set_language view).
    path("i18n/", include("django.conf.urls.i18n")),
    # Browsers ask for /favicon.ico whatever the page says: answer it instead of logging a 404.
    path("favicon.ico", favicon, name="favicon"),
    path("", RedirectView.as_view(pattern_name="admin:index")),
]

handler404 = api_not_found
handler500 = api_server_error
