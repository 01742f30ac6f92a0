"""The `/api/v1/` router: every app's partner-facing endpoints."""

from django.urls import include, path

from .health import HealthView

app_name = "api"

urlpatterns = [
    path("health/", HealthView.as_view(), name="health"),
    path("", include("tradehub.reference.api.urls")),
    path("", include("declarations.api.urls")),
    path("", include("shipments.api.urls")),
    path("", include("tradehub.notifications.api.urls")),
]
