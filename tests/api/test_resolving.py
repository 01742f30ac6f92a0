"""The partner API's remembered URL resolution (tradehub.api.resolving) matches what Django's own
resolution matches, for every API route, again and again; 404s are resolved as before."""

import re
from typing import Any

import pytest
from django.urls import Resolver404, URLPattern, URLResolver, get_resolver, include
from django.urls.resolvers import RegexPattern, RoutePattern

from tradehub.api import resolving
from tradehub.api.resolving import CachedURLResolver, cached_include

SAMPLES = {"format": "json", "int": "7", "slug": "kiwi-fruit", "path": "a/b"}


def sample_paths(resolver: URLResolver, prefix: str = "") -> list[str]:
    """A path that each pattern under `resolver` matches (a sample value per parameter)."""
    paths = []
    for pattern in resolver.url_patterns:
        shape = pattern.pattern
        if isinstance(shape, RoutePattern):
            text = re.sub(
                r"<(?:(\w+):)?(\w+)>",
                lambda m: SAMPLES.get(str(m.group(1) or ""), "ABC12"),
                str(shape),
            )
        else:
            assert isinstance(shape, RegexPattern)
            text = str(shape.regex.pattern).lstrip("^").rstrip("$")
            text = re.sub(
                r"\(\?P<(\w+)>[^)]*\)", lambda m: SAMPLES.get(str(m.group(1)), "ABC12"), text
            )
            text = text.replace("\\.", ".").replace("/?", "/")
        if isinstance(pattern, URLResolver):
            paths.extend(sample_paths(pattern, prefix + text))
        elif isinstance(pattern, URLPattern):
            paths.append(prefix + text)
    return paths


def as_tuple(match: Any) -> tuple[Any, ...]:
    return (
        match.func,
        match.args,
        match.kwargs,
        match.url_name,
        match.app_names,
        match.namespaces,
        match.route,
        match.captured_kwargs,
        match.extra_kwargs,
        match.view_name,
        match.tried,
    )


def test_every_api_route_resolves_as_django_resolves_it():
    root = get_resolver()
    cached = next(p for p in root.url_patterns if isinstance(p, CachedURLResolver))
    plain = URLResolver(
        RoutePattern("api/v1/", is_endpoint=False), "tradehub.api.urls", None, "api", "api"
    )
    paths = ["api/v1/" + path for path in sample_paths(plain)]
    assert len(paths) > 40
    checked = 0
    for path in paths:
        try:
            expected = plain.resolve(path)
        except Resolver404:
            continue
        for _ in range(3):  # the first resolves, the next are remembered
            assert as_tuple(cached.resolve(path)) == as_tuple(expected), path
        assert (
            as_tuple(root.resolve("/" + path))[:10]
            == as_tuple(get_resolver().resolve("/" + path))[:10]
        )
        checked += 1
    assert checked > 40  # (a sample value may not fit a pattern's own regex)


def test_a_view_changing_its_match_changes_nothing_for_the_next_request():
    resolver = cached_include("api/v1/", include("tradehub.api.urls"))
    first: Any = resolver.resolve("api/v1/products/kiwifruit/")
    first.kwargs["code"] = "changed"
    first.captured_kwargs["code"] = "changed"
    first.app_names.append("x")
    again: Any = resolver.resolve("api/v1/products/kiwifruit/")
    assert again.kwargs == {"code": "kiwifruit"}
    assert again.captured_kwargs == {"code": "kiwifruit"}
    assert "x" not in again.app_names


def test_paths_that_match_nothing_are_404_every_time_and_not_kept(monkeypatch):
    resolver = cached_include("api/v1/", include("tradehub.api.urls"))
    plain = URLResolver(
        RoutePattern("api/v1/", is_endpoint=False), "tradehub.api.urls", None, "api", "api"
    )
    for _ in range(2):
        with pytest.raises(Resolver404) as ours:
            resolver.resolve("api/v1/no-such-list/")
        with pytest.raises(Resolver404) as django:
            plain.resolve("api/v1/no-such-list/")
        assert str(ours.value.args[0]["tried"]) == str(django.value.args[0]["tried"])
    assert not resolver._matches  # type: ignore[attr-defined]
    monkeypatch.setattr(resolving, "MAX_PATHS", 2)
    for code in ("a", "b", "c"):
        resolver.resolve(f"api/v1/products/{code}/")
    assert list(resolver._matches) == ["api/v1/products/b/", "api/v1/products/c/"]  # type: ignore[attr-defined]


def test_a_requests_match_holds_its_own_tried_lists():
    """The include's remembered match shares its `tried` lists; the request's match (the root
    resolver's) builds its own from them, so changing it changes nothing for the next request."""
    root = get_resolver()
    first: Any = root.resolve("/api/v1/products/")
    expected = [list(tried) for tried in first.tried]
    for tried in first.tried:
        tried.append("changed")
    first.tried.append(["changed"])
    again: Any = root.resolve("/api/v1/products/")
    assert again.tried == expected
    assert again.tried[0][0] is next(
        p for p in root.url_patterns if isinstance(p, CachedURLResolver)
    )


def test_api_paths_are_tried_first_and_staff_pages_still_resolve():
    root = get_resolver()
    assert isinstance(root.url_patterns[0], CachedURLResolver)
    assert root.resolve("/admin/").url_name == "index"
    assert root.resolve("/admin/reports/trade/").func is not None
    assert root.resolve("/api/docs/").url_name == "swagger-ui"
