"""Strict query strings, installed on DRF once for every endpoint (from `ApiConfig.ready`).

Unknown body fields have always been refused; this does the same for the query string, so that
`?stauts=released` answers 400 instead of silently returning everything. The parameters a view
understands are worked out from what it already declares, so no view has to repeat them:

* a list (viewset `list` action, or a generic list view answering GET) takes its filter set's
  filters and its paginator's `cursor` and `page_size`;
* any view may add names it reads itself in `query_parameters` (e.g. the readings series'
  `from`, `to`, `bucket`);
* everything else - including any parameter on a detail or a write - is unknown.

A parameter given twice is refused too unless its filter takes several values
(`?state=open&state=acknowledged`). Invalid values answer 400 from the filter backend and the
paginator, all with the pointer `/query/<name>`.
"""

from typing import Any

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django_filters.filters import QuerySetRequestMixin
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import mixins
from rest_framework.exceptions import ErrorDetail, ValidationError
from rest_framework.request import Request
from rest_framework.views import APIView

from tradehub.api.filters import UpdatedSinceFilterSet

API_PREFIX = "/api/v1/"
UNKNOWN_QUERY_PARAMETER = "unknown_query_parameter"
_installed = False


def is_list(view: Any, request: Request) -> bool:
    """True when the view answers this request with a paginated list."""
    action = getattr(view, "action", None)
    if action is not None:
        return bool(action == "list")
    return request.method in ("GET", "HEAD") and isinstance(view, mixins.ListModelMixin)


def _filterset_class(view: Any) -> Any:
    if not getattr(view, "filter_backends", None):
        return None
    return getattr(view, "filterset_class", None)


def allowed_parameters(view: Any, request: Request) -> tuple[set[str], set[str]]:
    """(names the view understands for this request, names that may repeat)."""
    allowed = set(getattr(view, "query_parameters", ()))
    repeatable = set(getattr(view, "repeatable_query_parameters", ()))
    if request.method in ("GET", "HEAD") and is_list(view, request):
        filterset = _filterset_class(view)
        if filterset is not None:
            for name, flt in filterset.base_filters.items():
                allowed.add(name)
                if isinstance(flt, django_filters.MultipleChoiceFilter):
                    repeatable.add(name)
        paginator = getattr(view, "paginator", None)
        if paginator is not None:
            for attribute in ("cursor_query_param", "page_size_query_param"):
                name = getattr(paginator, attribute, None)
                if name:
                    allowed.add(name)
    return allowed, repeatable


def check_query_parameters(view: Any, request: Request) -> None:
    """Raise a 400 naming every unknown or repeated query parameter."""
    if not request.query_params:
        return  # nothing to check (every detail, an unfiltered first page)
    allowed, repeatable = allowed_parameters(view, request)
    errors: dict[str, list[ErrorDetail]] = {}
    for name, values in request.query_params.lists():
        if name not in allowed:
            known = ", ".join(sorted(allowed)) or "none"
            errors[name] = [
                ErrorDetail(
                    f"Unknown query parameter (this endpoint takes: {known}).",
                    UNKNOWN_QUERY_PARAMETER,
                )
            ]
        elif len(values) > 1 and name not in repeatable:
            errors[name] = [ErrorDetail("Give this parameter once.", "repeated_query_parameter")]
    if errors:
        raise ValidationError({"query": errors})


def asks_for_filters(request: Any, filterset: Any) -> bool:
    """Whether the query string names a filter of `filterset` (or a parameter derived from a
    filter's name, as range filters' `<name>_after` are)."""
    names = filterset.base_filters
    return any(
        key in names or any(key.startswith(f"{name}_") for name in names)
        for key in request.query_params
    )


# The `updated_since` filter every list's filter set inherits (the same object in each).
_UPDATED_SINCE = UpdatedSinceFilterSet.declared_filters["updated_since"]


def asks_for_updated_since_only(request: Any, filterset: Any) -> bool:
    """Whether `updated_since` is the one filter parameter of the query string (a partner's
    incremental poll) and `filterset`'s filter of that name is the shared one
    (`UpdatedSinceFilterSet`'s, not declared again)."""
    names = filterset.base_filters
    if names.get("updated_since") is not _UPDATED_SINCE:
        return False
    return not any(
        key != "updated_since"
        and (key in names or any(key.startswith(f"{name}_") for name in names))
        for key in request.query_params
    )


def updated_since(value: str, queryset: Any) -> Any:
    """What the filter set gives for `?updated_since=<value>` alone, without building it and
    its form (0.9 of a poll's 2.7 ms of CPU: a poll answering nothing cost more than a 1-row
    page): the shared filter's field cleans the value, a refusal is the same 400, and every
    other filter of a django-filter set leaves the queryset as it is when it has no value."""
    try:
        since = _UPDATED_SINCE.field.clean(value)
    except DjangoValidationError as exc:
        raise ValidationError(
            {"query": {"updated_since": [ErrorDetail(exc.messages[0], code=exc.code)]}}
        ) from None
    return _UPDATED_SINCE.filter(queryset, since)


BOOLEAN_VALUES = frozenset({"true", "false", "1", "0"})
_form_classes: dict[type, type] = {}


def shared_form_class(filterset: Any) -> type | None:
    """The filter set's form class, built once per FilterSet class, or None when it may differ
    between requests.

    django-filter builds a new form class for every request (`type(...)` over a fresh form
    field per filter): about half of a filtered list's filtering CPU. The class only holds the
    fields as prototypes (each form instance deep-copies them, as any Django form does), and
    the fields depend only on the filters' declarations, except for choice filters whose
    queryset is computed from the request (`QuerySetRequestMixin`) and filter sets that build
    their form class themselves; those keep django-filter's per-request class.
    """
    cls = type(filterset)
    if cls.get_form_class is not django_filters.FilterSet.get_form_class:
        return None
    if any(isinstance(flt, QuerySetRequestMixin) for flt in cls.base_filters.values()):
        return None
    form_class = _form_classes.get(cls)
    if form_class is None:
        form_class = _form_classes[cls] = filterset.get_form_class()
    return form_class


class StrictFilterBackend(DjangoFilterBackend):
    """django-filter's backend whose invalid values point at `/query/<name>`.

    django-filter reads an unrecognised boolean (`?at_risk=maybe`) as "no filter"; here it is
    an error like any other invalid value.
    """

    def get_filterset(self, request: Any, queryset: Any, view: Any) -> Any:
        filterset = super().get_filterset(request, queryset, view)
        if filterset is not None:
            form_class = shared_form_class(filterset)
            if form_class is not None:
                filterset.get_form_class = lambda: form_class
        return filterset

    def filter_queryset(self, request: Any, queryset: Any, view: Any) -> Any:
        filterset = self.get_filterset_class(view, queryset)
        if filterset is not None and not asks_for_filters(request, filterset):
            # No filter parameter given (every detail - whose query string is refused anyway -
            # and a list read unfiltered): each filter would leave the queryset as it is, so
            # the filter set and its form, a tenth of a detail's CPU, are not built.
            return queryset
        if filterset is not None and asks_for_updated_since_only(request, filterset):
            return updated_since(request.query_params["updated_since"], queryset)
        if filterset is not None:
            errors = {
                name: [ErrorDetail("Must be true or false.", "invalid_boolean")]
                for name, flt in filterset.base_filters.items()
                if isinstance(flt, django_filters.BooleanFilter)
                and name in request.query_params
                and request.query_params[name].strip().lower() not in BOOLEAN_VALUES
            }
            if errors:
                raise ValidationError({"query": errors})
        try:
            return super().filter_queryset(request, queryset, view)
        except ValidationError as exc:
            raise ValidationError({"query": exc.detail}) from None


def install_query_checks() -> None:
    """Check every /api/v1/ request's query string after authentication (once)."""
    global _installed
    if _installed:
        return
    original = APIView.initial

    def initial(self: APIView, request: Request, *args: Any, **kwargs: Any) -> None:
        original(self, request, *args, **kwargs)
        if request.path.startswith(API_PREFIX):
            check_query_parameters(self, request)

    initial.__doc__ = original.__doc__
    APIView.initial = initial  # type: ignore[method-assign]
    _installed = True
