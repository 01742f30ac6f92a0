"""Query filters for reference lists."""

from typing import Any

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from tradehub.api.filters import UpdatedSinceFilterSet

from ..choices import LOCATION_FUNCTIONS
from ..models import CustomsOffice, EaeuCommodityCode, HsCode, Location
from ..selectors import compact_code, search_locations

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


class CommodityCodePrefixField(forms.CharField):
    """2 to 10 digits; the spaces and dots people write ("0702 00", "0702.00") are dropped."""

    def to_python(self, value: Any) -> str:
        value = compact_code(super().to_python(value) or "")
        if value and not (value.isdigit() and 2 <= len(value) <= 10):
            raise ValidationError(
                _("Give 2 to 10 digits of a commodity code (e.g. 0702 or 0702000005)."),
                code="invalid_commodity_code",
            )
        return value


class CommodityCodePrefixFilter(django_filters.CharFilter):
    field_class = CommodityCodePrefixField


# The day a code must be valid on: asking with it switches the list to EAEU 10-digit codes.
ON_HELP = _("YYYY-MM-DD: list the EAEU 10-digit codes valid on that day (seasonal codes included)")


class HsCodeFilter(UpdatedSinceFilterSet):
    search = django_filters.CharFilter(method="filter_search")
    code = CommodityCodePrefixFilter(field_name="code", lookup_expr="startswith")
    level = django_filters.TypedChoiceFilter(choices=[(2, 2), (4, 4), (6, 6), (10, 10)], coerce=int)
    parent = django_filters.CharFilter(field_name="parent__code")
    # Handled by the view (it selects the EAEU list); declared so it is validated and documented.
    on = django_filters.DateFilter(method="filter_nothing", help_text=ON_HELP)

    class Meta:
        model = HsCode
        fields = ["search", "code", "level", "parent", "on", "updated_since"]

    def filter_search(self, queryset: QuerySet[HsCode], name: str, value: str) -> Any:
        value = value.strip()
        return queryset.filter(Q(code__startswith=value) | Q(description__icontains=value))

    def filter_nothing(self, queryset: QuerySet[Any], name: str, value: Any) -> Any:
        return queryset


class EaeuCodeFilter(UpdatedSinceFilterSet):
    """The same parameters over the EAEU 10-digit codes: `on` keeps those valid on that day."""

    search = django_filters.CharFilter(method="filter_search")
    code = CommodityCodePrefixFilter(field_name="code", lookup_expr="startswith")
    level = django_filters.TypedChoiceFilter(
        choices=[(2, 2), (4, 4), (6, 6), (10, 10)], coerce=int, method="filter_level"
    )
    parent = django_filters.CharFilter(field_name="hs_subheading__code")
    on = django_filters.DateFilter(method="filter_on", help_text=ON_HELP)

    class Meta:
        model = EaeuCommodityCode
        fields = ["search", "code", "level", "parent", "on", "updated_since"]

    def filter_search(self, queryset: QuerySet[EaeuCommodityCode], name: str, value: str) -> Any:
        value = value.strip()
        return queryset.filter(
            Q(code__startswith=compact_code(value) or value)
            | Q(description__icontains=value)
            | Q(description_en__icontains=value)
        )

    def filter_level(self, queryset: QuerySet[EaeuCommodityCode], name: str, value: int) -> Any:
        # Every row here is a 10-digit code: another level asks for nothing.
        return queryset if value == 10 else queryset.none()

    def filter_on(self, queryset: QuerySet[EaeuCommodityCode], name: str, value: Any) -> Any:
        return queryset.valid_on(value)  # type: ignore[attr-defined]
