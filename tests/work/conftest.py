"""Fixtures of the task outbox tests."""

import pytest

from shipments.products import load_products


@pytest.fixture
def products(db) -> None:
    """The product catalogue from the shipped storage table."""
    load_products()
