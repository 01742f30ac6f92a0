"""Customs gateways per office: the simulated authority's rules end to end (its tasks called
directly), routing by office and country, and the manual gateway that leaves decisions to staff."""

import datetime as dt
import re
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from declarations import services
from declarations import tasks as core_tasks
from declarations.choices import DeclarationStatus as S
from declarations.gateway import ManualGateway, get_gateway
from declarations.inputs import DeclarationInput
from declarations.models import CustomsMessage, Declaration
from declarations.risk import assess_channel
from gateways.simulated import tasks
from gateways.simulated.gateway import SimulatedGateway
from gateways.simulated.models import SimulatedCase
from tests.declarations.factories import GRAPES, MACHINE_PARTS, TOMATOES, create_declaration

pytestmark = pytest.mark.django_db

PHYTO = {"type": "phytosanitary_certificate", "number": "P-1"}
INVOICE = {"type": "invoice", "number": "I-1"}
ORIGIN = {"type": "certificate_of_origin", "number": "O-1"}


def submit(**overrides) -> Declaration:
    return services.submit(create_declaration(**overrides), actor="test")


def reload(declaration):
    return Declaration.objects.get(pk=declaration.pk)


@pytest.fixture(autouse=True)
def _routes(settings):
    settings.CUSTOMS_GATEWAY = "routes"


def assess(declaration_id: int, version: int | None = None) -> None:
    """What the Celery worker runs a few seconds after submission at a Kazakh office."""
    tasks.assess_task(declaration_id, version, "astana1")


def test_each_office_gets_the_gateway_its_country_or_code_routes_to(settings):
    from tradehub.reference.models import CustomsOffice

    declaration = create_declaration()
    gateway = get_gateway(declaration)
    assert isinstance(gateway, SimulatedGateway)
    assert (gateway.name, gateway.system) == ("astana1", "ASTANA-1")
    bishkek = CustomsOffice.objects.get(code="41701")
    tashkent = CustomsOffice.objects.get(code="26002")
    from declarations.gateway import gateway_for_office, offices_served_by

    kyrgyz = gateway_for_office(bishkek)
    assert isinstance(kyrgyz, SimulatedGateway) and kyrgyz.name == "kg_eais"
    assert kyrgyz.release_seconds == 2 * gateway.release_seconds
    assert isinstance(gateway_for_office(tashkent), ManualGateway)
    assert "50510" in offices_served_by("astana1") and "41701" not in offices_served_by("astana1")
    # An office code routes before its country; a named gateway overrides every route.
    settings.CUSTOMS_GATEWAY_ROUTES = {"50510": "manual", "KZ": "astana1", "*": "manual"}
    assert isinstance(get_gateway(declaration), ManualGateway)
    settings.CUSTOMS_GATEWAY_ROUTES = {"KZ": "astana1", "*": "manual"}
    settings.CUSTOMS_GATEWAY = "manual"
    assert isinstance(get_gateway(declaration), ManualGateway)


def test_a_route_to_an_unknown_gateway_is_a_configuration_error(settings):
    from django.core.exceptions import ImproperlyConfigured

    settings.CUSTOMS_GATEWAY_ROUTES = {"*": "nowhere"}
    with pytest.raises(ImproperlyConfigured):
        get_gateway(create_declaration())


def test_complete_fresh_produce_is_accepted_green_then_released_after_the_delay():
    declaration = submit(documents=[PHYTO, INVOICE, ORIGIN])
    assess(declaration.pk, declaration.version)
    declaration = reload(declaration)
    assert declaration.status == S.ACCEPTED and declaration.channel == "green"
    today = timezone.localtime(timezone.now(), dt.timezone(dt.timedelta(hours=5)))
    assert re.fullmatch(rf"50510/{today:%d%m%y}/\d{{7}}", declaration.number)
    tasks.release_task(declaration.pk, declaration.version)
    assert reload(declaration).status == S.ACCEPTED  # not due yet
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=61), tick=False):
        tasks.release_task(declaration.pk, declaration.version)
    declaration = reload(declaration)
    assert declaration.status == S.RELEASED and declaration.released_at is not None
    types = list(declaration.events.values_list("type", flat=True))
    assert types.index("submitted") < types.index("accepted") < types.index("released")


def test_the_beat_job_releases_what_is_due():
    declaration = submit(documents=[PHYTO, INVOICE, ORIGIN])
    assess(declaration.pk)
    assert tasks.release_due_task() == 0
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=5), tick=False):
        assert tasks.release_due_task() == 1
        assert tasks.release_due_task() == 0
    assert reload(declaration).status == S.RELEASED


def test_the_api_md_example_with_only_a_phytosanitary_certificate_is_green():
    declaration = create_declaration(documents=[PHYTO])
    assert assess_channel(declaration) == ("green", [])


def test_high_value_without_invoice_is_yellow():
    dear = {
        **MACHINE_PARTS,
        "invoice_value": "60000.00",
        "gross_kg": "2000.000",
        "net_kg": "1900.000",
    }
    declaration = create_declaration(goods_items=[dear], documents=[ORIGIN])
    channel, reasons = assess_channel(declaration)
    assert channel == "yellow" and "invoice" in reasons[0]


def test_foreign_origin_without_certificate_is_yellow_released_after_twice_the_delay():
    turkish = {**GRAPES, "origin_country": "TR"}
    declaration = submit(goods_items=[TOMATOES, turkish], documents=[PHYTO, INVOICE])
    assess(declaration.pk)
    declaration = reload(declaration)
    assert declaration.status == S.UNDER_CONTROL and declaration.channel == "yellow"
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=90), tick=False):
        tasks.release_due_task()
    assert reload(declaration).status == S.UNDER_CONTROL
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=121), tick=False):
        tasks.release_due_task()
    assert reload(declaration).status == S.RELEASED


def test_value_per_kg_anomaly_is_red_and_stays_under_control_until_inspection():
    cheap = {**TOMATOES, "invoice_value": "10.00"}
    declaration = submit(goods_items=[cheap], documents=[PHYTO, INVOICE, ORIGIN])
    assess(declaration.pk)
    declaration = reload(declaration)
    assert declaration.status == S.UNDER_CONTROL and declaration.channel == "red"
    with time_machine.travel(timezone.now() + dt.timedelta(days=2), tick=False):
        tasks.release_due_task()
    assert reload(declaration).status == S.UNDER_CONTROL
    declaration = services.record_inspection_result(declaration, passed=True, actor="officer")
    assert declaration.status == S.RELEASED
    assert declaration.events.filter(type="inspection_recorded").exists()


def test_weight_mismatch_is_red():
    heavy_packaging = {**GRAPES, "gross_kg": "8000.000"}
    declaration = create_declaration(
        goods_items=[heavy_packaging], documents=[PHYTO, INVOICE, ORIGIN]
    )
    channel, reasons = assess_channel(declaration)
    assert channel == "red" and "packaging" in reasons[0]


def test_failed_inspection_rejects_with_errors():
    cheap = {**TOMATOES, "invoice_value": "10.00"}
    declaration = submit(goods_items=[cheap], documents=[PHYTO, INVOICE, ORIGIN])
    assess(declaration.pk)
    declaration = services.record_inspection_result(
        reload(declaration), passed=False, actor="officer", note="Rot in 30 % of cartons"
    )
    assert declaration.status == S.REJECTED
    assert declaration.rejection_errors[0]["detail"] == "Rot in 30 % of cartons"


def test_arms_are_rejected_with_a_pointer():
    arms = {**MACHINE_PARTS, "commodity_code": "9302000000"}
    declaration = submit(goods_items=[MACHINE_PARTS, arms], documents=[INVOICE, ORIGIN])
    assess(declaration.pk)
    declaration = reload(declaration)
    assert declaration.status == S.REJECTED
    assert declaration.rejection_errors[0]["pointer"] == "/goods_items/1/commodity_code"
    # Refusing release comes after registration: the declaration has its number.
    assert declaration.number


def test_a_local_consignee_without_a_tax_id_is_refused_registration_without_a_number():
    anonymous = {"name": "Almaty Fresh Distribution LLP", "country": "KZ"}
    declaration = submit(consignee=anonymous, documents=[PHYTO, INVOICE, ORIGIN])
    assess(declaration.pk, declaration.version)
    declaration = reload(declaration)
    assert declaration.status == S.REGISTRATION_REFUSED and declaration.number is None
    assert declaration.rejection_errors[0]["pointer"] == "/consignee/tax_id"
    # Corrected and lodged again, it is registered.
    fixed = {**anonymous, "tax_id": "123456789012"}
    declaration = services.amend(declaration, data=DeclarationInput(consignee=fixed), actor="test")
    assess(declaration.pk, declaration.version)
    assert reload(declaration).status == S.ACCEPTED


def test_assessment_twice_sends_its_messages_once():
    declaration = submit(
        goods_items=[{**TOMATOES, "origin_country": "TR"}], documents=[PHYTO, INVOICE]
    )
    assess(declaration.pk, declaration.version)
    assess(declaration.pk, declaration.version)
    assert CustomsMessage.objects.filter(declaration=declaration).count() == 2  # accepted, control


def test_assessment_of_a_superseded_version_does_nothing():
    declaration = submit(documents=[PHYTO, INVOICE, ORIGIN])
    services.amend(declaration, data=DeclarationInput(), actor="test")
    assess(declaration.pk, 1)
    assert reload(declaration).status == S.SUBMITTED
    assess(declaration.pk, 2)
    assert reload(declaration).status == S.ACCEPTED


def test_lost_assessment_is_caught_by_the_beat_job():
    declaration = submit(documents=[PHYTO, INVOICE, ORIGIN])
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=2), tick=False):
        assert tasks.assess_submitted_task() == 1
    assert reload(declaration).status == S.ACCEPTED


def test_amended_accepted_declaration_keeps_its_number():
    declaration = submit(documents=[PHYTO, INVOICE, ORIGIN])
    assess(declaration.pk)
    number = reload(declaration).number
    declaration = services.amend(reload(declaration), data=DeclarationInput(), actor="test")
    assess(declaration.pk, declaration.version)
    declaration = reload(declaration)
    assert declaration.status == S.ACCEPTED and declaration.number == number


def test_simulated_authority_grants_a_cancellation_request():
    declaration = submit(documents=[PHYTO, INVOICE, ORIGIN])
    assess(declaration.pk)
    services.request_cancellation(reload(declaration), reason="order cancelled", actor="t")
    tasks.cancellation_task(declaration.pk)
    assert reload(declaration).status == S.CANCELLED


def test_pending_messages_are_applied_by_the_beat_safety_net():
    declaration = submit()
    services.receive_customs_message(
        declaration,
        message_id="late-1",
        type="released",
        occurred_at=timezone.now(),
    )
    assert reload(declaration).status == S.SUBMITTED
    assert core_tasks.apply_pending_customs_messages_task() == 1
    assert reload(declaration).status == S.RELEASED


def test_manual_gateway_decides_nothing_by_itself(settings, django_capture_on_commit_callbacks):
    settings.CUSTOMS_GATEWAY = "manual"
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        declaration = submit()
    assert not [c for c in callbacks if "assess_task" in repr(c)]
    assert tasks.release_due_task() == 0
    assert tasks.assess_submitted_task() == 0  # the office is no simulated office now
    assert reload(declaration).status == S.SUBMITTED


def test_simulated_gateway_queues_assessment_after_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        submit()
    assert [c for c in callbacks if "assess_task" in repr(c)], "assessment enqueued on commit"


def test_the_simulated_state_lives_in_the_gateways_own_model():
    declaration = submit(documents=[PHYTO, INVOICE, ORIGIN])
    assess(declaration.pk, declaration.version)
    case = SimulatedCase.objects.get(declaration=declaration, version=1)
    assert case.gateway == "astana1" and case.channel == "green"
    assert case.release_due_at is not None and case.released_at is None
    assert not hasattr(Declaration, "simulated_release_due_at")


def test_simulated_authority_steps_aside_when_a_gateway_decides():
    declaration = submit(documents=[PHYTO, INVOICE, ORIGIN])
    services.receive_customs_message(
        declaration,
        message_id="GW-A",
        type="accepted",
        occurred_at=timezone.now(),
        number="GW/1",
        channel="red",
    )
    services.apply_customs_messages(declaration)
    assess(declaration.pk, declaration.version)
    declaration = reload(declaration)
    assert (declaration.number, declaration.channel) == ("GW/1", "red")
    assert not declaration.customs_messages.filter(source="simulated").exists()


def test_gateway_messages_after_the_simulation_still_fold_by_occurred_at():
    declaration = submit(documents=[PHYTO, INVOICE, ORIGIN])
    assess(declaration.pk)
    earlier = timezone.now() - dt.timedelta(hours=1)
    messages: list[tuple[str, str, int, dict[str, Any]]] = [
        ("G-2", "released", 2, {}),
        ("G-1", "accepted", 1, {"number": "GW/2", "channel": "yellow"}),
    ]
    for message_id, type, minutes, extra in messages:
        services.receive_customs_message(
            declaration,
            message_id=message_id,
            type=type,
            occurred_at=earlier + dt.timedelta(minutes=minutes),
            **extra,
        )
        services.apply_customs_messages(declaration)
    declaration = reload(declaration)
    assert (declaration.status, declaration.number, declaration.channel) == (
        S.RELEASED,
        "GW/2",
        "yellow",
    )


def test_the_office_of_destination_completes_an_arrived_transit(django_capture_on_commit_callbacks):
    from declarations.choices import TransitStatus
    from tests.declarations.test_transit import opened_transit

    declaration = opened_transit()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.record_transit_arrival(declaration, source="carrier", actor="t")
    assert [c for c in callbacks if "transit_completion_task" in repr(c)]
    # The completion task was lost: the sweep finds the arrival a minute later and completes it.
    assert tasks.complete_arrived_transits_task() == 0
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=2), tick=False):
        assert tasks.complete_arrived_transits_task() == 1
    declaration.transit.refresh_from_db()
    assert declaration.transit.status == TransitStatus.COMPLETED
    message = declaration.customs_messages.get(type="transit_completed")
    assert message.source == "simulated" and "Temporary storage" in message.storage_place


def test_the_core_risk_assessment_is_what_the_simulated_authority_applies():
    declaration = create_declaration(documents=[PHYTO, INVOICE, ORIGIN])
    risk = services.assess_risk(declaration)
    assert (risk.channel, risk.registration_errors, risk.release_errors) == ("green", [], [])


def test_the_gateway_brings_its_own_beat_entries_for_its_own_tasks():
    from tradehub.celery import app

    app.loader.import_default_modules()
    mine = {k: v for k, v in app.conf.beat_schedule.items() if k.startswith("simulated-gateway")}
    assert set(mine) == {
        "simulated-gateway-release-due",
        "simulated-gateway-assess-submitted",
        "simulated-gateway-complete-arrived-transits",
    }
    assert all(entry["task"] in app.tasks for entry in mine.values())
    assert not any(
        e["task"].startswith("declarations.tasks.") and "release" in e["task"]
        for e in app.conf.beat_schedule.values()
    )
