"""BRIN index on telemetry time (PostgreSQL only): tiny, and fits an append-mostly time series."""

from django.db import migrations


def create_brin(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS reading_recorded_at_brin "
        "ON shipments_temperaturereading USING brin (recorded_at)"
    )


def drop_brin(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS reading_recorded_at_brin")


class Migration(migrations.Migration):
    dependencies = [("shipments", "0001_initial")]

    operations = [migrations.RunPython(create_brin, drop_brin)]
