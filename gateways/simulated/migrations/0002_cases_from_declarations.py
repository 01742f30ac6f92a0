"""Move the simulated authority's pending releases off `Declaration` into its own cases.

Every declaration version the simulated authority assessed (it sent messages `SIM-…`) becomes a
case; the release time that was kept on the declaration (`simulated_release_due_at`) moves onto
the case of the current version. Runs before the core drops that column.
"""

from django.db import migrations
from django.utils import timezone


def cases_from_declarations(apps, schema_editor):
    Declaration = apps.get_model("declarations", "Declaration")
    CustomsMessage = apps.get_model("declarations", "CustomsMessage")
    SimulatedCase = apps.get_model("simulated_gateway", "SimulatedCase")
    assessed = (
        CustomsMessage.objects.filter(source="simulated")
        .values_list("declaration_id", "declaration_version")
        .distinct()
    )
    due = dict(
        Declaration.objects.exclude(simulated_release_due_at__isnull=True).values_list(
            "pk", "simulated_release_due_at"
        )
    )
    versions = dict(Declaration.objects.values_list("pk", "version"))
    pairs = set(assessed) | {(pk, versions[pk]) for pk in due}
    for declaration_id, version in sorted(pairs):
        declaration = Declaration.objects.select_related("office__location").get(pk=declaration_id)
        current = version == declaration.version
        SimulatedCase.objects.get_or_create(
            declaration_id=declaration_id,
            version=version,
            defaults={
                "gateway": "astana1"
                if declaration.office.location.country_id
                and declaration.office.location.country.code == "KZ"
                else "simulated",
                "channel": (declaration.channel or "") if current else "",
                "assessed_at": declaration.accepted_at
                or declaration.submitted_at
                or timezone.now(),
                "release_due_at": due.get(declaration_id) if current else None,
                # A release time that is gone (cleared on release) means nothing is pending.
                "released_at": None if current and declaration_id in due else timezone.now(),
            },
        )


class Migration(migrations.Migration):
    dependencies = [("simulated_gateway", "0001_initial"), ("declarations", "0005_transits")]
    run_before = [("declarations", "0006_simulated_state_leaves_the_declaration")]

    operations = [migrations.RunPython(cases_from_declarations, migrations.RunPython.noop)]
