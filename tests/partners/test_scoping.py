"""The one tenancy mechanism: a partner sees its own objects, staff see all."""

from typing import cast

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


# --- scoped_class_queryset: Django's filter set up once per class queryset --------------------


def _state(queryset):
    query = queryset.query
    sql, params = query.sql_with_params()
    return (
        sql,
        params,
        list(query.alias_map),
        dict(query.alias_refcount),
        set(query.used_aliases),
        query.where,
        queryset._iterable_class,
        queryset._fields,
    )


def _class_querysets():
    from declarations.models import Declaration
    from shipments.models import Lot, Shipment

    return [
        (Declaration.objects.all(), "partner"),
        (Declaration.objects.select_related("partner").filter(status="draft"), "partner"),
        (Declaration.objects.filter(status="draft") | Declaration.objects.filter(pk=0), "partner"),
        (Shipment.objects.values("pk", "reference"), "partner"),
        (Lot.objects.all(), "shipment__partner"),
    ]


@pytest.mark.parametrize("index", range(5))
def test_scoped_class_queryset_is_djangos_filter_for_every_partner(index):
    from tradehub.partners import scoping

    queryset, field = _class_querysets()[index]
    first, second = (cast(Partner, PartnerFactory()) for _ in range(2))
    for partner in (first, second, first, second):  # the first call sets up, later ones reuse
        fast = scoping.scoped_class_queryset(queryset, field, partner.pk)
        django = queryset.all().filter(**{field: partner.pk})
        assert _state(fast) == _state(django)
        assert list(fast) == list(django)
    assert queryset._result_cache is None  # the class's queryset is never evaluated


def test_scoped_views_read_only_the_callers_rows_through_the_kept_filter():
    from declarations.api.views import DeclarationViewSet
    from tests.declarations.factories import DeclarationFactory
    from tradehub.partners import scoping

    mine, theirs = (cast(Partner, PartnerFactory()) for _ in range(2))
    DeclarationFactory(partner=mine)
    DeclarationFactory(partner=theirs)
    assert scoping._reads_class_queryset(DeclarationViewSet)
    for partner in (mine, theirs, mine):
        view = DeclarationViewSet()
        view.action = "list"
        view.request = type("R", (), {"user": _api_client(partner)})()
        fast = view.get_queryset()
        django = scope_to_caller(DeclarationViewSet.queryset.all(), view.request.user)
        assert _state(fast) == _state(django)
        assert [d.partner_id for d in fast] == [partner.pk]
