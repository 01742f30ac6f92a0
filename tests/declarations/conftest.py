"""Fixtures of the declarations tests."""

import pytest


@pytest.fixture(autouse=True)
def _simulated_gateway(settings):
    """Tests run the simulated authority by calling its tasks directly, with a short delay."""
    settings.CUSTOMS_GATEWAY = "simulated"
    settings.CUSTOMS_SIMULATED_RELEASE_SECONDS = 60
