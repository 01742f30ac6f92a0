"""The perishable product catalogue: storage conditions, shelf life and Q10 per product."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shipments.choices import EthyleneLevel, Ripeness, TempGroup
from shipments.shelf_life import (
    DEFAULT_Q10_0_10,
    DEFAULT_Q10_10_20,
    DEFAULT_Q10_20_30,
    DEFAULT_Q10_30_40,
    onset_hours_function,
)

# Excursion defaults (operating settings, not literature figures; see docs/shelf-life.md).
DEFAULT_EXCURSION_TOLERANCE_C = 0.5
DEFAULT_EXCURSION_HYSTERESIS_C = 0.3


class Product(models.Model):
    """A perishable profile: storage range, optimum, shelf life at the optimum, Q10, chilling limits."""

    code = models.SlugField(
        max_length=50,
        unique=True,
        help_text=_("Stable slug such as `kiwifruit`"),
        verbose_name=_("code"),
    )
    name = models.CharField(max_length=100, verbose_name=_("name"))
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cultivars",
        help_text=_("The product this row overrides for one cultivar (its own figures apply)"),
        verbose_name=_("parent"),
    )
    cultivar = models.CharField(max_length=100, blank=True, verbose_name=_("cultivar"))
    default_for_hs = models.BooleanField(
        default=False,
        help_text=_(
            "The product a commodity code designates when several products share its HS "
            "subheading (e.g. cherry tomatoes among the tomato ripeness stages)"
        ),
        verbose_name=_("default for its HS code"),
    )
    ripeness = models.CharField(
        max_length=20,
        blank=True,
        choices=Ripeness.choices,
        help_text=_("Where storage differs by it"),
        verbose_name=_("ripeness"),
    )
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
    # Q10 by temperature band as USDA Agriculture Handbook 66 assumes it (3.0 / 2.5 / 2.0 / 1.5); a
    # product's own values where the literature gives them (source under `sources["q10"]`).
    q10_0_10 = models.FloatField(default=DEFAULT_Q10_0_10, verbose_name=_("Q10 0–10 °C"))
    q10_10_20 = models.FloatField(default=DEFAULT_Q10_10_20, verbose_name=_("Q10 10–20 °C"))
    q10_20_30 = models.FloatField(default=DEFAULT_Q10_20_30, verbose_name=_("Q10 20–30 °C"))
    q10_30_40 = models.FloatField(default=DEFAULT_Q10_30_40, verbose_name=_("Q10 30–40 °C"))
    chilling_sensitive = models.BooleanField(default=False, verbose_name=_("chilling sensitive"))
    chilling_threshold_c = models.FloatField(
        null=True, blank=True, verbose_name=_("chilling threshold c")
    )
    chilling_onset = models.JSONField(
        default=list,
        blank=True,
        help_text=_(
            "Published chilling-injury onsets as [[°C, hours], …]: injury after that many hours "
            "at that temperature"
        ),
        verbose_name=_("chilling onset"),
    )
    killing_range_min_c = models.FloatField(
        null=True, blank=True, verbose_name=_("killing range min c")
    )
    killing_range_max_c = models.FloatField(
        null=True, blank=True, verbose_name=_("killing range max c")
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
    compatibility_group = models.CharField(
        max_length=5,
        blank=True,
        help_text=_(
            "Standard mixed-load group (McGregor 1989 / UC Davis, after Lipton & Harvey); blank: "
            "not found"
        ),
        verbose_name=_("compatibility group"),
    )
    strong_odour = models.BooleanField(
        default=False,
        help_text=_("Gives off an odour that taints others"),
        verbose_name=_("strong odour"),
    )
    odour_sensitive = models.BooleanField(
        default=False, help_text=_("Takes up odours of others"), verbose_name=_("odour sensitive")
    )
    so2_pads = models.BooleanField(
        default=False,
        help_text=_("Usually shipped with SO₂ pads, which damage other produce"),
        verbose_name=_("SO₂ pads"),
    )
    field_heat_loss_hours_per_hour = models.FloatField(
        null=True,
        blank=True,
        help_text=_(
            "Hours of storage life at the optimum lost per hour between harvest and pre-cooling "
            "at the reference field temperature (literature figure)"
        ),
        verbose_name=_("field heat loss hours per hour"),
    )
    field_heat_reference_c = models.FloatField(
        null=True, blank=True, verbose_name=_("field heat reference c")
    )
    excursion_tolerance_c = models.FloatField(
        default=DEFAULT_EXCURSION_TOLERANCE_C,
        help_text=_("A limit counts as broken only beyond it by this much (°C)"),
        verbose_name=_("excursion tolerance c"),
    )
    excursion_hysteresis_c = models.FloatField(
        default=DEFAULT_EXCURSION_HYSTERESIS_C,
        help_text=_("A breach ends only once back inside by this much more (°C)"),
        verbose_name=_("excursion hysteresis c"),
    )
    notes = models.TextField(blank=True, verbose_name=_("notes"))
    source = models.TextField(blank=True, verbose_name=_("source"))
    sources = models.JSONField(
        default=dict,
        blank=True,
        help_text=_("The source of each figure, by topic"),
        verbose_name=_("sources"),
    )
    staff_edited_fields = models.JSONField(
        default=list,
        blank=True,
        editable=False,
        help_text=_("Fields staff changed in the admin: a catalogue reload keeps them"),
        verbose_name=_("staff edited fields"),
    )
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
                condition=Q(q10_0_10__gt=0)
                & Q(q10_10_20__gt=0)
                & Q(q10_20_30__gt=0)
                & Q(q10_30_40__gt=0),
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
        onset_error = _onset_error(self.chilling_onset)
        if onset_error:
            errors["chilling_onset"] = onset_error
        if (self.killing_range_min_c is None) != (self.killing_range_max_c is None) or (
            self.killing_range_min_c is not None
            and self.killing_range_max_c is not None
            and self.killing_range_min_c > self.killing_range_max_c
        ):
            errors["killing_range_max_c"] = "Give both ends of the killing range, lower first."
        if (self.field_heat_loss_hours_per_hour is None) != (self.field_heat_reference_c is None):
            errors["field_heat_reference_c"] = (
                "Give the field-heat loss with its reference temperature."
            )
        if self.parent_id is not None and self.parent_id == self.pk:
            errors["parent"] = "A product cannot override itself."
        if self.hs_code and (len(self.hs_code) != 6 or not self.hs_code.isdigit()):
            errors["hs_code"] = "Six digits (an HS 2022 subheading)."
        if errors:
            raise ValidationError(errors)

    @property
    def storage_life_hours(self) -> float:
        """Shelf life at the optimal temperature, in hours."""
        return float(self.storage_life_days) * 24.0


def _onset_error(value: object) -> str:
    """Why a chilling-onset list is not [[°C, hours], …] with positive hours (empty when it is)."""
    message = "A list of [temperature °C, hours until injury] pairs with positive hours."
    if not isinstance(value, list):
        return message
    for pair in value:
        if (
            not isinstance(pair, list | tuple)
            or len(pair) != 2
            or not all(isinstance(x, int | float) and not isinstance(x, bool) for x in pair)
            or pair[1] <= 0
        ):
            return message
    if len({float(t) for t, _ in value}) != len(value):
        return message
    try:
        onset_hours_function(tuple((float(t), float(h)) for t, h in value))
    except (ValueError, ZeroDivisionError):
        return message
    return ""
