"""Indexes for `GET /locations/?search=` (`search_locations`: code iexact, name or ASCII name
icontains, which Django writes as `UPPER(col) = UPPER(term)` / `UPPER(col) LIKE UPPER('%term%')`).

Without them PostgreSQL walked the code index in order, filtering all 116,000 UN/LOCODE rows until
it had a page: 84-104 ms of the server's time for `?search=alma` (34,807 rows read for 51). With
trigram indexes on the upper-cased names and an index on the upper-cased code the matches can be
read by a bitmap OR and sorted (0.4 ms). The statistics target set below turned out not to steady
the planner (GIN indexes carry no expression statistics); `search_locations` therefore reads the
matching ids first (see its docstring). PostgreSQL only (pg_trgm is a trusted extension: the
database owner may create it); SQLite keeps scanning its small development tables.
"""

from django.db import migrations

INDEXES = [
    "CREATE INDEX IF NOT EXISTS reference_location_name_trgm ON reference_location "
    "USING gin (upper(name::text) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS reference_location_name_ascii_trgm ON reference_location "
    "USING gin (upper(name_ascii::text) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS reference_location_code_upper ON reference_location "
    "(upper(code::text))",
    "ALTER INDEX reference_location_name_trgm ALTER COLUMN 1 SET STATISTICS 1000",
    "ALTER INDEX reference_location_name_ascii_trgm ALTER COLUMN 1 SET STATISTICS 1000",
    "ANALYZE reference_location",
]
NAMES = [
    "reference_location_name_trgm",
    "reference_location_name_ascii_trgm",
    "reference_location_code_upper",
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for statement in INDEXES:
            schema_editor.execute(statement)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name in NAMES:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("reference", "0006_route_alternatives")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
