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

    code = models.CharField(max_length=2, unique=True, verbose_name=_("code"))
    name = models.CharField(max_length=100, verbose_name=_("name"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("country")
        ordering = ["code"]
        verbose_name_plural = _("countries")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class CustomsUnion(models.Model):
    """A customs union such as the EAEU: goods released in one member circulate freely in all."""

    code = models.CharField(max_length=10, unique=True, verbose_name=_("code"))
    name = models.CharField(max_length=200, verbose_name=_("name"))
    commodity_code_digits = models.PositiveSmallIntegerField(
        default=6,
        help_text=_("Digits of the commodity code its declarations need (EAEU: 10)"),
        verbose_name=_("commodity code digits"),
    )
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("customs union")
        verbose_name_plural = _("customs unions")

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

    union = models.ForeignKey(
        CustomsUnion, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("union")
    )
    country = models.ForeignKey(
        Country,
        on_delete=models.CASCADE,
        related_name="union_memberships",
        verbose_name=_("country"),
    )
    valid_from = models.DateField(verbose_name=_("valid from"))
    valid_to = models.DateField(null=True, blank=True, verbose_name=_("valid to"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    objects = CustomsUnionMembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("customs union membership")
        verbose_name_plural = _("customs union memberships")
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

    code = models.CharField(max_length=5, unique=True, verbose_name=_("code"))
    country = models.ForeignKey(
        Country, on_delete=models.PROTECT, related_name="locations", verbose_name=_("country")
    )
    name = models.CharField(max_length=120, verbose_name=_("name"))
    name_ascii = models.CharField(max_length=120, db_index=True, verbose_name=_("name ascii"))
    subdivision = models.CharField(max_length=3, blank=True, verbose_name=_("subdivision"))
    function = models.CharField(
        max_length=8,
        blank=True,
        help_text=_("UN/LOCODE function string"),
        verbose_name=_("function"),
    )
    status = models.CharField(max_length=2, blank=True, verbose_name=_("status"))
    iata = models.CharField(max_length=3, blank=True, verbose_name=_("iata"))
    latitude = models.FloatField(null=True, blank=True, verbose_name=_("latitude"))
    longitude = models.FloatField(null=True, blank=True, verbose_name=_("longitude"))
    timezone = models.CharField(max_length=64, default="UTC", verbose_name=_("timezone"))
    is_internal = models.BooleanField(
        default=False,
        help_text=_("An internal code for a place UN/LOCODE lacks"),
        verbose_name=_("is internal"),
    )
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("location")
        verbose_name_plural = _("locations")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def functions(self) -> list[str]:
        """The UN/LOCODE function string as names: ["rail", "road", ...]."""
        return [LOCATION_FUNCTIONS[c] for c in self.function if c in LOCATION_FUNCTIONS]


class CustomsOffice(models.Model):
    """A customs office: where declarations are lodged, borders crossed or goods arrive."""

    code = models.CharField(max_length=8, unique=True, verbose_name=_("code"))
    name = models.CharField(max_length=200, verbose_name=_("name"))
    location = models.ForeignKey(
        Location,
        on_delete=models.PROTECT,
        related_name="customs_offices",
        verbose_name=_("location"),
    )
    roles = models.JSONField(
        default=list,
        help_text=_('Any of "declaration", "border", "destination"'),
        verbose_name=_("roles"),
    )
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("customs office")
        verbose_name_plural = _("customs offices")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class HsCode(models.Model):
    """A node of the HS 2022 nomenclature: chapter (2 digits), heading (4) or subheading (6)."""

    code = models.CharField(max_length=6, unique=True, verbose_name=_("code"))
    description = models.TextField(verbose_name=_("description"))
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="children",
        verbose_name=_("parent"),
    )
    level = models.PositiveSmallIntegerField(verbose_name=_("level"))
    section = models.CharField(max_length=5, blank=True, verbose_name=_("section"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name_plural = _("HS codes")
        ordering = ["code"]
        verbose_name = _("HS code")
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
        Country,
        on_delete=models.CASCADE,
        related_name="onward_procedure_rules",
        verbose_name=_("from country"),
    )
    relation = models.CharField(max_length=16, choices=Relation.choices, verbose_name=_("relation"))
    procedure = models.CharField(
        max_length=32, choices=OnwardProcedure.choices, verbose_name=_("procedure")
    )
    child_procedure = models.CharField(
        max_length=20,
        help_text=_("The declaration that takes stock out of customs control"),
        verbose_name=_("child procedure"),
    )
    from_free_circulation = models.BooleanField(
        help_text=_("Goods already released for free circulation may go this way"),
        verbose_name=_("from free circulation"),
    )
    documents = models.JSONField(
        default=list, help_text=_('[{"type", "when"}]'), verbose_name=_("documents")
    )
    valid_from = models.DateField(verbose_name=_("valid from"))
    valid_to = models.DateField(null=True, blank=True, verbose_name=_("valid to"))
    source = models.TextField(verbose_name=_("source"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    objects = EffectiveDatedQuerySet.as_manager()

    class Meta:
        verbose_name = _("onward procedure rule")
        verbose_name_plural = _("onward procedure rules")
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

    from_country = models.ForeignKey(
        Country,
        on_delete=models.CASCADE,
        related_name="routes_from",
        verbose_name=_("from country"),
    )
    to_country = models.ForeignKey(
        Country, on_delete=models.CASCADE, related_name="routes_to", verbose_name=_("to country")
    )
    mode = models.CharField(max_length=8, choices=RouteMode.choices, verbose_name=_("mode"))
    transit_countries = models.JSONField(
        default=list,
        blank=True,
        help_text=_("ISO codes, in order"),
        verbose_name=_("transit countries"),
    )
    # Where two routes serve a pair (Dushanbe through Uzbekistan or through Kyrgyzstan), the
    # usual one is rank 1 and is taken unless a distribution asks for another (`via`).
    rank = models.PositiveSmallIntegerField(
        default=1,
        help_text=_("1: the usual route; 2, 3: alternatives a distribution may ask for"),
        verbose_name=_("rank"),
    )
    exit_point = models.CharField(
        max_length=120,
        blank=True,
        help_text=_("Where the route leaves"),
        verbose_name=_("exit point"),
    )
    valid_from = models.DateField(verbose_name=_("valid from"))
    valid_to = models.DateField(null=True, blank=True, verbose_name=_("valid to"))
    source = models.TextField(verbose_name=_("source"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    objects = EffectiveDatedQuerySet.as_manager()

    class Meta:
        verbose_name = _("route rule")
        verbose_name_plural = _("route rules")
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

    country = models.ForeignKey(
        Country, on_delete=models.CASCADE, related_name="transit_rules", verbose_name=_("country")
    )
    mode = models.CharField(max_length=8, choices=RouteMode.choices, verbose_name=_("mode"))
    document = models.CharField(
        max_length=40, choices=RequiredDocumentType.choices, verbose_name=_("document")
    )
    valid_from = models.DateField(verbose_name=_("valid from"))
    valid_to = models.DateField(null=True, blank=True, verbose_name=_("valid to"))
    source = models.TextField(verbose_name=_("source"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    objects = EffectiveDatedQuerySet.as_manager()

    class Meta:
        verbose_name = _("transit document rule")
        verbose_name_plural = _("transit document rules")
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

    name = models.CharField(max_length=50, unique=True, verbose_name=_("name"))
    checksum = models.CharField(max_length=64, verbose_name=_("checksum"))
    rows = models.PositiveIntegerField(verbose_name=_("rows"))
    loaded_at = models.DateTimeField(auto_now=True, verbose_name=_("loaded at"))

    class Meta:
        verbose_name = _("reference dataset")
        verbose_name_plural = _("reference datasets")

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

    code = models.CharField(max_length=10, verbose_name=_("code"))
    hs_subheading = models.ForeignKey(
        HsCode,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="eaeu_codes",
        help_text=_("The HS 2022 subheading (first 6 digits)"),
        verbose_name=_("hs subheading"),
    )
    description = models.TextField(
        help_text=_("Russian, self-contained: heading — line"), verbose_name=_("description")
    )
    line = models.TextField(
        blank=True,
        help_text=_("The official text of the line, with its dashes"),
        verbose_name=_("line"),
    )
    description_en = models.TextField(blank=True, verbose_name=_("description en"))
    valid_from = models.DateField(verbose_name=_("valid from"))
    valid_to = models.DateField(null=True, blank=True, verbose_name=_("valid to"))
    season_start = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text=_("First day of the seasonal window as MMDD (1 June: 601)"),
        verbose_name=_("season start"),
    )
    season_end = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text=_("Last day of the seasonal window as MMDD (30 September: 930)"),
        verbose_name=_("season end"),
    )
    source = models.CharField(max_length=100, blank=True, verbose_name=_("source"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    objects = EaeuCommodityCodeQuerySet.as_manager()

    class Meta:
        verbose_name_plural = _("EAEU commodity codes")
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
        max_length=10,
        help_text=_("2 to 10 digits; the longest match wins"),
        verbose_name=_("code prefix"),
    )
    certificate_required = models.BooleanField(
        default=True,
        help_text=_("False marks an exclusion inside a broader row"),
        verbose_name=_("certificate required"),
    )
    partial = models.BooleanField(
        default=False,
        help_text=_(
            'The list names only part of the goods under the code ("из"): see the description'
        ),
        verbose_name=_("partial"),
    )
    description = models.TextField(
        help_text=_("Russian, as the list names the goods"), verbose_name=_("description")
    )
    description_en = models.TextField(blank=True, verbose_name=_("description en"))
    list_item = models.CharField(
        max_length=200,
        blank=True,
        help_text=_("The list's group of goods"),
        verbose_name=_("list item"),
    )
    valid_from = models.DateField(verbose_name=_("valid from"))
    valid_to = models.DateField(null=True, blank=True, verbose_name=_("valid to"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    objects = RegulatedProductQuerySet.as_manager()

    class Meta:
        verbose_name_plural = _("phytosanitary regulated products")
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

    country = models.ForeignKey(
        Country, on_delete=models.PROTECT, related_name="vat_rates", verbose_name=_("country")
    )
    rate = models.DecimalField(
        max_digits=5, decimal_places=2, help_text=_("Percent"), verbose_name=_("rate")
    )
    valid_from = models.DateField(verbose_name=_("valid from"))
    valid_to = models.DateField(null=True, blank=True, verbose_name=_("valid to"))
    source = models.CharField(max_length=200, verbose_name=_("source"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    objects = VatRateQuerySet.as_manager()

    class Meta:
        verbose_name_plural = _("VAT rates")
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
