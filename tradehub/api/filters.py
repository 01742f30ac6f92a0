"""Filter building blocks shared by every list endpoint."""

import django_filters


class UpdatedSinceFilterSet(django_filters.FilterSet):
    """Base filter set: every list accepts `updated_since` (ISO 8601)."""

    updated_since = django_filters.IsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")
