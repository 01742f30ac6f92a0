"""The partner API's URL resolution, remembered per path.

Django finds a request's view by trying the URL patterns in order; under `/api/v1/` four routers'
patterns are tried one after the other (about 30 for `/api/v1/products/`), 0.04–0.12 ms of CPU
per request (`bench/request_stack.py` workloads, `resolve` in a loop), a few per cent of a
one-row list. The answer only depends on the path, so `CachedURLResolver` keeps the last
`MAX_PATHS` paths' matches (a path that matches nothing is not kept: its 404 is resolved, with
its list of tried patterns, every time). Each request gets its own copy of the match, so nothing
a view does to its `kwargs` reaches the next request; `tests/api/test_resolving.py` compares
matches with Django's for every API route.
"""

import threading
from collections import OrderedDict
from typing import Any

from django.urls import URLResolver
from django.urls.resolvers import ResolverMatch, RoutePattern

MAX_PATHS = 4096


class CachedURLResolver(URLResolver):
    """A URLResolver (an `include()`) that remembers the matches of the last paths it resolved."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._matches: OrderedDict[str, ResolverMatch] = OrderedDict()
        self._matches_lock = threading.Lock()

    def resolve(self, path: str) -> ResolverMatch:
        found = self._matches.get(path)
        if found is None:
            found = super().resolve(path)
            with self._matches_lock:
                self._matches[path] = found
                if len(self._matches) > MAX_PATHS:
                    self._matches.popitem(last=False)
        return fresh(found)


def fresh(match: ResolverMatch) -> ResolverMatch:
    """A copy of a match whose dicts and lists are its own, but for `tried`, the patterns tried
    before the match (35 lists for `/api/v1/products/`: copying them was most of a remembered
    resolution's cost). The include's match only reaches its parent resolver, which builds its
    own `tried` from new lists (`[pattern, *tried]`), so the request's match never holds these."""
    # ResolverMatch refuses to be pickled, and so `copy.copy`: copied attribute by attribute.
    clone = ResolverMatch.__new__(ResolverMatch)
    clone.__dict__.update(match.__dict__)
    for name in ("kwargs", "captured_kwargs", "extra_kwargs"):
        value = getattr(match, name, None)
        if isinstance(value, dict):
            setattr(clone, name, dict(value))
    clone.app_names = list(match.app_names)
    clone.namespaces = list(match.namespaces)
    return clone


def cached_include(route: str, included: tuple[Any, str | None, str | None]) -> URLResolver:
    """`path(route, include(...))` with a `CachedURLResolver`."""
    urlconf_module, app_name, namespace = included
    return CachedURLResolver(
        RoutePattern(route, is_endpoint=False),
        urlconf_module,
        None,
        app_name=app_name,
        namespace=namespace,
    )
