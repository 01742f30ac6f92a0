"""Fixtures of the gateway tests."""

import pytest


@pytest.fixture(autouse=True)
def _short_release(settings):
    """The simulated authority's tasks are called directly; releases are due after a minute."""
    settings.CUSTOMS_SIMULATED_RELEASE_SECONDS = 60
