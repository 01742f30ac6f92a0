"""Reference data: countries, effective-dated customs unions, locations, customs offices, HS codes,
the EAEU 10-digit nomenclature and the EAEU list of phytosanitary regulated products."""

import datetime as dt
from typing import Self, TypeVar

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .choices import (
    LOCATION_FUNCTIONS,
    OnwardProcedure,
    Relation,
    RequiredDocumentType,
    RouteMode,
)

_Row = TypeVar("_Row", bound=models.Model)


class Country(models.Model):
    """An ISO 3166-1 alpha-2 country."""

    code = models.CharField(max_length=2, unique=True)
    name = models.CharField(max_length=100)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "countries"

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class CustomsUnion(models.Model):
    """A customs union such as the EAEU: goods released in one member circulate freely in all."""

    code = models.CharField(max_length=10, unique=True)
    name = models.CharField(max_length=200)
    commodity_code_digits = models.PositiveSmallIntegerField(
        default=6,
        help_text=_("Digits of the commodity code its declarations need (EAEU: 10)"),
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.code


def month_day(day: dt.date) -> int:
    """A date's place in the year as MMDD (15 July -> 715), the form seasonal windows are kept in."""
    return day.month * 100 + day.day


def in_effect(day: dt.date) -> Q:
    """Rows whose `valid_from`/`valid_to` range (`valid_to` open when null) includes the day."""
    return Q(valid_from__lte=day) & (Q(valid_to__isnull=True) | Q(valid_to__gte=day))


def valid_range(name: str) -> models.CheckConstraint:
    """The constraint every effective-dated table has: `valid_to`, when given, is not before
    `valid_from`."""
    return models.CheckConstraint(
        condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")), name=name
    )


class EffectiveDatedQuerySet(models.QuerySet[_Row]):
    """Rows with a `valid_from`/`valid_to` range, filtered by the day they apply to."""

    def effective_on(self, day: dt.date) -> Self:
        return self.filter(in_effect(day))


class CustomsUnionMembershipQuerySet(EffectiveDatedQuerySet["CustomsUnionMembership"]):
    """Filters memberships by the date they apply to."""


class CustomsUnionMembership(models.Model):
    """A country's membership of a customs union between two dates (open-ended when still a member)."""

    union = models.ForeignKey(CustomsUnion, on_delete=models.CASCADE, related_name="memberships")
    country = models.ForeignKey(Country, on_delete=models.CASCADE, related_name="union_memberships")
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CustomsUnionMembershipQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["union", "country", "valid_from"], name="union_membership_unique_start"
            ),
            valid_range("union_membership_valid_range"),
        ]

    def __str__(self) -> str:
        return f"{self.country.code} in {self.union.code} from {self.valid_from}"


class Location(models.Model):
    """A place keyed by its full 5-character UN/LOCODE (KZALA), or an internal code where none exists."""

    code = models.CharField(max_length=5, unique=True)
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="locations")
    name = models.CharField(max_length=120)
    name_ascii = models.CharField(max_length=120, db_index=True)
    subdivision = models.CharField(max_length=3, blank=True)
    function = models.CharField(max_length=8, blank=True, help_text="UN/LOCODE function string")
    status = models.CharField(max_length=2, blank=True)
    iata = models.CharField(max_length=3, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    timezone = models.CharField(max_length=64, default="UTC")
    is_internal = models.BooleanField(
        default=False, help_text="An internal code for a place UN/LOCODE lacks"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def functions(self) -> list[str]:
        """The UN/LOCODE function string as names: ["rail", "road", ...]."""
        return [LOCATION_FUNCTIONS[c] for c in self.function if c in LOCATION_FUNCTIONS]


class CustomsOffice(models.Model):
    """A customs office: where declarations are lodged, borders crossed or goods arrive."""

    code = models.CharField(max_length=8, unique=True)
    name = models.CharField(max_length=200)
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="customs_offices")
    roles = models.JSONField(
        default=list, help_text='Any of "declaration", "border", "destination"'
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class HsCode(models.Model):
    """A node of the HS 2022 nomenclature: chapter (2 digits), heading (4) or subheading (6)."""

    code = models.CharField(max_length=6, unique=True)
    description = models.TextField()
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    level = models.PositiveSmallIntegerField()
    section = models.CharField(max_length=5, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]
        verbose_name = "HS code"
        constraints = [
            models.CheckConstraint(condition=Q(level__in=[2, 4, 6]), name="hscode_level_valid")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.description[:60]}"


class OnwardProcedureRule(models.Model):
    """What a destination needs from goods declared in a country: the onward procedure, the
    declaration that takes them out of customs control, and the documents, by how the destination
    stands to that country (same country, same customs union, third country). Effective-dated."""

    from_country = models.ForeignKey(
        Country, on_delete=models.CASCADE, related_name="onward_procedure_rules"
    )
    relation = models.CharField(max_length=16, choices=Relation.choices)
    procedure = models.CharField(max_length=32, choices=OnwardProcedure.choices)
    child_procedure = models.CharField(
        max_length=20, help_text="The declaration that takes stock out of customs control"
    )
    from_free_circulation = models.BooleanField(
        help_text="Goods already released for free circulation may go this way"
    )
    documents = models.JSONField(default=list, help_text='[{"type", "when"}]')
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True)
    source = models.TextField()
    updated_at = models.DateTimeField(auto_now=True)

    objects = EffectiveDatedQuerySet.as_manager()

    class Meta:
        ordering = ["from_country", "relation", "valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["from_country", "relation", "valid_from"], name="onwardrule_unique_start"
            ),
            valid_range("onwardrule_valid_range"),
        ]

    def __str__(self) -> str:
        return f"{self.from_country_id} {self.relation}: {self.procedure} from {self.valid_from}"


class RouteRule(models.Model):
    """The countries goods cross between two countries by one mode, in order (empty: a direct
    border), and the border crossing they leave by. Effective-dated."""

    from_country = models.ForeignKey(Country, on_delete=models.CASCADE, related_name="routes_from")
    to_country = models.ForeignKey(Country, on_delete=models.CASCADE, related_name="routes_to")
    mode = models.CharField(max_length=8, choices=RouteMode.choices)
    transit_countries = models.JSONField(default=list, blank=True, help_text="ISO codes, in order")
    # Where two routes serve a pair (Dushanbe through Uzbekistan or through Kyrgyzstan), the
    # usual one is rank 1 and is taken unless a distribution asks for another (`via`).
    rank = models.PositiveSmallIntegerField(
        default=1, help_text="1: the usual route; 2, 3: alternatives a distribution may ask for"
    )
    exit_point = models.CharField(max_length=120, blank=True, help_text="Where the route leaves")
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True)
    source = models.TextField()
    updated_at = models.DateTimeField(auto_now=True)

    objects = EffectiveDatedQuerySet.as_manager()

    class Meta:
        ordering = ["from_country", "to_country", "mode", "rank", "valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["from_country", "to_country", "mode", "rank", "valid_from"],
                name="routerule_unique_start_per_rank",
            ),
            valid_range("routerule_valid_range"),
        ]

    def __str__(self) -> str:
        via = "-".join(self.transit_countries) or "direct"
        return f"{self.from_country_id}->{self.to_country_id} {self.mode} via {via}"


class TransitDocumentRule(models.Model):
    """The transit document goods need to cross a country by one mode (TIR carnet, national
    transit declaration). Effective-dated."""

    country = models.ForeignKey(Country, on_delete=models.CASCADE, related_name="transit_rules")
    mode = models.CharField(max_length=8, choices=RouteMode.choices)
    document = models.CharField(max_length=40, choices=RequiredDocumentType.choices)
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True)
    source = models.TextField()
    updated_at = models.DateTimeField(auto_now=True)

    objects = EffectiveDatedQuerySet.as_manager()

    class Meta:
        ordering = ["country", "mode", "valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["country", "mode", "valid_from"], name="transitdocrule_unique_start"
            ),
            valid_range("transitdocrule_valid_range"),
        ]

    def __str__(self) -> str:
        return f"{self.country_id} {self.mode}: {self.document}"


class ReferenceDataset(models.Model):
    """Which version (checksum) of each shipped data file is loaded, so a reload can skip work."""

    name = models.CharField(max_length=50, unique=True)
    checksum = models.CharField(max_length=64)
    rows = models.PositiveIntegerField()
    loaded_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.rows} rows)"


class EaeuCommodityCodeQuerySet(EffectiveDatedQuerySet["EaeuCommodityCode"]):
    """Filters EAEU commodity codes by the day a declaration is made."""

    def valid_on(self, day: dt.date) -> "EaeuCommodityCodeQuerySet":
        """Codes in force on the day and, for seasonal codes, inside their day-of-year window
        (a window may wrap the new year: 1 October to 31 March is start 1001, end 331)."""
        md = month_day(day)
        plain = Q(season_start__isnull=True)
        within = Q(season_start__lte=models.F("season_end")) & Q(
            season_start__lte=md, season_end__gte=md
        )
        wrapping = Q(season_start__gt=models.F("season_end")) & (
            Q(season_start__lte=md) | Q(season_end__gte=md)
        )
        return self.effective_on(day).filter(plain | within | wrapping)

    def under(self, prefix: str) -> "EaeuCommodityCodeQuerySet":
        """Codes that start with the prefix (a chapter, heading, subheading or 8-digit line)."""
        return self.filter(code__startswith=prefix)


class EaeuCommodityCode(models.Model):
    """A 10-digit code of the EAEU nomenclature (ЕТН ВЭД ЕАЭС) in force between two dates and,
    for a seasonal subheading, only inside a recurring day-of-year window."""

    code = models.CharField(max_length=10)
    hs_subheading = models.ForeignKey(
        HsCode,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="eaeu_codes",
        help_text=_("The HS 2022 subheading (first 6 digits)"),
    )
    description = models.TextField(help_text=_("Russian, self-contained: heading — line"))
    line = models.TextField(
        blank=True, help_text=_("The official text of the line, with its dashes")
    )
    description_en = models.TextField(blank=True)
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True)
    season_start = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text=_("First day of the seasonal window as MMDD (1 June: 601)")
    )
    season_end = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text=_("Last day of the seasonal window as MMDD (30 September: 930)"),
    )
    source = models.CharField(max_length=100, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = EaeuCommodityCodeQuerySet.as_manager()

    class Meta:
        ordering = ["code", "valid_from"]
        verbose_name = _("EAEU commodity code")
        constraints = [
            models.UniqueConstraint(fields=["code", "valid_from"], name="eaeu_code_unique_start"),
            models.CheckConstraint(
                condition=Q(code__regex=r"^[0-9]{10}$"), name="eaeu_code_ten_digits"
            ),
            valid_range("eaeu_code_valid_range"),
            models.CheckConstraint(
                condition=Q(season_start__isnull=True, season_end__isnull=True)
                | Q(
                    season_start__gte=101,
                    season_start__lte=1231,
                    season_end__gte=101,
                    season_end__lte=1231,
                ),
                name="eaeu_code_season_window",
            ),
        ]
        indexes = [
            # LIKE 'prefix%' for candidates under a heading or subheading.
            models.Index(
                fields=["code"], name="eaeu_code_prefix", opclasses=["varchar_pattern_ops"]
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.description[:60]}"

    @property
    def is_seasonal(self) -> bool:
        """Whether the code applies only inside a day-of-year window."""
        return self.season_start is not None


class RegulatedProductQuerySet(EffectiveDatedQuerySet["PhytosanitaryRegulatedProduct"]):
    """Filters list rows by the date they apply to."""


class PhytosanitaryRegulatedProduct(models.Model):
    """A row of the EAEU list of regulated products of high phytosanitary risk: goods whose code
    starts with `code_prefix` travel with a phytosanitary certificate while the row is in force."""

    code_prefix = models.CharField(
        max_length=10, help_text=_("2 to 10 digits; the longest match wins")
    )
    certificate_required = models.BooleanField(
        default=True, help_text=_("False marks an exclusion inside a broader row")
    )
    partial = models.BooleanField(
        default=False,
        help_text=_(
            'The list names only part of the goods under the code ("из"): see the description'
        ),
    )
    description = models.TextField(help_text=_("Russian, as the list names the goods"))
    description_en = models.TextField(blank=True)
    list_item = models.CharField(
        max_length=200, blank=True, help_text=_("The list's group of goods")
    )
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RegulatedProductQuerySet.as_manager()

    class Meta:
        ordering = ["code_prefix", "valid_from"]
        verbose_name = _("phytosanitary regulated product")
        constraints = [
            models.UniqueConstraint(
                fields=["code_prefix", "valid_from"], name="regulated_product_unique_start"
            ),
            models.CheckConstraint(
                condition=Q(code_prefix__regex=r"^[0-9]{2,10}$"), name="regulated_product_prefix"
            ),
            valid_range("regulated_product_valid_range"),
        ]

    def __str__(self) -> str:
        return f"{self.code_prefix} {self.description[:60]}"


class VatRateQuerySet(EffectiveDatedQuerySet["VatRate"]):
    """Filters VAT rates by the date they apply to."""


class VatRate(models.Model):
    """A country's standard VAT rate (percent), charged on sales and on imported goods, between
    two dates; reduced rates for particular goods are not modelled."""

    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="vat_rates")
    rate = models.DecimalField(max_digits=5, decimal_places=2, help_text=_("Percent"))
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True)
    source = models.CharField(max_length=200)
    updated_at = models.DateTimeField(auto_now=True)

    objects = VatRateQuerySet.as_manager()

    class Meta:
        ordering = ["country", "valid_from"]
        verbose_name = _("VAT rate")
        constraints = [
            models.UniqueConstraint(fields=["country", "valid_from"], name="vat_rate_unique_start"),
            valid_range("vat_rate_valid_range"),
            models.CheckConstraint(
                condition=Q(rate__gte=0, rate__lte=100), name="vat_rate_percent"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.country.code} {self.rate} % from {self.valid_from}"
