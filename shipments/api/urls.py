"""API routes of this app (the distribution route lives here: declarations <- shipments)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from shipments.alerts.api.views import AlertViewSet

from . import views

router = SimpleRouter()
router.register("products", views.ProductViewSet, basename="product")
router.register("shipments", views.ShipmentViewSet, basename="shipment")
router.register("alerts", AlertViewSet, basename="alert")

urlpatterns = [
    path("telemetry/", views.TelemetryView.as_view(), name="telemetry"),
    path(
        "lots/<str:lot_code>/reroute-options/",
        views.LotRerouteOptionsView.as_view(),
        name="lot-reroute-options",
    ),
    path(
        "shipments/<str:reference>/events/",
        views.ShipmentEventsView.as_view(),
        name="shipment-events",
    ),
    path(
        "shipments/<str:reference>/readings/",
        views.ShipmentReadingsView.as_view(),
        name="shipment-readings",
    ),
    path(
        "shipments/<str:reference>/excursions/",
        views.ShipmentExcursionsView.as_view(),
        name="shipment-excursions",
    ),
    path(
        "shipments/<str:reference>/versions/",
        views.ShipmentVersionListView.as_view(),
        name="shipment-versions",
    ),
    path(
        "shipments/<str:reference>/documents/",
        views.RequiredDocumentListView.as_view(),
        name="shipment-documents",
    ),
    path(
        "shipments/<str:reference>/documents/<int:sequence>/",
        views.RequiredDocumentDetailView.as_view(),
        name="shipment-document-detail",
    ),
    path(
        "declarations/<str:reference>/distribution/",
        views.DistributionView.as_view(),
        name="declaration-distribution",
    ),
    *router.urls,
]
