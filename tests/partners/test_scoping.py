"""The one tenancy mechanism: a partner sees its own objects, staff see all."""

import pytest

from tests.factories import MembershipFactory, PartnerFactory, StaffUserFactory, UserFactory
from tradehub.partners.models import Partner, PartnerAPIKey
from tradehub.partners.principals import ApiClient, actor_label, partner_of
from tradehub.partners.scoping import scope_to_caller
from tradehub.partners.services import issue_api_key

pytestmark = pytest.mark.django_db


def _api_client(partner) -> ApiClient:
    api_key, _ = issue_api_key(partner)
    return ApiClient(api_key=PartnerAPIKey.objects.get(pk=api_key.pk), partner=partner)


def test_api_client_sees_only_its_partner():
    mine, theirs = PartnerFactory(), PartnerFactory()
    scoped = scope_to_caller(Partner.objects.all(), _api_client(mine), "pk")
    assert list(scoped) == [mine]
    assert theirs not in scoped


def test_staff_see_everything():
    PartnerFactory.create_batch(3)
    assert scope_to_caller(Partner.objects.all(), StaffUserFactory(), "pk").count() == 3


def test_user_without_partner_sees_nothing():
    PartnerFactory()
    assert scope_to_caller(Partner.objects.all(), UserFactory(), "pk").count() == 0


def test_member_user_acts_for_its_partner():
    membership = MembershipFactory()
    assert partner_of(membership.user) == membership.partner
    assert list(scope_to_caller(Partner.objects.all(), membership.user, "pk")) == [
        membership.partner
    ]


def test_actor_labels_name_who_acted():
    partner = PartnerFactory(name="Tashkent Fresh")
    client = _api_client(partner)
    assert actor_label(client).startswith("Tashkent Fresh (API key ")
    assert actor_label(None) == "system"
    assert actor_label(UserFactory(username="aigerim")) == "aigerim"
