"""The control tower on the admin's landing page: one query per tile, the right colour from the
settings' limits, and each tile's link lists exactly the rows it counted."""

import datetime as dt
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from declarations.models import Transit
from shipments.models import Alert, Excursion, Lot, Shipment, TrackingEvent
from tests.declarations.factories import DeclarationFactory
from tests.factories import PartnerFactory, UserFactory
from tests.shipments.factories import make_shipment
from tradehub.notifications.models import OutboundMessage
from tradehub.reference.models import CustomsOffice
from tradehub.workplace.queues import Limits, Queue, colour_of, configured, count

pytestmark = pytest.mark.django_db

INDEX = reverse("admin:index")


@pytest.fixture
def staff_client(staff_user):
    client = Client()
    client.force_login(staff_user)
    return client


def ago(**delta):
    return timezone.now() - dt.timedelta(**delta)


@pytest.fixture
def busy_day(db):
    """At least one row in every queue, and rows just outside each queue."""
    partner: Any = PartnerFactory()
    DeclarationFactory(partner=partner, status="submitted", submitted_at=ago(hours=2))
    DeclarationFactory(partner=partner, status="submitted", submitted_at=ago(minutes=5))
    DeclarationFactory(partner=partner, status="draft")
    DeclarationFactory(
        partner=partner, status="accepted", channel="green", accepted_at=ago(hours=1)
    )
    DeclarationFactory(
        partner=partner, status="under_control", channel="red", accepted_at=ago(hours=30)
    )
    DeclarationFactory(
        partner=partner, status="under_control", channel="yellow", accepted_at=ago(hours=1)
    )
    DeclarationFactory(partner=partner, status="released", released_at=ago(hours=7))
    DeclarationFactory(partner=partner, status="distributed", released_at=ago(days=3))
    office = CustomsOffice.objects.get(code="50510")
    for deadline, status in (
        (ago(hours=3), "opened"),  # overdue
        (timezone.now() + dt.timedelta(hours=5), "opened"),  # near
        (timezone.now() + dt.timedelta(days=4), "opened"),  # far: not in the queue
        (ago(hours=3), "completed"),  # done: not in the queue
    ):
        declaration: Any = DeclarationFactory(
            partner=partner, procedure="transit", status="released"
        )
        Transit.objects.create(
            declaration=declaration,
            destination_office=office,
            requested_deadline=deadline,
            delivery_deadline=deadline,
            status=status,
        )
    risky = make_shipment(partner, lots=[{"product": "cherry-tomato"}, {"product": "kiwifruit"}])
    Lot.objects.filter(pk=risky.lots.order_by("id")[0].pk).update(
        condition="at_risk", shelf_life_ends_at=timezone.now() + dt.timedelta(hours=10)
    )
    make_shipment(partner)  # a healthy one
    late = make_shipment(partner)
    Shipment.objects.filter(pk=late.pk).update(
        is_overdue=True, estimated_arrival=ago(hours=13), status="in_transit"
    )
    held = make_shipment(partner)
    Shipment.objects.filter(pk=held.pk).update(status="customs_hold")
    TrackingEvent.objects.create(
        shipment=held,
        event_id="h1",
        type="customs_hold",
        classifier="actual",
        occurred_at=ago(hours=5),
    )
    for index, (severity, state) in enumerate(
        [("high", "open"), ("high", "open"), ("low", "open"), ("high", "acknowledged")]
    ):
        Alert.objects.create(
            partner=partner,
            kind="arrival_late",
            severity=severity,
            subject_type="shipment",
            subject_reference=late.reference,
            shipment=late,
            dedup_key=f"k{index}",
            state=state,
            message="late",
        )
    Excursion.objects.create(shipment=risky, kind="high", started_at=ago(minutes=20), peak_c=14)
    Excursion.objects.create(
        shipment=risky, kind="high", started_at=ago(hours=9), peak_c=15, acknowledged=True
    )
    for index, (status, attempts) in enumerate(
        [("failed", 8), ("pending", 2), ("pending", 0), ("delivered", 1)]
    ):
        OutboundMessage.objects.create(
            channel="email",
            event_type="alert",
            recipient_email="ops@example.com",
            dedup_key=f"m{index}",
            status=status,
            attempts=attempts,
            delivered_at=timezone.now() if status == "delivered" else None,
        )


def tiles_of(response):
    return {tile.queue.key: tile for tile in response.context["tiles"]}


def test_the_landing_page_is_the_tower_with_every_configured_queue(staff_client, busy_day):
    response = staff_client.get(INDEX)
    assert response.status_code == 200
    tiles = tiles_of(response)
    assert list(tiles) == [queue.key for queue, _ in configured()]
    counts = {key: tile.count for key, tile in tiles.items()}
    assert counts == {
        "declarations_submitted": 2,
        "declarations_accepted": 1,
        "declarations_under_control": 2,
        "declarations_released": 5,  # one plain release and the four released transits
        "transits_near_deadline": 2,
        "shipments_at_risk": 1,
        "shipments_overdue": 1,
        "shipments_customs_hold": 1,
        "alerts_open": 3,
        "excursions_unacknowledged": 1,
        "deliveries_failing": 2,
    }
    under_control = tiles["declarations_under_control"]
    assert [(str(p.label), p.count) for p in under_control.parts] == [
        ("red: awaiting inspection", 1),
        ("yellow: documentary check", 1),
    ]
    assert [p.count for p in tiles["alerts_open"].parts] == [2, 0, 1]
    html = response.content.decode()
    assert 'data-queue="declarations_submitted" data-count="2" data-colour="red"' in html
    assert "since submission" in html


def test_colours_follow_the_limits_in_settings(staff_client, busy_day):
    tiles = tiles_of(staff_client.get(INDEX))
    colours = {key: tile.colour for key, tile in tiles.items()}
    assert colours["declarations_submitted"] == "red"  # 2 h > 60 min
    assert colours["declarations_accepted"] == "green"  # 1 h < 3 h
    assert colours["declarations_under_control"] == "red"  # 30 h > 24 h
    assert colours["declarations_released"] == "amber"  # 7 h: between 6 h and 24 h
    assert colours["transits_near_deadline"] == "red"  # one is overdue
    assert colours["shipments_at_risk"] == "red"  # 10 h of shelf life left < 24 h
    assert colours["shipments_overdue"] == "red"  # 13 h late > 12 h
    assert colours["shipments_customs_hold"] == "green"  # 5 h < 12 h
    assert colours["excursions_unacknowledged"] == "green"  # 20 min < 60 min
    assert "overdue by 3 h" in tiles["transits_near_deadline"].timer


def test_a_limit_changed_in_settings_changes_the_colour(staff_client, busy_day, settings):
    settings.CONTROL_TOWER = [
        {"queue": "declarations.queues.ACCEPTED", "amber_minutes": 10, "red_minutes": 50}
    ]
    tiles = tiles_of(staff_client.get(INDEX))
    assert list(tiles) == ["declarations_accepted"]
    assert tiles["declarations_accepted"].colour == "red"


def test_empty_queues_are_green_with_nothing_waiting(staff_client):
    response = staff_client.get(INDEX)
    assert all(tile.count == 0 and tile.colour == "green" for tile in response.context["tiles"])
    assert "nothing waiting" in response.content.decode()


@pytest.mark.parametrize(
    ("kind", "minutes", "colour"),
    [
        ("age", 5, "green"),
        ("age", 30, "amber"),
        ("age", 60, "red"),
        ("deadline", 120, "green"),
        ("deadline", 60, "amber"),
        ("deadline", -1, "red"),
    ],
)
def test_colour_rule(kind, minutes, colour):
    """Age: amber after 30 min, red after 60. Deadline: amber within 90 min, red when overdue."""
    limits = Limits(amber_minutes=30, red_minutes=60) if kind == "age" else Limits(90, 0)
    assert colour_of(kind, 1, minutes, limits) == colour


def test_each_tile_links_to_a_list_of_exactly_the_rows_it_counts(staff_client, busy_day):
    tiles = tiles_of(staff_client.get(INDEX))
    for tile in tiles.values():
        links = [(tile.url, tile.count)] + [(part.url, part.count) for part in tile.parts]
        for url, expected in links:
            path, query = urlsplit(url).path, dict(parse_qsl(urlsplit(url).query))
            response = staff_client.get(path, query)
            assert response.status_code == 200, url
            changelist = response.context["cl"]
            assert changelist.result_count == expected, url


def test_one_query_per_tile(staff_client, busy_day, django_assert_max_num_queries):
    tiles = len(configured())
    # Session, user, permissions (one for all tiles), the tiles, and nothing per row.
    with django_assert_max_num_queries(tiles + 4):
        staff_client.get(INDEX)


def test_staff_see_only_the_tiles_of_lists_they_may_view(busy_day):
    clerk: Any = UserFactory(is_staff=True)
    clerk.user_permissions.add(Permission.objects.get(codename="view_declaration"))
    client = Client()
    client.force_login(clerk)
    keys = set(tiles_of(client.get(INDEX)))
    assert keys == {
        "declarations_submitted",
        "declarations_accepted",
        "declarations_under_control",
        "declarations_released",
        "transits_near_deadline",
    }


def plan(queue: Queue, limits: Limits) -> str:
    """The PostgreSQL plan of a tile's query with sequential scans priced out."""
    queryset = queue.queryset(timezone.now(), limits)
    if queue.annotate is not None:
        queryset = queue.annotate(queryset)
    sql, params = queryset.order_by().values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.parametrize("index", range(len(configured())))
def test_every_tile_query_can_be_answered_from_an_index(index):
    """With sequential scans priced out, no tile reads a whole big table: an index leads to
    its rows (so the count follows the rows in the queue, not the history kept)."""
    queue, limits = configured()[index]
    text = plan(queue, limits)
    big_tables = [
        "declarations_declaration",
        "declarations_transit",
        "shipments_shipment",
        "shipments_lot",
        "shipments_alert",
        "shipments_excursion",
        "notifications_outboundmessage",
        "shipments_trackingevent",
    ]
    for table in big_tables:
        assert f"Seq Scan on {table}" not in text, text


def test_counting_a_queue_is_one_query(busy_day, django_assert_num_queries):
    for queue, limits in configured():
        with django_assert_num_queries(1):
            count(queue, limits, timezone.now())
