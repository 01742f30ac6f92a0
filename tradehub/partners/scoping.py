"""Tenancy: the one mechanism every partner-facing view uses to see only the caller's objects."""

import threading
from typing import Any

from django.db.models import Model, QuerySet
from django.db.models.lookups import Lookup

from .principals import partner_of, sees_everything


def scope_to_caller(
    queryset: QuerySet[Any], user: Any, partner_field: str = "partner"
) -> QuerySet[Any]:
    """Filter a queryset to the caller's partner; staff see all, a caller with no partner sees none."""
    if sees_everything(user):
        return queryset
    partner = partner_of(user)
    if partner is None:
        return queryset.none()
    return queryset.filter(**{partner_field: partner.pk})


# (class queryset, partner field) -> (that queryset, Django's `filter` of it for one partner, or
# None when its WHERE clause does not end with the partner's lookup). The queryset is kept so its
# id is not reused by another object.
_templates: dict[tuple[int, str], tuple[QuerySet[Any], QuerySet[Any] | None]] = {}
_templates_lock = threading.Lock()
MAX_TEMPLATES = 256
_own_get_queryset: dict[type, bool] = {}


def _scoped_like(template: QuerySet[Any], pk: Any) -> QuerySet[Any]:
    """`template` (Django's `filter(**{partner_field: another_pk})` of a queryset) for `pk`: the
    same query with the last lookup built for `pk`, as Django's `build_lookup` builds it."""
    clone = template._chain()  # type: ignore[attr-defined]
    query = clone.query
    lookup = query.where.children[-1]
    query.where.children[-1] = type(lookup)(lookup.lhs, pk)
    # As `filter` leaves it (`_chain` empties it unless the filter is sticky).
    query.used_aliases = set(template.query.used_aliases)
    return clone  # type: ignore[no-any-return]


def scoped_class_queryset(queryset: QuerySet[Any], partner_field: str, pk: Any) -> QuerySet[Any]:
    """`queryset.all().filter(**{partner_field: pk})` for a queryset set up once per process (a
    view class's `queryset`): Django's `filter` resolves the field's join path and builds the
    lookup for every request (about 0.07 ms of CPU); here it runs once per queryset and field,
    and later partners get a copy of that query with their own value in the partner's lookup
    (`tests/partners/test_scoping.py` compares the queries and rows with Django's)."""
    key = (id(queryset), partner_field)
    found = _templates.get(key)
    if found is not None and found[0] is queryset:
        template = found[1]
        if template is None:
            return queryset.all().filter(**{partner_field: pk})
        return _scoped_like(template, pk)
    scoped = queryset.all().filter(**{partner_field: pk})
    children = scoped.query.where.children
    last = children[-1] if children else None
    kept: QuerySet[Any] | None = None
    if (
        isinstance(last, Lookup)
        and not scoped.query.where.negated
        and last.rhs == pk
        and type(last)(last.lhs, pk) == last
    ):
        kept = scoped._chain()  # type: ignore[attr-defined]
        kept.query.used_aliases = set(scoped.query.used_aliases)  # type: ignore[union-attr]
    with _templates_lock:
        if len(_templates) >= MAX_TEMPLATES:
            _templates.clear()
        _templates[key] = (queryset, kept)
    return scoped


def _reads_class_queryset(cls: type) -> bool:
    """Whether the `get_queryset` after `PartnerScopedViewMixin`'s in `cls` is DRF's (the class's
    `queryset`, `.all()`)."""
    found = _own_get_queryset.get(cls)
    if found is None:
        mro = cls.__mro__
        after = mro[mro.index(PartnerScopedViewMixin) + 1 :]
        owner = next((klass for klass in after if "get_queryset" in vars(klass)), None)
        # DRF's `GenericAPIView`, named rather than imported: this module stays free of DRF's
        # HTTP machinery (`tests/test_layers.py`).
        found = _own_get_queryset[cls] = owner is not None and (
            owner.__module__,
            owner.__qualname__,
        ) == ("rest_framework.generics", "GenericAPIView")
    return found


class PartnerScopedViewMixin:
    """Views list and fetch only the caller's objects, so another partner's object answers 404.

    Set `partner_field` when the partner is reached through a relation (`shipment__partner`).
    Views that let customs gateways read every partner's objects set `gateway_sees_all = True`.
    """

    partner_field = "partner"
    gateway_sees_all = False
    request: Any

    def get_queryset(self) -> QuerySet[Any]:
        queryset = getattr(self, "queryset", None)
        if isinstance(queryset, QuerySet) and _reads_class_queryset(type(self)):
            user = self.request.user
            if not (
                (self.gateway_sees_all and getattr(user, "is_gateway", False))
                or sees_everything(user)
            ):
                partner = partner_of(user)
                if partner is not None:
                    # What `scoped(super().get_queryset())` gives, the filter set up once.
                    return scoped_class_queryset(queryset, self.partner_field, partner.pk)
        return self.scoped(super().get_queryset())  # type: ignore[misc]

    def scoped(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        """`queryset` (any queryset of the view's model, e.g. `.values()` rows built once per
        process) narrowed to the caller's objects, as `get_queryset` narrows the view's own;
        always a new queryset, so a shared one is never evaluated (its cache filled) here."""
        user = self.request.user
        if (self.gateway_sees_all and getattr(user, "is_gateway", False)) or sees_everything(user):
            return queryset.all()
        return scope_to_caller(queryset, user, self.partner_field)


def owned_by_caller(obj: Model, user: Any, partner_field: str = "partner_id") -> bool:
    """True when the caller may see `obj` (used outside querysets, e.g. on bulk payload rows)."""
    if sees_everything(user):
        return True
    partner = partner_of(user)
    return partner is not None and getattr(obj, partner_field) == partner.pk
