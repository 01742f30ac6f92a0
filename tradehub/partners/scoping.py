"""Tenancy: the one mechanism every partner-facing view uses to see only the caller's objects."""

from typing import Any

from django.db.models import Model, QuerySet

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


class PartnerScopedViewMixin:
    """Views list and fetch only the caller's objects, so another partner's object answers 404.

    Set `partner_field` when the partner is reached through a relation (`shipment__partner`).
    Views that let customs gateways read every partner's objects set `gateway_sees_all = True`.
    """

    partner_field = "partner"
    gateway_sees_all = False
    request: Any

    def get_queryset(self) -> QuerySet[Any]:
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
