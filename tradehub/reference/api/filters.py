"""Query filters for reference lists."""

from typing import Any

import django_filters
from django.db.models import Q, QuerySet

from tradehub.api.filters import UpdatedSinceFilterSet

from ..choices import LOCATION_FUNCTIONS
from ..models import CustomsOffice, HsCode, Location
from ..selectors import search_locations

FUNCTION_CODES = {name: code for code, name in LOCATION_FUNCTIONS.items()}


class LocationFilter(UpdatedSinceFilterSet):
    country = django_filters.CharFilter(field_name="country__code", lookup_expr="iexact")
    search = django_filters.CharFilter(method="filter_search")
    function = django_filters.ChoiceFilter(
        choices=[(name, name) for name in FUNCTION_CODES], method="filter_function"
    )

    class Meta:
        model = Location
        fields = ["country", "search", "function", "updated_since"]

    def filter_search(self, queryset: QuerySet[Location], name: str, value: str) -> Any:
        return search_locations(queryset, value)

    def filter_function(self, queryset: QuerySet[Location], name: str, value: str) -> Any:
        return queryset.filter(function__contains=FUNCTION_CODES[value])


class CustomsOfficeFilter(UpdatedSinceFilterSet):
    location = django_filters.CharFilter(field_name="location__code", lookup_expr="iexact")
    country = django_filters.CharFilter(field_name="location__country__code", lookup_expr="iexact")

    class Meta:
        model = CustomsOffice
        fields = ["location", "country", "updated_since"]


class HsCodeFilter(UpdatedSinceFilterSet):
    search = django_filters.CharFilter(method="filter_search")
    level = django_filters.TypedChoiceFilter(choices=[(2, 2), (4, 4), (6, 6)], coerce=int)
    parent = django_filters.CharFilter(field_name="parent__code")

    class Meta:
        model = HsCode
        fields = ["search", "level", "parent", "updated_since"]

    def filter_search(self, queryset: QuerySet[HsCode], name: str, value: str) -> Any:
        value = value.strip()
        return queryset.filter(Q(code__startswith=value) | Q(description__icontains=value))
