"""ETag / If-Match: detail reads carry a strong ETag; stale writes answer 412 and change nothing."""

import json
import threading

import pytest
from django.db import connection

from tradehub.api.etags import compute_etag, etag_matches
from tradehub.partners.models import Partner

pytestmark = pytest.mark.django_db


def url(partner: Partner, suffix: str = "") -> str:
    return f"/api/v1/_test/partners/{partner.reference}/{suffix}"


def patch(client, target, body, if_match=None):
    headers = {"HTTP_IF_MATCH": if_match} if if_match is not None else {}
    return client.patch(target, data=json.dumps(body), content_type="application/json", **headers)


def test_detail_get_carries_a_strong_etag(machinery, api, partner):
    response = api.get(url(partner))
    assert response.status_code == 200
    etag = response["ETag"]
    assert etag.startswith('"') and etag.endswith('"') and not etag.startswith("W/")
    assert api.get(url(partner))["ETag"] == etag  # stable while nothing changes


def test_etag_changes_with_every_write(machinery, api, partner):
    before = api.get(url(partner))["ETag"]
    response = patch(api, url(partner), {"contact_email": "ops@example.com"})
    assert response.status_code == 200
    after = response["ETag"]
    assert after != before
    assert api.get(url(partner))["ETag"] == after
    partner.refresh_from_db()
    partner.save()  # any save bumps updated_at
    assert api.get(url(partner))["ETag"] != after


def test_patch_with_current_if_match_succeeds(machinery, api, partner):
    etag = api.get(url(partner))["ETag"]
    response = patch(api, url(partner), {"contact_email": "a@example.com"}, if_match=etag)
    assert response.status_code == 200
    assert response["ETag"] != etag


def test_patch_with_stale_if_match_is_412_and_changes_nothing(machinery, api, partner):
    stale = api.get(url(partner))["ETag"]
    assert patch(api, url(partner), {"contact_email": "first@example.com"}).status_code == 200
    response = patch(api, url(partner), {"contact_email": "second@example.com"}, if_match=stale)
    assert response.status_code == 412
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 412
    assert body["etag"] == api.get(url(partner))["ETag"]
    partner.refresh_from_db()
    assert partner.contact_email == "first@example.com"


def test_if_match_star_and_lists_and_weak_tags(machinery, api, partner):
    etag = api.get(url(partner))["ETag"]
    assert (
        patch(api, url(partner), {"contact_email": "s@example.com"}, if_match="*").status_code
        == 200
    )
    etag = api.get(url(partner))["ETag"]
    listed = f'"nope", {etag}'
    assert (
        patch(api, url(partner), {"contact_email": "l@example.com"}, if_match=listed).status_code
        == 200
    )
    etag = api.get(url(partner))["ETag"]
    weak = f"W/{etag}"
    assert (
        patch(api, url(partner), {"contact_email": "w@example.com"}, if_match=weak).status_code
        == 412
    )


def test_missing_if_match_is_allowed(machinery, api, partner):
    assert patch(api, url(partner), {"contact_email": "x@example.com"}).status_code == 200


def test_state_changing_action_honours_if_match(machinery, api, partner):
    stale = api.get(url(partner))["ETag"]
    partner.save()
    response = api.post(
        url(partner, "touch/"),
        data=json.dumps({"contact_email": "t@example.com"}),
        content_type="application/json",
        HTTP_IF_MATCH=stale,
    )
    assert response.status_code == 412
    assert machinery.CALLS.get("touch", 0) == 0
    current = api.get(url(partner))["ETag"]
    ok = api.post(
        url(partner, "touch/"),
        data=json.dumps({"contact_email": "t@example.com"}),
        content_type="application/json",
        HTTP_IF_MATCH=current,
    )
    assert ok.status_code == 200
    assert ok["ETag"] == api.get(url(partner))["ETag"] != current


def test_delete_honours_if_match(machinery, api, partner):
    stale = api.get(url(partner))["ETag"]
    partner.save()
    assert api.delete(url(partner), HTTP_IF_MATCH=stale).status_code == 412
    assert Partner.objects.filter(pk=partner.pk).exists()


def test_check_if_match_for_actions_without_get_object(machinery, api, partner):
    target = url(partner, "manual-check/")
    assert api.post(target, HTTP_IF_MATCH='"stale"').status_code == 412
    etag = compute_etag(partner)
    assert api.post(target, HTTP_IF_MATCH=etag).status_code == 200
    assert api.post(target).status_code == 200


def test_another_partners_object_is_404_before_the_precondition(machinery, other_api, partner):
    assert (
        patch(other_api, url(partner), {"contact_email": "x@x.com"}, if_match='"x"').status_code
        == 404
    )


def test_etag_matches_strong_comparison():
    assert etag_matches('"abc"', '"abc"')
    assert etag_matches("*", '"abc"')
    assert etag_matches('"x", "abc"', '"abc"')
    assert not etag_matches('W/"abc"', '"abc"')
    assert not etag_matches("garbage", '"abc"')


@pytest.mark.django_db(transaction=True)
def test_two_writers_with_the_same_etag_exactly_one_wins(machinery, client_for, reference_data):
    from tests.factories import PartnerFactory

    partner: Partner = PartnerFactory()  # type: ignore[assignment]
    api = client_for(partner)
    etag = api.get(url(partner))["ETag"]
    statuses: list[int] = []
    barrier = threading.Barrier(2)

    def write(email: str) -> None:
        try:
            barrier.wait(timeout=10)
            statuses.append(
                patch(api, url(partner), {"contact_email": email}, if_match=etag).status_code
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(f"w{i}@example.com",)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert sorted(statuses) == [200, 412]


def test_an_etag_object_from_a_row_has_the_models_etag_and_runs_no_default(partner, monkeypatch):
    """`etag_object` builds from a row's id and ETag fields what `compute_etag` reads, without
    running field defaults (references drawn at random) and without a query; a row missing an
    ETag field of the model is refused (a deferred field would be read from the database)."""
    from django.test.utils import CaptureQueriesContext

    from shipments.models import Alert, Shipment
    from tests.shipments.factories import make_shipment
    from tradehub.api.etags import etag_object

    shipment = make_shipment(partner)
    alert = Alert.objects.create(
        partner=partner,
        kind="customs_hold",
        severity="high",
        subject_type="shipment",
        subject_reference=shipment.reference,
        shipment=shipment,
        dedup_key="etag-test",
        message="m",
    )
    rows = [
        (Shipment, Shipment.objects.values("id", "updated_at", "version").get(pk=shipment.pk)),
        (Alert, Alert.objects.values("id", "updated_at").get(pk=alert.pk)),
    ]
    calls: list[object] = []
    monkeypatch.setattr(
        "django.db.models.fields.Field.get_default", lambda self: calls.append(self)
    )
    with CaptureQueriesContext(connection) as queries:
        built = [etag_object(model, row) for model, row in rows]
        etags = [compute_etag(obj) for obj in built]
    assert etags == [compute_etag(shipment), compute_etag(alert)]
    assert not calls and not queries.captured_queries
    assert all(not obj._state.adding for obj in built)
    with pytest.raises(KeyError):
        etag_object(Shipment, {"id": shipment.pk, "updated_at": shipment.updated_at})
