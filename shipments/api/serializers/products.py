"""Products: the perishable profiles (`/products/`)."""

from rest_framework import serializers

from shipments.models import Product
from tradehub.api.serializers import StrictModelSerializer


class ProductSerializer(StrictModelSerializer[Product]):
    """A perishable profile."""

    # DRF takes declared fields off the class, so the name does not shadow Field.parent at runtime.
    parent = serializers.CharField(  # type: ignore[assignment]
        source="parent.code", read_only=True, allow_null=True, default=None
    )

    class Meta:
        model = Product
        fields = [
            "code",
            "name",
            "hs_code",
            "temp_group",
            "storage_temp_min_c",
            "storage_temp_max_c",
            "storage_temp_optimal_c",
            "storage_life_days",
            "chilling_sensitive",
            "chilling_threshold_c",
            "highest_freezing_point_c",
            "rh_min_pct",
            "rh_max_pct",
            "q10_0_10",
            "q10_10_20",
            "q10_20_30",
            "q10_30_40",
            "chilling_onset",
            "killing_range_min_c",
            "killing_range_max_c",
            "ripeness",
            "cultivar",
            "parent",
            "compatibility_group",
            "strong_odour",
            "odour_sensitive",
            "so2_pads",
            "ethylene_production",
            "ethylene_sensitivity",
            "notes",
            "source",
            "sources",
            "updated_at",
        ]
        read_only_fields = fields
