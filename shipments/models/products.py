"""The perishable product catalogue: storage conditions, shelf life and Q10 per product."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shipments.choices import EthyleneLevel, TempGroup
from shipments.shelf_life import DEFAULT_Q10_0_10, DEFAULT_Q10_10_20, DEFAULT_Q10_20_30


class Product(models.Model):
    """A perishable profile: storage range, optimum, shelf life at the optimum, Q10, chilling limits."""

    code = models.SlugField(
        max_length=50,
        unique=True,
        help_text=_("Stable slug such as `kiwifruit`"),
        verbose_name=_("code"),
    )
    name = models.CharField(max_length=100, verbose_name=_("name"))
    hs_code = models.CharField(
        max_length=6,
        db_index=True,
        help_text=_("HS 2022 subheading (6 digits)"),
        verbose_name=_("hs code"),
    )
    temp_group = models.CharField(
        max_length=1, choices=TempGroup.choices, verbose_name=_("temp group")
    )
    storage_temp_min_c = models.FloatField(verbose_name=_("storage temp min c"))
    storage_temp_max_c = models.FloatField(verbose_name=_("storage temp max c"))
    storage_temp_optimal_c = models.FloatField(verbose_name=_("storage temp optimal c"))
    rh_min_pct = models.FloatField(null=True, blank=True, verbose_name=_("rh min pct"))
    rh_max_pct = models.FloatField(null=True, blank=True, verbose_name=_("rh max pct"))
    highest_freezing_point_c = models.FloatField(
        null=True, blank=True, verbose_name=_("highest freezing point c")
    )
    storage_life_days = models.PositiveIntegerField(
        help_text=_("Days of shelf life at the optimum"), verbose_name=_("storage life days")
    )
    # Q10 by temperature band (USDA Agriculture Handbook 66): how many times faster shelf life is
    # used up for every 10 °C warmer. The defaults (3.0 / 2.5 / 1.9, inside the Handbook's ranges)
    # reproduce its relative shelf-life table: 0 °C = 100, 10 °C = 33, 20 °C = 13, 30 °C = 7.
    q10_0_10 = models.FloatField(default=DEFAULT_Q10_0_10, verbose_name=_("Q10 0–10 °C"))
    q10_10_20 = models.FloatField(default=DEFAULT_Q10_10_20, verbose_name=_("Q10 10–20 °C"))
    q10_20_30 = models.FloatField(default=DEFAULT_Q10_20_30, verbose_name=_("Q10 20–30 °C"))
    chilling_sensitive = models.BooleanField(default=False, verbose_name=_("chilling sensitive"))
    chilling_threshold_c = models.FloatField(
        null=True, blank=True, verbose_name=_("chilling threshold c")
    )
    ethylene_production = models.CharField(
        max_length=10,
        choices=EthyleneLevel.choices,
        default=EthyleneLevel.NONE,
        verbose_name=_("ethylene production"),
    )
    ethylene_sensitivity = models.CharField(
        max_length=10,
        choices=EthyleneLevel.choices,
        default=EthyleneLevel.NONE,
        verbose_name=_("ethylene sensitivity"),
    )
    notes = models.TextField(blank=True, verbose_name=_("notes"))
    source = models.TextField(blank=True, verbose_name=_("source"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(storage_temp_min_c__lte=models.F("storage_temp_max_c")),
                name="product_storage_range_ordered",
            ),
            models.CheckConstraint(
                condition=Q(storage_life_days__gt=0), name="product_storage_life_positive"
            ),
            models.CheckConstraint(
                condition=Q(q10_0_10__gt=0) & Q(q10_10_20__gt=0) & Q(q10_20_30__gt=0),
                name="product_q10_positive",
            ),
            models.CheckConstraint(
                condition=Q(chilling_sensitive=False) | Q(chilling_threshold_c__isnull=False),
                name="product_chilling_threshold_set",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.storage_temp_min_c is not None and self.storage_temp_max_c is not None:
            if self.storage_temp_min_c > self.storage_temp_max_c:
                errors["storage_temp_max_c"] = "The maximum must not be below the minimum."
            elif self.storage_temp_optimal_c is not None and not (
                self.storage_temp_min_c <= self.storage_temp_optimal_c <= self.storage_temp_max_c
            ):
                errors["storage_temp_optimal_c"] = "The optimum must lie inside the storage range."
        if self.chilling_sensitive and self.chilling_threshold_c is None:
            errors["chilling_threshold_c"] = "A chilling-sensitive product needs a threshold."
        if self.hs_code and (len(self.hs_code) != 6 or not self.hs_code.isdigit()):
            errors["hs_code"] = "Six digits (an HS 2022 subheading)."
        if errors:
            raise ValidationError(errors)

    @property
    def storage_life_hours(self) -> float:
        """Shelf life at the optimal temperature, in hours."""
        return float(self.storage_life_days) * 24.0
