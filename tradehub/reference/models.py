"""Reference data: countries, effective-dated customs unions, locations, customs offices, HS codes."""

import datetime as dt
from typing import Any

from django.db import models
from django.db.models import Q

from .choices import (
    LOCATION_FUNCTIONS,
    OnwardProcedure,
    Relation,
    RequiredDocumentType,
    RouteMode,
)


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
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.code


class CustomsUnionMembershipQuerySet(models.QuerySet["CustomsUnionMembership"]):
    """Filters memberships by the date they apply to."""

    def effective_on(self, day: dt.date) -> "CustomsUnionMembershipQuerySet":
        return self.filter(Q(valid_from__lte=day), Q(valid_to__isnull=True) | Q(valid_to__gte=day))


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
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="union_membership_valid_range",
            ),
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


class EffectiveQuerySet(models.QuerySet[Any]):
    """Rows of an effective-dated table that apply on a given day."""

    def effective_on(self, day: dt.date) -> "EffectiveQuerySet":
        return self.filter(Q(valid_from__lte=day), Q(valid_to__isnull=True) | Q(valid_to__gte=day))


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

    objects = EffectiveQuerySet.as_manager()

    class Meta:
        ordering = ["from_country", "relation", "valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["from_country", "relation", "valid_from"], name="onwardrule_unique_start"
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="onwardrule_valid_range",
            ),
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
    exit_point = models.CharField(max_length=120, blank=True, help_text="Where the route leaves")
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True)
    source = models.TextField()
    updated_at = models.DateTimeField(auto_now=True)

    objects = EffectiveQuerySet.as_manager()

    class Meta:
        ordering = ["from_country", "to_country", "mode", "valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["from_country", "to_country", "mode", "valid_from"],
                name="routerule_unique_start",
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="routerule_valid_range",
            ),
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

    objects = EffectiveQuerySet.as_manager()

    class Meta:
        ordering = ["country", "mode", "valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["country", "mode", "valid_from"], name="transitdocrule_unique_start"
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="transitdocrule_valid_range",
            ),
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
