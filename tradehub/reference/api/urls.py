"""API routes of the reference app."""

from rest_framework.routers import SimpleRouter

from .views import CustomsOfficeViewSet, HsCodeViewSet, LocationViewSet

router = SimpleRouter()
router.register("locations", LocationViewSet, basename="location")
router.register("customs-offices", CustomsOfficeViewSet, basename="customs-office")
router.register("hs-codes", HsCodeViewSet, basename="hs-code")

urlpatterns = router.urls
