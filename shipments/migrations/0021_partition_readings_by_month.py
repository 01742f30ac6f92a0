"""Temperature readings partitioned by month (PostgreSQL native partitioning); SQLite: nothing.

Rewrites the readings table on an existing database, keeping every row, id, index and constraint:
the table is renamed, a partitioned table with the same columns takes its name (one partition per
month holding readings, the current and the next month, and a DEFAULT partition so no insert can
ever fail), the rows are copied over and the old table is dropped. The primary key becomes
(id, recorded_at), as PostgreSQL requires the partition key in every unique key; the dedup key
(shipment, sensor, recorded_at) holds it already. Readers and writers of the table wait until the
migration commits: on a large table, run it in a maintenance window. Beat creates later months
ahead (`ensure_reading_partitions_task`); `prune_readings` drops old ones.
"""

import datetime as dt

from django.db import migrations

from tradehub.partitions import partition_by_month

TABLE = "shipments_temperaturereading"


def partition(apps, schema_editor):
    partition_by_month(
        schema_editor.connection, TABLE, "recorded_at", dt.datetime.now(dt.UTC), ahead=1
    )


class Migration(migrations.Migration):
    dependencies = [("shipments", "0020_reading_hour_rollups")]

    # Reversing leaves the table partitioned: the model is the same either way.
    operations = [migrations.RunPython(partition, migrations.RunPython.noop, elidable=False)]
