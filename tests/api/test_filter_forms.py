"""Filter sets' form classes built once per FilterSet class (`shared_form_class` in
tradehub/api/queries.py) validate and filter exactly as django-filter's per-request classes."""

from typing import Any

import django_filters
import pytest
from django.http import QueryDict
from django.utils import timezone
from rest_framework.request import Request

from tradehub.api.queries import StrictFilterBackend, shared_form_class

pytestmark = pytest.mark.django_db

VALUES = [
    "",
    " ",
    "x",
    "alma",
    "KZ",
    "0702",
    "07020000",
    "-5",
    "1",
    "0",
    "true",
    "maybe",
    "open",
    "2025-07-21T06:00:00+05:00",
    "2025-07-21T06:00:00",
    "2999-01-01T00:00:00Z",
    "Алматы",
]


def filterset_classes() -> list[Any]:
    import tradehub.urls  # noqa: F401  (imports every API view and its filter sets)

    found: list[Any] = []
    pending = [django_filters.FilterSet]
    while pending:
        cls = pending.pop()
        for sub in cls.__subclasses__():
            pending.append(sub)
            ours = sub.__module__.split(".")[0] in {"tradehub", "shipments", "declarations"}
            if ours and sub._meta.model is not None:
                found.append(sub)
    return found


def outcome(filterset: Any) -> tuple[Any, ...]:
    try:
        valid = filterset.is_valid()
        errors = {
            name: [(error.message, error.code) for error in field_errors.as_data()]
            for name, field_errors in filterset.errors.items()
        }
        query = str(filterset.qs.query) if valid else None
    except Exception as exc:  # both paths must fail the same way
        return ("raised", type(exc).__name__, str(exc))
    return valid, errors, query


def test_the_shared_form_class_answers_like_a_fresh_one_for_every_filter_set(monkeypatch):
    # Filters such as `overdue` compare with the current time: one instant for both paths.
    instant = timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: instant)
    classes = filterset_classes()
    shared = 0
    for cls in classes:
        queryset = cls._meta.model._default_manager.all()
        if shared_form_class(cls(QueryDict(""), queryset=queryset)) is not None:
            shared += 1
        for name in cls.base_filters:
            for value in VALUES:
                data = QueryDict(mutable=True)
                data[name] = value
                fresh = cls(data, queryset=queryset)
                cached = cls(data, queryset=queryset)
                form_class = shared_form_class(cached)
                if form_class is not None:
                    cached.get_form_class = lambda form_class=form_class: form_class
                assert outcome(cached) == outcome(fresh), (cls.__name__, name, value)
    assert len(classes) > 10 and shared > 10


def test_the_backend_reuses_one_form_class_per_filter_set(rf):
    from tradehub.reference.api.views import LocationViewSet

    backend = StrictFilterBackend()
    forms = set()
    for term in ("alma", "tash"):
        request = Request(rf.get("/", {"search": term}))
        view = LocationViewSet(request=request, format_kwarg=None, action="list", kwargs={})
        filterset = backend.get_filterset(request, view.get_queryset(), view)
        assert filterset.is_valid()
        forms.add(type(filterset.form))
        assert filterset.form.cleaned_data["search"] == term
    assert len(forms) == 1
