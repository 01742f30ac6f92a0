"""Partner API keys: issued once, stored hashed, accepted as `Api-Key`, refused once revoked."""

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from tradehub.partners.models import Partner, PartnerAPIKey
from tradehub.partners.services import issue_api_key, revoke_api_key

pytestmark = pytest.mark.django_db
URL = "/api/v1/locations/?country=KZ"


def _client(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    return client


def test_create_partner_prints_a_working_key_on_the_last_line(capsys):
    call_command("create_partner", "Khorgos Rail Forwarding")
    key = capsys.readouterr().out.strip().splitlines()[-1]
    assert _client(key).get(URL).status_code == 200
    partner = Partner.objects.get(name="Khorgos Rail Forwarding")
    assert not partner.is_gateway
    stored = PartnerAPIKey.objects.get(partner=partner)
    assert key not in stored.hashed_key


def test_create_partner_gateway_flag(capsys):
    call_command("create_partner", "Customs Gateway KZ", "--gateway")
    assert Partner.objects.get(name="Customs Gateway KZ").is_gateway


def test_create_partner_again_issues_another_key_for_the_same_partner(capsys):
    call_command("create_partner", "Repeat Co")
    call_command("create_partner", "Repeat Co")
    keys = [
        line for line in capsys.readouterr().out.splitlines() if "." in line and " " not in line
    ]
    assert len(set(keys)) == 2
    assert Partner.objects.filter(name="Repeat Co").count() == 1


def test_no_credentials_is_401_with_a_challenge():
    response = APIClient().get(URL)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Api-Key"


@pytest.mark.parametrize("header", ["Api-Key nonsense", "Api-Key abc.def", "Api-Key ", "Bearer x"])
def test_bad_credentials_are_401(header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    assert client.get(URL).status_code == 401


def test_revoked_key_is_401(partner):
    api_key, key = issue_api_key(partner)
    assert _client(key).get(URL).status_code == 200
    revoke_api_key(api_key)
    assert _client(key).get(URL).status_code == 401


def test_inactive_partner_key_is_401(partner):
    _, key = issue_api_key(partner)
    Partner.objects.filter(pk=partner.pk).update(is_active=False)
    assert _client(key).get(URL).status_code == 401


def test_staff_session_login_works_for_the_api(client, staff_user):
    client.force_login(staff_user)
    assert client.get(URL).status_code == 200


def _authenticate(key: str):
    from django.test import RequestFactory

    from tradehub.api.authentication import ApiKeyAuthentication

    request = RequestFactory().get(URL, HTTP_AUTHORIZATION=f"Api-Key {key}")
    return ApiKeyAuthentication().authenticate(request)


def test_a_verified_key_is_cached_in_the_process(partner, django_assert_num_queries):
    _, key = issue_api_key(partner)
    with django_assert_num_queries(1):  # key and partner in one query
        client, _ = _authenticate(key)
    assert client.partner == partner
    with django_assert_num_queries(0):
        again, _ = _authenticate(key)
    assert again.partner == partner


def test_deactivating_a_cached_partner_is_401_at_once(partner):
    _, key = issue_api_key(partner)
    assert _client(key).get(URL).status_code == 200
    partner.is_active = False
    partner.save()
    assert _client(key).get(URL).status_code == 401


def test_a_revocation_seen_by_another_process_invalidates_this_ones_cache(partner, settings):
    from django.core.cache import cache

    from tradehub.partners.authentication import GENERATION_KEY

    settings.API_KEY_REVOCATION_CHECK_SECONDS = 0  # read the shared token on every request
    api_key, key = issue_api_key(partner)
    assert _client(key).get(URL).status_code == 200
    # Another process revoked the key: this process's signal did not run, its cache is stale...
    PartnerAPIKey.objects.filter(pk=api_key.pk).update(revoked=True)
    assert _client(key).get(URL).status_code == 200
    # ...until the other process's new generation token reaches the shared cache.
    cache.set(GENERATION_KEY, "written-by-another-process", timeout=None)
    assert _client(key).get(URL).status_code == 401


def test_keys_are_checked_in_the_database_while_the_shared_cache_is_down(
    partner, monkeypatch, settings
):
    from unittest import mock

    from tradehub.partners import authentication

    settings.API_KEY_REVOCATION_CHECK_SECONDS = 0
    api_key, key = issue_api_key(partner)
    assert _client(key).get(URL).status_code == 200
    monkeypatch.setattr(authentication, "_cache_down_until", 0.0)
    with mock.patch.object(authentication.cache, "get", side_effect=ConnectionError("down")):
        assert _client(key).get(URL).status_code == 200
        PartnerAPIKey.objects.filter(pk=api_key.pk).update(revoked=True)  # no token written
        assert _client(key).get(URL).status_code == 401
