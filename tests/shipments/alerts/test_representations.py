"""Alerts built from rows (`shipments.alerts.api.representations`) render to the same JSON bytes
as `AlertSerializer`, the schema's source: alerts on a lot (with a blank and a unicode lot code),
on a shipment only, on a declaration (no shipment, no lot); open, acknowledged with a comment,
resolved; threshold given or not; in three time zones. The API answers the same."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from shipments.alerts.api.representations import alert_rows, represent_alerts
from shipments.alerts.api.views import AlertSerializer
from shipments.alerts.selectors import alerts
from shipments.models import Alert, Lot
from tests.shipments.factories import make_shipment, released_declaration
from tradehub.api.renderers import FastJSONRenderer

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 11, 30, 18, 0, 0, 123456, tzinfo=dt.UTC)


def varied_alerts(partner) -> list[Alert]:
    shipment = make_shipment(
        partner,
        lots=[
            {"product": "cherry-tomato", "lot_code": ""},
            {"product": "kiwifruit", "lot_code": "Лот-猕猴桃-7"},
        ],
    )
    blank, unicode = Lot.objects.filter(shipment=shipment).order_by("id")
    declaration = released_declaration(partner)
    made = []
    for n, (lot, with_shipment, state) in enumerate(
        [
            (blank, True, "open"),
            (unicode, True, "acknowledged"),
            (None, True, "resolved"),
            (None, False, "open"),
        ]
    ):
        made.append(
            Alert.objects.create(
                partner=partner,
                kind="expiring_soon" if lot else "customs_hold",
                severity=["warning", "high", "info", "medium"][n % 4],
                subject_type="lot" if lot else ("shipment" if with_shipment else "declaration"),
                subject_reference=f"SUBJ-{n}-ü",
                shipment=shipment if with_shipment else None,
                lot=lot,
                declaration=None if with_shipment else declaration,
                threshold_hours=[72, None, 0, 24][n],
                dedup_key=f"test:{n}",
                message=f'Сообщение {n} 警报 «quoted» "double"',
                state=state,
            )
        )
    Alert.objects.filter(pk=made[1].pk).update(
        acknowledged_at=T0, acknowledged_by="ops@例子.kz", comment="Checked ✓\nnew line"
    )
    Alert.objects.filter(pk=made[2].pk).update(resolved_at=T0 + dt.timedelta(microseconds=1))
    return list(Alert.objects.filter(pk__in=[a.pk for a in made]).order_by("-created_at", "-id"))


def serializer_bytes(made: list[Alert]) -> bytes:
    loaded = {a.pk: a for a in alerts().filter(pk__in=[a.pk for a in made])}
    return FastJSONRenderer().render(
        list(AlertSerializer([loaded[a.pk] for a in made], many=True).data)
    )


def rows_bytes(made: list[Alert]) -> bytes:
    rows = {row["id"]: row for row in alert_rows(Alert.objects.all())}
    return FastJSONRenderer().render(represent_alerts([rows[a.pk] for a in made]))


@pytest.mark.parametrize("zone", [None, "UTC", "America/St_Johns"])
def test_rows_render_the_serializers_bytes(partner, zone):
    made = varied_alerts(partner)
    with timezone.override(ZoneInfo(zone) if zone else timezone.get_default_timezone()):
        assert rows_bytes(made) == serializer_bytes(made)
        for alert in made:
            assert rows_bytes([alert]) == serializer_bytes([alert])
    text = rows_bytes(made).decode()
    assert '"lot_code":""' in text
    assert '"lot_code":null' in text
    assert '"shipment":null' in text
    assert '"threshold_hours":null' in text


def test_the_api_answers_what_the_serializer_gives(api, partner):
    made = varied_alerts(partner)
    listed = api.get("/api/v1/alerts/?page_size=50")
    assert listed.status_code == 200
    assert listed.content == FastJSONRenderer().render(
        {"next": None, "previous": None, "results": list(AlertSerializer(made, many=True).data)}
    )
    for alert in made:
        detail = api.get(f"/api/v1/alerts/{alert.reference}/")
        assert detail.status_code == 200
        assert detail.content == serializer_bytes([alert])[1:-1]
        assert detail["ETag"]
    acknowledged = api.post(
        f"/api/v1/alerts/{made[0].reference}/acknowledge/", {"comment": "ok"}, format="json"
    )
    assert acknowledged.status_code == 200, acknowledged.content
    made[0].refresh_from_db()
    assert acknowledged.content == serializer_bytes([made[0]])[1:-1]


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"state": ["open", "acknowledged"]},
        {"shipment": ["SHP-NONE"]},
        {"severity": ["high"], "kind": ["expiring_soon", "customs_hold"]},
        {"updated_since": ["2026-11-30T00:00:00+05:00"], "state": ["resolved"]},
    ],
)
@pytest.mark.parametrize("staff", [False, True])
def test_rows_set_up_once_read_what_filtering_first_read(partner, query, staff):
    """The view's rows (`.values()` set up once per process, then scoped and filtered per
    request) compile to the SQL of scoping and filtering the model's queryset first, and read
    the same rows."""
    from django.http import QueryDict

    from shipments.alerts.api.views import AlertFilter, AlertViewSet

    varied_alerts(partner)
    data = QueryDict(mutable=True)
    for name, values in query.items():
        data.setlist(name, values)

    def scope(queryset):
        return queryset.all() if staff else queryset.filter(partner=partner.pk)

    before = alert_rows(AlertFilter(data, queryset=scope(alerts())).qs)
    after = AlertFilter(data, queryset=scope(AlertViewSet.rows)).qs
    ordering = ("-created_at", "-id")
    assert str(after.order_by(*ordering).query) == str(before.order_by(*ordering).query)
    assert list(after.order_by(*ordering)) == list(before.order_by(*ordering))
    assert AlertViewSet.rows._result_cache is None  # the shared queryset is never read


def test_staff_and_partners_see_their_alerts_through_the_shared_rows(
    api, partner, other_partner, client_for
):
    """Each request scopes the shared rows to its caller: another partner's alert is a 404
    and not in its list; the detail's lookup (a compiled shape) answers each caller its own."""
    from tests.factories import StaffUserFactory

    made = varied_alerts(partner)
    other = client_for(other_partner)
    assert other.get("/api/v1/alerts/").json()["results"] == []
    assert other.get(f"/api/v1/alerts/{made[0].reference}/").status_code == 404
    assert api.get(f"/api/v1/alerts/{made[0].reference}/").status_code == 200
    staff = APIClient()
    staff.force_login(StaffUserFactory())  # type: ignore[arg-type]
    listed = staff.get("/api/v1/alerts/?page_size=50")
    assert [a["reference"] for a in listed.json()["results"]] == [a.reference for a in made]
    assert staff.get(f"/api/v1/alerts/{made[0].reference}/").status_code == 200


def test_list_and_detail_queries_are_compiled_once_per_shape(api, partner, monkeypatch):
    """The shared rows read pages and details through shapes compiled once: Django compiles an
    alerts query for the first list and the first detail, not for the next ones."""
    from django.db.models.sql.compiler import SQLCompiler

    from tradehub.api import page_queries

    made = varied_alerts(partner)
    page_queries.clear()
    compiled: list[str] = []
    original = SQLCompiler.as_sql

    def as_sql(self, *args, **kwargs):
        if self.query.model is Alert and not self.query.subquery:
            compiled.append("alert")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(SQLCompiler, "as_sql", as_sql)
    counts = []
    for _ in range(3):
        before = len(compiled)
        assert api.get("/api/v1/alerts/?page_size=2").status_code == 200
        assert api.get(f"/api/v1/alerts/{made[1].reference}/").status_code == 200
        counts.append(len(compiled) - before)
    assert counts == [2, 0, 0]
