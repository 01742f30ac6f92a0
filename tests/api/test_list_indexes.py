"""The partner lists and their `updated_since` polls are served by indexes (issue #15): EXPLAIN of
the queries the views run shows an index scan on the partner's indexes, never a sequential scan
(the planner is told to avoid one, as it would on a large table; on an empty test table a
sequential scan is always cheapest)."""

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from declarations.models import Declaration
from shipments.models import Alert, Shipment
from tests.factories import PartnerFactory

pytestmark = pytest.mark.django_db


def plan_of(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.parametrize(
    ("model", "indexes"),
    [
        (Declaration, ("declaration_partner_created",)),
        (Shipment, ("shipment_partner_created",)),
        (Alert, ("alert_partner_created",)),
    ],
)
def test_a_partners_page_reads_its_index(model, indexes):
    partner = PartnerFactory()
    page = model.objects.filter(partner=partner).order_by("-created_at", "-id")[:51]
    plan = plan_of(page)
    assert "Seq Scan" not in plan
    assert any(name in plan for name in indexes), plan


@pytest.mark.parametrize(
    ("model", "indexes"),
    [
        (Declaration, ("declaration_partner_updated", "declaration_partner_created")),
        (Shipment, ("shipment_partner_updated", "shipment_partner_created")),
        (Alert, ("alert_partner_updated", "alert_partner_created")),
    ],
)
def test_an_updated_since_poll_reads_an_index(model, indexes):
    partner = PartnerFactory()
    since = timezone.now() - dt.timedelta(minutes=5)
    poll = model.objects.filter(partner=partner, updated_at__gte=since).order_by(
        "-created_at", "-id"
    )[:51]
    plan = plan_of(poll)
    assert "Seq Scan" not in plan
    assert any(name in plan for name in indexes), plan
