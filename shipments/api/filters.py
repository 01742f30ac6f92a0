"""Query filters of the shipments lists."""

from typing import Any

import django_filters
from django.db.models import QuerySet

from shipments import selectors
from shipments.choices import ShipmentKind, ShipmentStatus, TempGroup
from shipments.models import Excursion, Product, Shipment, TrackingEvent
from tradehub.api.filters import IsoDateTimeFilter, UpdatedSinceFilterSet


class ProductFilter(UpdatedSinceFilterSet):
    """`?temp_group=&hs_code=&updated_since=`."""

    temp_group = django_filters.ChoiceFilter(choices=TempGroup.choices)
    hs_code = django_filters.CharFilter(method="filter_hs_code")

    class Meta:
        model = Product
        fields = ["temp_group", "hs_code", "chilling_sensitive"]

    def filter_hs_code(
        self, queryset: QuerySet[Product], name: str, value: str
    ) -> QuerySet[Product]:
        """Products of the subheading of a 6- or 10-digit commodity code."""
        return queryset.filter(hs_code=value.strip()[:6])


class ShipmentFilter(UpdatedSinceFilterSet):
    """`?status=&kind=&destination_country=&at_risk=true&updated_since=`."""

    status = django_filters.ChoiceFilter(choices=ShipmentStatus.choices)
    kind = django_filters.ChoiceFilter(choices=ShipmentKind.choices)
    destination_country = django_filters.CharFilter(method="filter_destination_country")
    destination = django_filters.CharFilter(field_name="destination__code", lookup_expr="iexact")
    declaration = django_filters.CharFilter(field_name="declaration__reference")
    partner_reference = django_filters.CharFilter()
    at_risk = django_filters.BooleanFilter(
        method="filter_at_risk", help_text="true: shipments with a lot at risk or expired"
    )
    is_overdue = django_filters.BooleanFilter()

    class Meta:
        model = Shipment
        fields = ["status", "kind", "is_overdue", "partner_reference"]

    def filter_destination_country(
        self, queryset: QuerySet[Shipment], name: str, value: str
    ) -> QuerySet[Shipment]:
        return queryset.filter(destination__country__code=value.strip().upper())

    def filter_at_risk(
        self, queryset: QuerySet[Shipment], name: str, value: Any
    ) -> QuerySet[Shipment]:
        if value is None:
            return queryset
        # Annotated here, for this filter only: the list and detail never show it.
        return selectors.with_at_risk(queryset).filter(has_lot_at_risk=bool(value))  # type: ignore[misc]


class TrackingEventFilter(django_filters.FilterSet):
    """`?updated_since=`: events TradeHub received at or after that time (late ones included)."""

    updated_since = IsoDateTimeFilter(field_name="received_at", lookup_expr="gte")

    class Meta:
        model = TrackingEvent
        fields: list[str] = []


class ExcursionFilter(UpdatedSinceFilterSet):
    """`?updated_since=`: excursions detected, extended or acknowledged since then."""

    class Meta:
        model = Excursion
        fields: list[str] = []
