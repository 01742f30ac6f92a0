"""Demo data: the corridor story, loaded twice without duplicates."""

import io

import pytest
from django.core.management import call_command

from declarations.models import Declaration
from shipments.models import Excursion, Shipment

pytestmark = pytest.mark.django_db


def test_demo_data_is_complete_and_idempotent():
    call_command("load_demo_data", stdout=io.StringIO())
    count = Shipment.objects.count()
    call_command("load_demo_data", stdout=io.StringIO())
    assert Shipment.objects.count() == count == 5
    destinations = set(
        Shipment.objects.filter(kind="distribution").values_list("destination__code", flat=True)
    )
    assert destinations == {"KGFRU", "KZCIT"}
    inbound = Shipment.objects.filter(kind="inbound")
    assert {s.status for s in inbound} == {"arrived"}
    assert {leg.to_location.code for s in inbound for leg in s.legs.all()} == {"KZHOR", "KZALA"}
    caspian = Shipment.objects.get(partner_reference="DEMO-CASPIAN-01")
    assert [leg.mode for leg in caspian.legs.order_by("sequence")] == ["rail", "sea", "rail"]
    assert {"KZAAU", "AZALA"} <= {leg.to_location.code for leg in caspian.legs.all()}
    assert Excursion.objects.filter(kind="high").count() == 1
    assert Declaration.objects.get(lrn="XFE-DEMO-0001").status == "partially_distributed"
