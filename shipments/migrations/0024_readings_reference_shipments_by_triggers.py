"""Readings name their shipment without a foreign key constraint: triggers keep the guarantee.

The constraint (DEFERRABLE INITIALLY DEFERRED) checked every reading on its own at COMMIT: 54-59 ms
for a 10,000-reading batch, as long as the whole COPY. On PostgreSQL a statement-level trigger over
the statement's new rows does the same check once per statement (about 1 ms), and takes the same
lock the constraint's check takes (FOR KEY SHARE on each shipment named); the other side (deleting a
shipment, changing its id, TRUNCATE) is refused while it has readings, as NO ACTION did. Why this is
the same guarantee, concurrent deletes included: `docs/shipments.md` ("Readings and their
shipment"); tests: `tests/shipments/test_reading_integrity.py`.

SQLite (the `make run` default) has row-level triggers only; they check each row, as its foreign
key did.
"""

from django.core.exceptions import ImproperlyConfigured
from django.db import migrations, models

PG_FUNCTIONS = """
CREATE FUNCTION reading_shipments_exist() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    named bigint;
    locked bigint;
BEGIN
    SELECT count(DISTINCT shipment_id) INTO named FROM new_readings;
    -- The lock the foreign key's own check takes: until this transaction ends, none of these
    -- shipments can be deleted or change its id. A shipment deleted meanwhile is not locked,
    -- so not counted (under READ COMMITTED this waits for a deleting transaction to end).
    PERFORM 1 FROM shipments_shipment s WHERE s.id IN (SELECT shipment_id FROM new_readings)
        FOR KEY SHARE OF s;
    GET DIAGNOSTICS locked = ROW_COUNT;
    IF locked < named THEN
        RAISE EXCEPTION 'insert or update on table "%" names a shipment that does not exist',
            TG_TABLE_NAME USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION shipment_without_readings() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Under READ COMMITTED this query sees every batch committed until now, also one that
    -- held this shipment locked while the delete waited. An older snapshot (REPEATABLE READ,
    -- SERIALIZABLE) might not: such a transaction may not delete shipments at all.
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        RAISE EXCEPTION 'shipments are deleted (or renumbered) under READ COMMITTED only'
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    IF EXISTS (SELECT 1 FROM shipments_temperaturereading WHERE shipment_id = OLD.id) THEN
        RAISE EXCEPTION 'shipment % still has temperature readings', OLD.id
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION shipments_truncated_without_readings() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM shipments_temperaturereading) THEN
        RAISE EXCEPTION 'shipments truncated while temperature readings remain'
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER shipment_without_readings AFTER DELETE ON shipments_shipment
    FOR EACH ROW EXECUTE FUNCTION shipment_without_readings();
CREATE TRIGGER shipment_renumbered_without_readings AFTER UPDATE OF id ON shipments_shipment
    FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id)
    EXECUTE FUNCTION shipment_without_readings();
CREATE TRIGGER shipments_truncated_without_readings AFTER TRUNCATE ON shipments_shipment
    FOR EACH STATEMENT EXECUTE FUNCTION shipments_truncated_without_readings();
"""

PG_DROP = """
DROP TRIGGER shipment_without_readings ON shipments_shipment;
DROP TRIGGER shipment_renumbered_without_readings ON shipments_shipment;
DROP TRIGGER shipments_truncated_without_readings ON shipments_shipment;
DROP FUNCTION reading_shipments_exist() CASCADE;
DROP FUNCTION shipment_without_readings();
DROP FUNCTION shipments_truncated_without_readings();
"""

SQLITE_TRIGGERS = [
    """CREATE TRIGGER reading_shipment_exists_insert BEFORE INSERT ON shipments_temperaturereading
    WHEN NOT EXISTS (SELECT 1 FROM shipments_shipment WHERE id = NEW.shipment_id)
    BEGIN SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed'); END""",
    """CREATE TRIGGER reading_shipment_exists_update BEFORE UPDATE OF shipment_id ON shipments_temperaturereading
    WHEN NOT EXISTS (SELECT 1 FROM shipments_shipment WHERE id = NEW.shipment_id)
    BEGIN SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed'); END""",
    """CREATE TRIGGER shipment_without_readings_delete BEFORE DELETE ON shipments_shipment
    WHEN EXISTS (SELECT 1 FROM shipments_temperaturereading WHERE shipment_id = OLD.id)
    BEGIN SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed'); END""",
    """CREATE TRIGGER shipment_without_readings_update BEFORE UPDATE OF id ON shipments_shipment
    WHEN OLD.id <> NEW.id AND EXISTS (SELECT 1 FROM shipments_temperaturereading WHERE shipment_id = OLD.id)
    BEGIN SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed'); END""",
]
SQLITE_DROP = [
    "DROP TRIGGER reading_shipment_exists_insert",
    "DROP TRIGGER reading_shipment_exists_update",
    "DROP TRIGGER shipment_without_readings_delete",
    "DROP TRIGGER shipment_without_readings_update",
]


def _refuse(vendor: str) -> None:
    # A refusal, not a gap: the triggers exist only for the two supported databases.
    raise ImproperlyConfigured(f"TradeHub runs on PostgreSQL or SQLite, not {vendor}")


def install(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        from shipments.services.telemetry import guard_reading_partitions

        schema_editor.execute(PG_FUNCTIONS, None)
        # The readings table and each of its partitions (a statement naming a partition fires
        # that partition's statement triggers, not the parent's).
        guard_reading_partitions(schema_editor.connection)
    elif vendor == "sqlite":
        for sql in SQLITE_TRIGGERS:
            schema_editor.execute(sql, None)
    else:
        _refuse(vendor)


def uninstall(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_DROP, None)
    elif vendor == "sqlite":
        for sql in SQLITE_DROP:
            schema_editor.execute(sql, None)
    else:
        _refuse(vendor)


class Migration(migrations.Migration):
    dependencies = [("shipments", "0023_lot_shipment_shelf_life")]

    # The constraint goes first: on SQLite altering the field rebuilds the readings table, which
    # would drop triggers made before. On PostgreSQL both run in the migration's transaction.
    operations = [
        migrations.AlterField(
            model_name="temperaturereading",
            name="shipment",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=models.deletion.CASCADE,
                related_name="readings",
                to="shipments.shipment",
                verbose_name="shipment",
            ),
        ),
        migrations.RunPython(install, uninstall),
    ]
