"""Fixtures for the API machinery tests."""

import pytest
from django.core.cache import cache

from tests.api import urls as test_urls


@pytest.fixture
def machinery(settings):
    """Use the test URL conf (small views under /api/v1/_test/) with fresh call counters."""
    settings.ROOT_URLCONF = "tests.api.urls"
    test_urls.CALLS.clear()
    test_urls.SLOW_STARTED.clear()
    test_urls.SLOW_RELEASE.clear()
    return test_urls


@pytest.fixture
def fresh_cache():
    """Throttle counters live in the cache: start every throttling test from zero."""
    cache.clear()
    yield
    cache.clear()
