"""Re-route advice: a lot that will rot before its destination gets the nearer places it can reach."""

import datetime as dt

import pytest

from shipments.alerts.rules import expires_before_arrival
from shipments.models import Shipment
from shipments.reroute import advise, load_lead_times
from tests.factories import PartnerFactory
from tests.shipments.factories import make_shipment

pytestmark = pytest.mark.django_db


@pytest.fixture
def ashgabat_tomatoes(partner, products) -> Shipment:
    """Cherry tomatoes packed 10 days ago (14-day life) on a 7-day trip Almaty -> Ashgabat; the
    partner also ships to Bishkek and Tashkent."""
    now = dt.datetime.now(dt.UTC)
    for destination, mode in (("KGFRU", "road"), ("UZTAS", "road")):
        make_shipment(
            partner,
            kind="distribution",
            origin="KZALA",
            destination=destination,
            legs=[(mode, "KZALA", destination)],
        )
    shipment = make_shipment(
        partner,
        kind="distribution",
        origin="KZALA",
        destination="TMASB",
        legs=[("rail", "KZALA", "TMASB")],
        planned_departure=now,
        planned_arrival=now + dt.timedelta(days=7),
        lots=[
            {
                "product": "cherry-tomato",
                "lot_code": "TOM-ASB-1",
                "packed_on": (now - dt.timedelta(days=10)).date(),
            }
        ],
    )
    # The seeded table: Almaty -> Bishkek by road 5 h and -> Tashkent 16.5 h (bus times, lower
    # bounds for a truck), -> Ashgabat by rail 7 days (planning estimate).
    load_lead_times()
    return shipment


def test_a_tomato_lot_that_will_rot_before_ashgabat_is_advised_a_nearer_reachable_destination(
    ashgabat_tomatoes,
):
    """Cherry tomatoes ship pink to light red: 14 days of life (NC State Extension, pink 7-14
    days). Packed 10 days ago, under 4 days are left: a week by rail to Ashgabat is too long,
    5 h by road to Bishkek and 16.5 h to Tashkent are not."""
    lot = ashgabat_tomatoes.lots.get()
    assert lot.product.storage_life_days == 14
    assert "NC State Extension" in lot.product.sources["storage_life"]
    advice = advise(lot, dt.datetime.now(dt.UTC))
    assert advice.expires_before_arrival
    assert [(o.destination.code, o.reachable) for o in advice.options] == [
        ("KGFRU", True),
        ("UZTAS", True),
        ("TMASB", False),
    ]
    best = advice.options[0]
    assert best.remaining_at_arrival_hours == pytest.approx(
        advice.remaining_shelf_life_hours - 5, abs=0.1
    )
    assert advice.options[2].remaining_at_arrival_hours == pytest.approx(
        advice.remaining_shelf_life_hours - 168, abs=0.1
    )
    assert best.procedure == "eaeu_mutual_trade"  # Kazakhstan -> Kyrgyzstan inside the EAEU
    assert advice.options[1].procedure == "reexport_under_transit"
    assert "Kazinform" in advice.options[1].lead_time.source
    assert advice.summary.startswith("Could still reach sellable: KGFRU")


def test_lead_times_are_learned_from_delivered_shipments(ashgabat_tomatoes, partner):
    delivered = make_shipment(
        partner,
        kind="distribution",
        origin="KZALA",
        destination="KGFRU",
        legs=[("road", "KZALA", "KGFRU")],
    )
    departed = dt.datetime.now(dt.UTC) - dt.timedelta(days=3)
    Shipment.objects.filter(pk=delivered.pk).update(
        status="delivered",
        actual_departure=departed,
        actual_arrival=departed + dt.timedelta(hours=20),
    )
    # A delivery more than a year old no longer counts (lead times drift).
    old = make_shipment(
        partner,
        kind="distribution",
        origin="KZALA",
        destination="KGFRU",
        legs=[("road", "KZALA", "KGFRU")],
    )
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=400)
    Shipment.objects.filter(pk=old.pk).update(
        status="delivered",
        actual_departure=long_ago,
        actual_arrival=long_ago + dt.timedelta(hours=90),
    )
    advice = advise(ashgabat_tomatoes.lots.get(), dt.datetime.now(dt.UTC))
    bishkek = next(o for o in advice.options if o.destination.code == "KGFRU")
    assert bishkek.lead_time.hours == pytest.approx(20)
    assert bishkek.lead_time.source == "median of 1 delivered shipment(s)"


def test_reroute_options_api_is_scoped_to_the_partner_and_says_what_to_do(
    api, client_for, ashgabat_tomatoes
):
    response = api.get("/api/v1/lots/TOM-ASB-1/reroute-options/")
    assert response.status_code == 200
    body = response.json()
    assert body["shipment"] == ashgabat_tomatoes.reference
    assert body["destination"] == "TMASB"
    assert body["expires_before_arrival"] is True
    assert [o["destination"] for o in body["options"] if o["reachable"]] == ["KGFRU", "UZTAS"]
    assert body["options"][0]["procedure"] == "eaeu_mutual_trade"
    other = client_for(PartnerFactory())
    missing = other.get("/api/v1/lots/TOM-ASB-1/reroute-options/")
    assert missing.status_code == 404
    assert missing["Content-Type"].startswith("application/problem+json")
    assert api.get("/api/v1/lots/TOM-ASB-1/reroute-options/", {"x": "1"}).status_code == 400


def test_the_expiry_alert_offers_the_reroute_advice(ashgabat_tomatoes):
    candidates = expires_before_arrival(dt.datetime.now(dt.UTC))
    assert len(candidates) == 1
    message = candidates[0].message
    assert "Re-route advice: Could still reach sellable: KGFRU" in message
    assert "/api/v1/lots/TOM-ASB-1/reroute-options/" in message
    assert candidates[0].details["reroute_options"][0]["destination"] == "KGFRU"


def test_the_alert_in_the_admin_shows_the_ranked_options_as_advice_only(
    client, staff_user, ashgabat_tomatoes
):
    from django.urls import reverse

    from shipments.alerts.services import scan_alerts
    from shipments.models import Alert

    scan_alerts()
    alert = Alert.objects.get(kind="expires_before_arrival", lot__lot_code="TOM-ASB-1")
    client.force_login(staff_user)
    page = client.get(reverse("admin:shipments_alert_change", args=[alert.pk])).content.decode()
    table = page.split('class="reroute-advice"', 1)[1].split("</table>", 1)[0]
    rows = table.split("<tr")[2:]  # after the header row
    assert [row.split("<td>", 2)[1].split(" ", 1)[0] for row in rows] == ["KGFRU", "UZTAS", "TMASB"]
    assert [row.split('"', 2)[1] for row in rows] == ["reachable", "reachable", "unreachable"]
    assert "Release, then mutual trade inside the EAEU" in rows[0]
    assert "none: it would arrive spoilt" in rows[2]
    assert "Advice only: nothing moves until a person re-books the shipment." in page
    # Nothing moved: the shipment still goes to Ashgabat.
    ashgabat_tomatoes.refresh_from_db()
    assert ashgabat_tomatoes.destination.code == "TMASB"


def test_the_lot_list_gives_the_advice_in_the_admins_language(ashgabat_tomatoes):
    """The admin's lot list (Russian here; needs the compiled catalogue, as bin/test builds it)."""
    from django.contrib import admin
    from django.utils import translation

    from shipments.admin import LotInline

    inline = LotInline(Shipment, admin.site)
    lot = ashgabat_tomatoes.lots.get()
    assert inline.reroute_display(lot).startswith("Could still reach sellable: KGFRU (")
    with translation.override("ru"):
        text = inline.reroute_display(lot)
    assert text.startswith("Ещё можно доставить в товарном виде: KGFRU (")
    assert "Автотранспорт: по прибытии останется" in text
