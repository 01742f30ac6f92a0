"""API routes of this app."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from .views import WebhookDeliveriesView, WebhookSubscriptionViewSet

router = SimpleRouter()
router.register("webhooks", WebhookSubscriptionViewSet, basename="webhook")

urlpatterns = [
    path(
        "webhooks/<str:reference>/deliveries/",
        WebhookDeliveriesView.as_view(),
        name="webhook-deliveries",
    ),
    *router.urls,
]
