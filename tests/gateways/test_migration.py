"""The simulated authority's pending release moves off the declaration into its own case."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("declarations", "0005_transits"), ("simulated_gateway", "0001_initial")]
AFTER = [("declarations", "0006_simulated_state_leaves_the_declaration")]


@pytest.mark.django_db(transaction=True)
def test_the_release_time_moves_into_the_gateways_case(reference_data):
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    apps = executor.loader.project_state(BEFORE).apps
    Partner = apps.get_model("partners", "Partner")
    Declaration = apps.get_model("declarations", "Declaration")
    CustomsMessage = apps.get_model("declarations", "CustomsMessage")
    CustomsOffice = apps.get_model("reference", "CustomsOffice")
    partner = Partner.objects.create(name="Migrating LLP", reference="PTR-MIGRATE01")
    office = CustomsOffice.objects.get(code="50510")
    due = timezone.now() + dt.timedelta(minutes=3)
    pending = Declaration.objects.create(
        partner=partner,
        lrn="M-1",
        office=office,
        transport_mode="rail",
        status="accepted",
        channel="green",
        version=1,
        simulated_release_due_at=due,
    )
    CustomsMessage.objects.create(
        declaration=pending,
        declaration_version=1,
        message_id="SIM-M-1-v1-accepted",
        type="accepted",
        occurred_at=timezone.now(),
        source="simulated",
    )
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    apps = executor.loader.project_state(AFTER).apps
    SimulatedCase = apps.get_model("simulated_gateway", "SimulatedCase")
    case = SimulatedCase.objects.get(declaration_id=pending.pk)
    assert (case.version, case.gateway, case.channel) == (1, "astana1", "green")
    assert case.release_due_at == due and case.released_at is None
    Declaration = apps.get_model("declarations", "Declaration")
    assert not hasattr(Declaration.objects.get(pk=pending.pk), "simulated_release_due_at")
    call_command("migrate", verbosity=0)
