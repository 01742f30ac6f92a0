"""Demo data: the corridor story, loaded twice without duplicates."""

import io

import pytest
from django.core.management import call_command

from declarations.choices import TransitStatus
from declarations.models import Declaration
from shipments.models import Excursion, Shipment

pytestmark = pytest.mark.django_db


def test_demo_data_is_complete_and_idempotent():
    call_command("load_demo_data", stdout=io.StringIO())
    count = Shipment.objects.count()
    call_command("load_demo_data", stdout=io.StringIO())
    assert Shipment.objects.count() == count == 10
    excursions = Excursion.objects.filter(kind="high")
    assert excursions.count() == 1


def test_the_demo_tells_the_corridor_right():
    call_command("load_demo_data", stdout=io.StringIO())
    # Rail through Khorgos under EAEU transit; the containers change gauge at Altynkol.
    transit = Declaration.objects.get(lrn="XFE-DEMO-TR-01")
    assert transit.procedure == "transit" and transit.office.code == "50913"
    assert transit.transit.status == TransitStatus.COMPLETED
    assert transit.transit.navigation_seals
    inbound = Shipment.objects.filter(declaration=transit, kind="inbound")
    assert {s.status for s in inbound} == {"arrived"}
    for shipment in inbound:
        assert shipment.events.filter(type="transshipped", location__code="KZ9AK").exists()
        assert shipment.events.filter(type="border_crossed", transit=transit.transit).exists()
    # The customs warehouse at Almaty holds the consignment and distributes it.
    warehouse = Declaration.objects.get(lrn="XFE-DEMO-WH-01")
    assert warehouse.parent == transit and warehouse.procedure == "customs_warehouse"
    distributed = Shipment.objects.filter(declaration=warehouse, kind="distribution")
    procedures = {
        s.destination.code: (s.onward_formalities, s.onward_declaration.procedure)
        for s in distributed
        if s.onward_declaration
    }
    assert procedures == {
        "KZCIT": ("free_circulation", "import"),
        "KGFRU": ("eaeu_mutual_trade", "import"),
        "UZTAS": ("reexport_under_transit", "reexport"),
        "TJDYU": ("reexport_under_transit", "reexport"),
        "TMASB": ("reexport_under_transit", "reexport"),
    }
    bishkek = distributed.get(destination__code="KGFRU")
    assert bishkek.required_documents.get(type="snt").status == "provided"
    assert bishkek.required_documents.get(type="indirect_tax_application").status == "missing"
    dushanbe = distributed.get(destination__code="TJDYU")
    assert dushanbe.required_documents.filter(type="tir_carnet", country="UZ").exists()
    assert distributed.get(destination__code="KZCIT").status == "in_transit"
    # An overdue transit of fresh produce raises a high alert.
    from shipments.alerts.services import scan_alerts

    raised = [a for a in scan_alerts().raised if a.kind == "transit_overdue"]
    assert [a.severity for a in raised] == ["high"]
    # Rail-sea-rail to Baku in about 15 days; Georgia is its own shipment.
    caspian = Shipment.objects.get(partner_reference="DEMO-CASPIAN-01")
    assert [leg.mode for leg in caspian.legs.order_by("sequence")] == [
        "rail",
        "rail",
        "sea",
        "rail",
    ]
    assert (caspian.origin.code, caspian.destination.code) == ("CNBJS", "AZBAK")
    assert caspian.planned_arrival and caspian.planned_departure
    assert (caspian.planned_arrival - caspian.planned_departure).days == 15
    georgia = Shipment.objects.get(partner_reference="DEMO-BAKU-TBILISI-01")
    assert (georgia.origin.code, georgia.destination.code) == ("AZBAK", "GETBS")


def test_the_demo_ashgabat_tomatoes_get_advice_to_go_to_a_nearer_destination():
    """Cherry tomatoes with six days left (the warm spell at Altynkol) booked on a week by rail to
    Ashgabat: the expiry alert names Bishkek and Tashkent, which they still reach sellable."""
    from shipments.alerts.services import scan_alerts
    from shipments.models import Alert

    call_command("load_demo_data", stdout=io.StringIO())
    ashgabat = Shipment.objects.get(partner_reference="DEMO-DIST-TMASB")
    lot = ashgabat.lots.get()
    assert lot.product.code == "cherry-tomato"
    assert ashgabat.planned_arrival is not None
    assert lot.shelf_life_ends_at < ashgabat.planned_arrival
    scan_alerts()
    alert = Alert.objects.get(kind="expires_before_arrival", lot=lot)
    options = alert.details["reroute_options"]
    assert [o["destination"] for o in options] == ["KGFRU", "UZTAS"]
    assert "Could still reach sellable: KGFRU" in alert.message
