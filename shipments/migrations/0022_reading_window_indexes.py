"""A shipment's window of readings has one way in: `reading_series` (shipment, recorded_at).

Dropped: the shipment-only index (the foreign key's default; `reading_series` leads with the same
column) and the BRIN index on recorded_at (migration 0002). With either present the planner sometimes
answered a 48-hour window by reading a whole month of the partition (every shipment's rows of that
time for BRIN, the shipment's whole month for the other), so a window slowed down as the table grew.
Monthly partitions (0021) now do BRIN's job for time-only scans: pruning. Re-adding the foreign key
checks the table once.
"""

import django.db.models.deletion
from django.db import migrations, models


def drop_brin(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS reading_recorded_at_brin")


def create_brin(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS reading_recorded_at_brin "
            "ON shipments_temperaturereading USING brin (recorded_at)"
        )


class Migration(migrations.Migration):
    dependencies = [("shipments", "0021_partition_readings_by_month")]

    operations = [
        migrations.AlterField(
            model_name="temperaturereading",
            name="shipment",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="readings",
                to="shipments.shipment",
                verbose_name="shipment",
            ),
        ),
        migrations.RunPython(drop_brin, create_brin),
    ]
