"""Fixtures shared by every test: reference data loaded once, partners and authenticated clients."""

from collections.abc import Callable

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import translation
from rest_framework.test import APIClient

from tests.factories import PartnerFactory, StaffUserFactory
from tradehub.celery import publish_stats
from tradehub.partners.models import Partner
from tradehub.partners.services import issue_api_key


@pytest.fixture(autouse=True)
def _default_language():
    """A request with `Accept-Language` activates its language for the thread (LocaleMiddleware):
    put the default back, so one test's Russian page never leaks into the next test."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _broker_not_paused():
    """A failed publish pauses this process's publishing for a few seconds (tradehub.celery): a
    drill's broker outage must not swallow the next test's tasks."""
    publish_stats.paused_until = 0.0


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Load the shipped reference data (HS 2022, UN/LOCODE, offices, unions) once per test run."""
    with django_db_blocker.unblock():
        call_command("load_reference_data", verbosity=0)


@pytest.fixture
def reference_data(transactional_db):
    """For transactional tests: reload reference data, which the previous test's flush removed."""
    call_command("load_reference_data", verbosity=0)


@pytest.fixture
def partner(db):
    return PartnerFactory(name="Xinjiang Fresh Export Co", kind="exporter")


@pytest.fixture
def other_partner(db):
    return PartnerFactory(name="Other Forwarder LLP")


@pytest.fixture
def gateway_partner(db):
    return PartnerFactory(name="Customs Gateway", kind="gateway", is_gateway=True)


@pytest.fixture
def client_for(db) -> Callable[[Partner], APIClient]:
    """An API client that authenticates as `partner` with a freshly issued API key."""

    def make(partner: Partner) -> APIClient:
        _, key = issue_api_key(partner)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
        return client

    return make


@pytest.fixture
def api(client_for, partner) -> APIClient:
    """The main partner's API client."""
    return client_for(partner)


@pytest.fixture
def other_api(client_for, other_partner) -> APIClient:
    return client_for(other_partner)


@pytest.fixture
def gateway_api(client_for, gateway_partner) -> APIClient:
    return client_for(gateway_partner)


@pytest.fixture
def staff_user(db):
    return StaffUserFactory()


@pytest.fixture
def staff_api(staff_user) -> APIClient:
    client = APIClient()
    client.force_authenticate(staff_user)
    return client
