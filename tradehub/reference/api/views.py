"""Read-only reference endpoints: locations, customs offices, HS codes."""

from rest_framework import viewsets

from ..models import CustomsOffice, HsCode, Location
from .filters import CustomsOfficeFilter, HsCodeFilter, LocationFilter
from .serializers import CustomsOfficeSerializer, HsCodeSerializer, LocationSerializer


class LocationViewSet(viewsets.ReadOnlyModelViewSet[Location]):
    """UN/LOCODE locations (plus internal border-station codes), by full 5-character code."""

    queryset = Location.objects.select_related("country")
    serializer_class = LocationSerializer
    filterset_class = LocationFilter
    lookup_field = "code"
    lookup_value_regex = "[A-Za-z0-9]{5}"
    ordering = "code"


class CustomsOfficeViewSet(viewsets.ReadOnlyModelViewSet[CustomsOffice]):
    """Customs offices with their location and roles."""

    queryset = CustomsOffice.objects.select_related("location")
    serializer_class = CustomsOfficeSerializer
    filterset_class = CustomsOfficeFilter
    lookup_field = "code"
    ordering = "code"


class HsCodeViewSet(viewsets.ReadOnlyModelViewSet[HsCode]):
    """The HS 2022 nomenclature: chapters, headings and subheadings."""

    queryset = HsCode.objects.select_related("parent")
    serializer_class = HsCodeSerializer
    filterset_class = HsCodeFilter
    lookup_field = "code"
    lookup_value_regex = r"\d{2}|\d{4}|\d{6}"
    ordering = "code"
