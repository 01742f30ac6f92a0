"""API routes of this app."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from .reports import TradeReportView
from .stock import ChildrenView, StockView
from .transit import TransitViewSet
from .views import (
    CustomsMessageView,
    DeclarationEventListView,
    DeclarationVersionDetailView,
    DeclarationVersionListView,
    DeclarationViewSet,
    DocumentFileView,
)

router = SimpleRouter()
router.register("declarations", DeclarationViewSet, basename="declaration")
router.register("transits", TransitViewSet, basename="transit")

urlpatterns = [
    path("reports/trade/", TradeReportView.as_view(), name="trade-report"),
    *router.urls,
    path(
        "declarations/<str:reference>/events/",
        DeclarationEventListView.as_view(),
        name="declaration-events",
    ),
    path(
        "declarations/<str:reference>/versions/",
        DeclarationVersionListView.as_view(),
        name="declaration-versions",
    ),
    path(
        "declarations/<str:reference>/versions/<int:version>/",
        DeclarationVersionDetailView.as_view(),
        name="declaration-version-detail",
    ),
    path(
        "declarations/<str:reference>/documents/<int:position>/file/",
        DocumentFileView.as_view(),
        name="declaration-document-file",
    ),
    path(
        "declarations/<str:reference>/stock/",
        StockView.as_view(),
        name="declaration-stock",
    ),
    path(
        "declarations/<str:reference>/children/",
        ChildrenView.as_view(),
        name="declaration-children",
    ),
    path(
        "declarations/<str:reference>/customs-messages/",
        CustomsMessageView.as_view(),
        name="declaration-customs-messages",
    ),
]
