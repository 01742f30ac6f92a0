"""Idempotency-Key: a retried POST replays the first answer and never redoes the work."""

import json
import threading
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from tradehub.api.choices import IdempotencyStatus
from tradehub.api.models import IdempotencyRecord
from tradehub.api.services import purge_expired_idempotency_records
from tradehub.api.tasks import purge_idempotency_keys_task
from tradehub.partners.models import Partner

CREATE = "/api/v1/_test/create/"


def post(client, url, body, key=None, **extra):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return client.post(
        url,
        data=body if isinstance(body, str | bytes) else json.dumps(body),
        content_type="application/json",
        **headers,
        **extra,
    )


@pytest.mark.django_db
class TestReplay:
    def test_same_key_and_body_replays_first_response_without_redoing_work(self, machinery, api):
        first = post(api, CREATE, {"name": "Replay Co"}, key="k-1")
        assert first.status_code == 201
        for _ in range(3):
            again = post(api, CREATE, {"name": "Replay Co"}, key="k-1")
            assert again.status_code == 201
            assert again.content == first.content
            assert again["Idempotent-Replayed"] == "true"
            assert again["Location"] == first["Location"]
            assert again["Content-Type"] == first["Content-Type"]
        assert machinery.CALLS["create"] == 1
        assert Partner.objects.filter(name="Replay Co").count() == 1
        assert "Idempotent-Replayed" not in first

    def test_whitespace_and_key_order_do_not_change_the_fingerprint(self, machinery, api):
        post(api, CREATE, '{"name": "Canon Co", "temperature_c": 4.5}', key="k-canon")
        again = post(api, CREATE, '{"temperature_c":4.5,\n  "name":"Canon Co"}', key="k-canon")
        assert again["Idempotent-Replayed"] == "true"
        assert machinery.CALLS["create"] == 1

    def test_same_key_with_another_body_is_422_and_changes_nothing(self, machinery, api):
        post(api, CREATE, {"name": "First Co"}, key="k-2")
        other = post(api, CREATE, {"name": "Second Co"}, key="k-2")
        assert other.status_code == 422
        assert other["Content-Type"] == "application/problem+json"
        body = other.json()
        assert body["status"] == 422
        assert body["errors"][0]["pointer"] == "/"
        assert body["errors"][0]["code"] == "idempotency_key_reused"
        assert not Partner.objects.filter(name="Second Co").exists()
        assert machinery.CALLS["create"] == 1

    def test_same_key_on_another_path_is_422(self, machinery, api):
        post(api, CREATE, {"name": "Path Co"}, key="k-path")
        other = post(api, "/api/v1/_test/ping/", {"name": "Path Co"}, key="k-path")
        assert other.status_code == 422

    def test_keys_are_scoped_per_partner(self, machinery, api, other_api):
        mine = post(api, CREATE, {"name": "Mine Co"}, key="shared-key")
        theirs = post(other_api, CREATE, {"name": "Theirs Co"}, key="shared-key")
        assert mine.status_code == theirs.status_code == 201
        assert "Idempotent-Replayed" not in theirs
        assert machinery.CALLS["create"] == 2

    def test_all_keys_of_one_partner_share_the_key_space(self, machinery, client_for, partner):
        first = post(client_for(partner), CREATE, {"name": "Two Keys Co"}, key="k-keys")
        second = post(client_for(partner), CREATE, {"name": "Two Keys Co"}, key="k-keys")
        assert second.content == first.content
        assert second["Idempotent-Replayed"] == "true"

    def test_staff_session_keys_are_scoped_per_user(self, machinery, staff_api):
        first = post(staff_api, CREATE, {"name": "Staff Co"}, key="k-staff")
        again = post(staff_api, CREATE, {"name": "Staff Co"}, key="k-staff")
        assert again.content == first.content
        assert machinery.CALLS["create"] == 1

    def test_validation_errors_are_stored_and_replayed(self, machinery, api):
        first = post(api, CREATE, {"name": ""}, key="k-400")
        assert first.status_code == 400
        again = post(api, CREATE, {"name": ""}, key="k-400")
        assert again.status_code == 400
        assert again.content == first.content
        assert again["Idempotent-Replayed"] == "true"
        assert machinery.CALLS["create"] == 1

    def test_server_errors_release_the_key_for_a_retry(self, machinery, api):
        first = post(api, "/api/v1/_test/failing/", {}, key="k-5xx")
        assert first.status_code == 503
        assert not IdempotencyRecord.objects.filter(key="k-5xx").exists()
        retry = post(api, "/api/v1/_test/failing/", {}, key="k-5xx")
        assert retry.status_code == 201
        assert "Idempotent-Replayed" not in retry
        replay = post(api, "/api/v1/_test/failing/", {}, key="k-5xx")
        assert replay.status_code == 201
        assert replay["Idempotent-Replayed"] == "true"
        assert machinery.CALLS["failing"] == 2

    def test_without_a_key_every_post_does_the_work(self, machinery, api):
        post(api, CREATE, {"name": "NoKey A"})
        post(api, CREATE, {"name": "NoKey B"})
        assert machinery.CALLS["create"] == 2
        assert not IdempotencyRecord.objects.exists()

    def test_unauthenticated_requests_are_not_stored(self, machinery, client):
        response = post(client, CREATE, {"name": "Anon Co"}, key="k-anon")
        assert response.status_code == 401
        assert not IdempotencyRecord.objects.exists()

    def test_invalid_key_is_400_problem(self, machinery, api):
        response = post(api, CREATE, {"name": "Bad Key Co"}, key="x" * 256)
        assert response.status_code == 400
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["errors"][0]["code"] == "invalid_idempotency_key"
        assert post(api, CREATE, {"name": "Bad Key Co"}, key="").status_code == 400
        assert machinery.CALLS.get("create", 0) == 0

    def test_get_requests_ignore_the_header(self, machinery, api):
        response = api.get("/api/v1/_test/ping/", HTTP_IDEMPOTENCY_KEY="k-get")
        assert response.status_code == 200
        assert not IdempotencyRecord.objects.exists()

    def test_expired_key_runs_again(self, machinery, api):
        post(api, CREATE, {"name": "Expiring Co"}, key="k-exp")
        IdempotencyRecord.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
        again = post(api, CREATE, {"name": "Expiring Co 2"}, key="k-exp")
        assert again.status_code == 201
        assert "Idempotent-Replayed" not in again
        assert machinery.CALLS["create"] == 2

    def test_record_keeps_fingerprint_response_and_expiry(self, machinery, api, settings):
        settings.IDEMPOTENCY_KEY_TTL_HOURS = 24
        post(api, CREATE, {"name": "Record Co"}, key="k-rec")
        record = IdempotencyRecord.objects.get(key="k-rec")
        assert record.status == IdempotencyStatus.COMPLETED
        assert record.response_status == 201
        assert record.caller.startswith("partner:")
        assert len(record.fingerprint) == 64
        ttl = record.expires_at - record.created_at
        assert timedelta(hours=23, minutes=59) < ttl <= timedelta(hours=24, seconds=1)


@pytest.mark.django_db
class TestInProgress:
    def test_an_in_progress_row_of_the_former_protocol_blocks_nothing(self, machinery, api):
        post(api, CREATE, {"name": "Busy Co"}, key="k-busy")
        IdempotencyRecord.objects.filter(key="k-busy").update(
            status=IdempotencyStatus.IN_PROGRESS, locked_at=timezone.now()
        )
        response = post(api, CREATE, {"name": "Busy Co"}, key="k-busy")
        assert response.status_code == 409  # the name is now taken: the work ran again
        assert response.json().get("code") != "idempotency_request_in_progress"
        assert machinery.CALLS["create"] == 2
        assert IdempotencyRecord.objects.get(key="k-busy").status == IdempotencyStatus.COMPLETED

    def test_a_server_error_after_writing_rolls_the_writes_back(self, machinery, api):
        first = post(api, "/api/v1/_test/write-then-fail/", {"name": "Half Co"}, key="k-half")
        assert first.status_code == 500
        assert not Partner.objects.filter(name="Half Co").exists()
        assert not IdempotencyRecord.objects.filter(key="k-half").exists()
        retry = post(api, "/api/v1/_test/write-then-fail/", {"name": "Half Co"}, key="k-half")
        assert retry.status_code == 201
        assert Partner.objects.filter(name="Half Co").count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_key_held_by_a_request_whose_connection_died_never_blocks(machinery, client_for):
    """The in-progress lock belongs to the request's transaction: when its database connection
    goes (request killed, database restarted) the lock goes with it, no database write needed."""
    from django.db import connections

    from tests.factories import PartnerFactory

    caller: Partner = PartnerFactory()  # type: ignore[assignment]
    api = client_for(caller)
    other = connections.create_connection("default")
    try:
        other.set_autocommit(False)
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            holder_pid = cursor.fetchone()[0]
            cursor.execute(
                "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))",
                [f"partner:{caller.pk}\nk-held"],
            )
        held = post(api, CREATE, {"name": "Held Co"}, key="k-held")
        assert held.status_code == 409
        assert held["Retry-After"] == "1"
        assert held.json()["errors"][0]["code"] == "idempotency_request_in_progress"
    finally:
        other.close()  # the holder's connection drops without committing anything
    # The server ends the holder's backend (and frees its locks) a moment after the client hangs
    # up; on a loaded machine that moment is visible, so wait for the backend to be gone.
    deadline = time.monotonic() + 10
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [holder_pid])
            if cursor.fetchone() is None:
                break
            time.sleep(0.01)
    retry = post(api, CREATE, {"name": "Held Co"}, key="k-held")
    assert retry.status_code == 201
    assert machinery.CALLS["create"] == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicate_is_409_and_the_work_runs_once(machinery, client_for, reference_data):
    from tests.factories import PartnerFactory

    api = client_for(PartnerFactory())
    results: dict[str, int] = {}

    def first() -> None:
        try:
            results["first"] = post(api, "/api/v1/_test/slow/", {"n": 1}, key="race").status_code
        finally:
            connection.close()

    thread = threading.Thread(target=first)
    thread.start()
    assert machinery.SLOW_STARTED.wait(timeout=10)
    try:
        second = post(api, "/api/v1/_test/slow/", {"n": 1}, key="race")
        assert second.status_code == 409
    finally:
        machinery.SLOW_RELEASE.set()
        thread.join(timeout=20)
    assert results["first"] == 201
    third = post(api, "/api/v1/_test/slow/", {"n": 1}, key="race")
    assert third.status_code == 201
    assert third["Idempotent-Replayed"] == "true"
    assert machinery.CALLS["slow"] == 1


@pytest.mark.django_db
class TestPurge:
    def _record(self, key: str, expires_in: timedelta) -> IdempotencyRecord:
        now = timezone.now()
        return IdempotencyRecord.objects.create(
            caller="partner:1",
            key=key,
            fingerprint="0" * 64,
            method="POST",
            path="/api/v1/x/",
            locked_at=now,
            expires_at=now + expires_in,
        )

    def test_purge_deletes_only_expired_records_in_batches(self):
        for index in range(7):
            self._record(f"old-{index}", timedelta(hours=-1))
        self._record("fresh", timedelta(hours=1))
        assert purge_expired_idempotency_records(batch_size=3) == 7
        assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["fresh"]

    def test_purge_stops_after_max_batches(self):
        for index in range(5):
            self._record(f"old-{index}", timedelta(hours=-1))
        assert purge_expired_idempotency_records(batch_size=2, max_batches=2) == 4
        assert IdempotencyRecord.objects.count() == 1

    def test_task_purges(self):
        self._record("old", timedelta(seconds=-1))
        assert purge_idempotency_keys_task.run() == 1
        assert not IdempotencyRecord.objects.exists()


def test_purge_task_is_on_the_beat_schedule():
    from tradehub.celery import app

    tasks = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert "tradehub.api.tasks.purge_idempotency_keys_task" in tasks


@pytest.mark.django_db
def test_a_stale_if_match_releases_the_key_so_the_retry_with_a_fresh_etag_runs(
    machinery, api, partner
):
    url = f"/api/v1/_test/partners/{partner.reference}/touch/"
    stale = api.get(f"/api/v1/_test/partners/{partner.reference}/")["ETag"]
    partner.save()
    body = {"contact_email": "retry@example.com"}
    first = post(api, url, body, key="k-412", HTTP_IF_MATCH=stale)
    assert first.status_code == 412
    fresh = api.get(f"/api/v1/_test/partners/{partner.reference}/")["ETag"]
    retry = post(api, url, body, key="k-412", HTTP_IF_MATCH=fresh)
    assert retry.status_code == 200
    assert "Idempotent-Replayed" not in retry
    assert machinery.CALLS["touch"] == 1
