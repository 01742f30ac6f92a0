"""Monthly range partitioning of a time-series table (PostgreSQL native partitioning).

A partitioned table `t` has one partition per UTC calendar month, named `t_pYYYYMM`, and a DEFAULT
partition `t_default` so that no insert can fail for want of a partition. Beat creates the months
ahead (`ensure_month_partitions`); retention drops whole months (`drop_month_partitions_before`),
which costs a catalogue change instead of a DELETE over millions of rows. Other databases have no
partitions: every function here does nothing there (returns an empty list) and callers fall back
to plain DELETEs.

Identifiers are module constants of the callers (never user input) and are quoted; bounds travel as
parameters.
"""

from __future__ import annotations

import datetime as dt
import re

from django.db.backends.base.base import BaseDatabaseWrapper

# Creating or dropping a partition locks the parent table briefly. Waiting longer than this behind a
# long query would queue every insert behind the DDL; better to fail and let the next run retry.
DDL_LOCK_TIMEOUT = "5s"


def month_start(at: dt.datetime | dt.date) -> dt.datetime:
    """The first instant (UTC) of the calendar month `at` falls in."""
    if isinstance(at, dt.datetime):
        at = at.astimezone(dt.UTC)
    return dt.datetime(at.year, at.month, 1, tzinfo=dt.UTC)


def add_months(month: dt.datetime, count: int) -> dt.datetime:
    """`month` (a month start) moved by `count` months."""
    index = month.year * 12 + month.month - 1 + count
    return dt.datetime(index // 12, index % 12 + 1, 1, tzinfo=dt.UTC)


def partition_name(table: str, month: dt.datetime) -> str:
    """`t_pYYYYMM`: the partition of `table` holding `month`."""
    return f"{table}_p{month.year:04d}{month.month:02d}"


def is_partitioned(connection: BaseDatabaseWrapper, table: str) -> bool:
    """Whether `table` is a partitioned table (always False off PostgreSQL)."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid "
            "WHERE c.relname = %s AND pg_table_is_visible(c.oid)",
            [table],
        )
        return cursor.fetchone() is not None


def month_partitions(connection: BaseDatabaseWrapper, table: str) -> dict[dt.datetime, str]:
    """The monthly partitions of `table` attached now: month start -> partition name."""
    if not is_partitioned(connection, table):
        return {}
    pattern = re.compile(re.escape(table) + r"_p(\d{4})(\d{2})$")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = %s",
            [table],
        )
        names = [row[0] for row in cursor.fetchall()]
    months = {}
    for name in names:
        match = pattern.match(name)
        if match:
            months[dt.datetime(int(match[1]), int(match[2]), 1, tzinfo=dt.UTC)] = name
    return months


def ensure_month_partitions(
    connection: BaseDatabaseWrapper, table: str, column: str, first: dt.datetime, count: int
) -> list[str]:
    """Create the partitions of `count` months from `first`'s month that do not exist yet (and the
    DEFAULT partition); returns the names created. Rows of such a month already in the DEFAULT
    partition (inserted before their month existed) are moved into the new partition."""
    if not is_partitioned(connection, table):
        return []
    qn = connection.ops.quote_name
    default = f"{table}_default"
    existing = month_partitions(connection, table)
    created = []
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [default])
        has_default = cursor.fetchone()[0] is not None
        if not has_default:
            cursor.execute(f"CREATE TABLE {qn(default)} PARTITION OF {qn(table)} DEFAULT")
            created.append(default)
        start = month_start(first)
        for i in range(count):
            low, high = add_months(start, i), add_months(start, i + 1)
            if low in existing:
                continue
            name = partition_name(table, low)
            _create_month(connection, table, column, default, name, low, high)
            created.append(name)
    return created


def _create_month(
    connection: BaseDatabaseWrapper,
    table: str,
    column: str,
    default: str,
    name: str,
    low: dt.datetime,
    high: dt.datetime,
) -> None:
    """One month's partition, in a transaction of its own (moving stray rows out of DEFAULT)."""
    from django.db import transaction

    qn = connection.ops.quote_name
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL lock_timeout = '{DDL_LOCK_TIMEOUT}'")
        # Serialises two runs (inserts take ROW EXCLUSIVE, which this lock does not block).
        cursor.execute(f"LOCK TABLE {qn(table)} IN SHARE UPDATE EXCLUSIVE MODE")
        cursor.execute("SELECT to_regclass(%s)", [name])
        if cursor.fetchone()[0] is not None:
            return
        cursor.execute(
            f"SELECT EXISTS (SELECT 1 FROM {qn(default)} WHERE {qn(column)} >= %s "  # noqa: S608
            f"AND {qn(column)} < %s)",
            [low, high],
        )
        if not cursor.fetchone()[0]:
            cursor.execute(
                f"CREATE TABLE {qn(name)} PARTITION OF {qn(table)} FOR VALUES FROM (%s) TO (%s)",
                [low, high],
            )
            return
        # A plain table with the parent's columns, filled from DEFAULT, then attached (attaching
        # checks DEFAULT no longer holds rows of the month).
        cursor.execute(f"CREATE TABLE {qn(name)} (LIKE {qn(table)} INCLUDING DEFAULTS)")
        cursor.execute(
            f"WITH moved AS (DELETE FROM {qn(default)} WHERE {qn(column)} >= %s "  # noqa: S608
            f"AND {qn(column)} < %s RETURNING *) INSERT INTO {qn(name)} SELECT * FROM moved",
            [low, high],
        )
        cursor.execute(
            f"ALTER TABLE {qn(table)} ATTACH PARTITION {qn(name)} FOR VALUES FROM (%s) TO (%s)",
            [low, high],
        )


def drop_month_partitions_before(
    connection: BaseDatabaseWrapper, table: str, column: str, cutoff: dt.datetime
) -> list[str]:
    """Drop every monthly partition of `table` that ends at or before `cutoff` (whole months only)
    and delete DEFAULT-partition rows older than `cutoff`; returns the partitions dropped."""
    if not is_partitioned(connection, table):
        return []
    from django.db import transaction

    qn = connection.ops.quote_name
    dropped = []
    for month, name in sorted(month_partitions(connection, table).items()):
        if add_months(month, 1) > cutoff:
            continue
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL lock_timeout = '{DDL_LOCK_TIMEOUT}'")
            cursor.execute(f"DROP TABLE {qn(name)}")
        dropped.append(name)
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {qn(table + '_default')} WHERE {qn(column)} < %s",  # noqa: S608
            [cutoff],
        )
    return dropped


def partition_by_month(
    connection: BaseDatabaseWrapper, table: str, column: str, now: dt.datetime, ahead: int = 1
) -> None:
    """Turn the plain table `table` into one range-partitioned by month on `column`, keeping its
    rows, columns, defaults, identity, constraints and indexes (the primary key becomes
    (pk, `column`): PostgreSQL requires every unique key to hold the partition key). Creates the
    months holding rows, `now`'s month and `ahead` more, and the DEFAULT partition. Does nothing
    when the table is partitioned already or off PostgreSQL. Rewrites the table: run it in the
    migration's transaction (readers and writers wait until it commits)."""
    if connection.vendor != "postgresql" or is_partitioned(connection, table):
        return
    qn = connection.ops.quote_name
    old = f"{table}__unpartitioned"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname, contype, pg_get_constraintdef(oid), "
            "(SELECT array_agg(a.attname ORDER BY k.n) FROM unnest(conkey) WITH ORDINALITY k(num, n) "
            " JOIN pg_attribute a ON a.attrelid = conrelid AND a.attnum = k.num) "
            "FROM pg_constraint WHERE conrelid = %s::regclass AND contype IN ('p', 'u', 'f', 'c')",
            [table],
        )
        constraints = cursor.fetchall()
        cursor.execute(
            "SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "WHERE i.indrelid = %s::regclass AND NOT EXISTS "
            "(SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
            [table],
        )
        indexes = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 "
            "AND NOT attisdropped ORDER BY attnum",
            [table],
        )
        columns = ", ".join(qn(row[0]) for row in cursor.fetchall())
        cursor.execute(
            f"SELECT DISTINCT date_trunc('month', {qn(column)}, 'UTC') FROM {qn(table)}"  # noqa: S608
        )
        months = {month_start(row[0]) for row in cursor.fetchall()}
        cursor.execute(f"ALTER TABLE {qn(table)} RENAME TO {qn(old)}")
        cursor.execute(
            f"CREATE TABLE {qn(table)} (LIKE {qn(old)} INCLUDING DEFAULTS INCLUDING IDENTITY) "
            f"PARTITION BY RANGE ({qn(column)})"
        )
        cursor.execute(f"CREATE TABLE {qn(table + '_default')} PARTITION OF {qn(table)} DEFAULT")
        current = month_start(now)
        months.update(add_months(current, i) for i in range(ahead + 1))
        for month in sorted(months):
            cursor.execute(
                f"CREATE TABLE {qn(partition_name(table, month))} PARTITION OF {qn(table)} "
                "FOR VALUES FROM (%s) TO (%s)",
                [month, add_months(month, 1)],
            )
        cursor.execute(
            f"INSERT INTO {qn(table)} ({columns}) SELECT {columns} FROM {qn(old)}"  # noqa: S608
        )
        cursor.execute(f"DROP TABLE {qn(old)}")
        for name, kind, definition, keys in constraints:
            if kind == "p":
                keys = [*keys, column] if column not in keys else keys
                definition = f"PRIMARY KEY ({', '.join(qn(k) for k in keys)})"
            cursor.execute(f"ALTER TABLE {qn(table)} ADD CONSTRAINT {qn(name)} {definition}")
        for definition in indexes:
            cursor.execute(definition)
        # The identity sequence continues after the highest id kept, under its usual name.
        cursor.execute(
            "SELECT a.attname, pg_get_serial_sequence(%s, a.attname) FROM pg_attribute a "
            "WHERE a.attrelid = %s::regclass AND a.attidentity <> ''",
            [table, table],
        )
        for attname, sequence in cursor.fetchall():
            cursor.execute(
                f"SELECT setval(%s, coalesce((SELECT max({qn(attname)}) FROM {qn(table)}), 0) + 1, "  # noqa: S608
                "false)",
                [sequence],
            )
            wanted = f"{table}_{attname}_seq"
            if sequence.split(".")[-1].strip('"') != wanted:
                cursor.execute(f"ALTER SEQUENCE {sequence} RENAME TO {qn(wanted)}")
        cursor.execute(f"ANALYZE {qn(table)}")
