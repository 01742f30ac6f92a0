"""Database helpers that Django's ORM does not offer: bulk insert through COPY, skipping duplicates."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

import psycopg
from django.db import DatabaseError, IntegrityError, connections, models, router, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.fields import NOT_PROVIDED, AutoFieldMixin
from django.utils import timezone


def insert_ignoring_duplicates(
    model: type[models.Model],
    rows: Sequence[Mapping[str, Any]],
    unique_fields: Sequence[str],
    *,
    using: str | None = None,
) -> int:
    """Insert `rows`, skipping those whose `unique_fields` exist; how many went in (see below)."""
    return insert_reporting_conflicts(model, rows, unique_fields, using=using)[0]


def insert_reporting_conflicts(
    model: type[models.Model],
    rows: Sequence[Mapping[str, Any]],
    unique_fields: Sequence[str],
    compare_fields: Sequence[str] = (),
    *,
    using: str | None = None,
    with_inserted: Callable[[str], str] | None = None,
) -> tuple[int, int]:
    """Insert `rows` into `model`'s table, skipping rows whose `unique_fields` already exist; return
    how many rows were actually inserted, and how many of the skipped ones were conflicts: rows
    whose key is stored (or came earlier in `rows`) with different `compare_fields` values - a
    re-send that says something else, not a harmless duplicate.

    Rows are dicts keyed by field name or attname (``shipment`` with an instance, or ``shipment_id``).
    A field missing from a row gets its Python default; ``auto_now``/``auto_now_add`` fields always get
    the current time, as with the ORM; the auto primary key and fields with a ``db_default`` are left to the
    database when no row gives them. Values go through ``get_db_prep_save``, so aware datetimes, floats,
    None, JSON and relations are stored exactly as the ORM would store them. Within ``rows`` the first
    occurrence of a key wins; later ones count as duplicates.

    ``unique_fields`` must match a unique constraint or index of the table (PostgreSQL needs it as the
    ON CONFLICT target). A row that breaks any OTHER constraint raises ``IntegrityError``.

    Transactions: the work joins the caller's transaction (``atomic(savepoint=False)``): it never commits
    on its own, and an error leaves the caller's atomic block marked for rollback. Called outside any
    atomic block it runs in a transaction of its own, like ``bulk_create``.

    PostgreSQL: the rows are streamed with psycopg 3 COPY into a TEMP table (ON COMMIT DROP, dropped
    right after use as well), then ``INSERT … SELECT … ON CONFLICT (unique_fields) DO NOTHING``; the
    count is that statement's row count. Other databases: ``bulk_create(ignore_conflicts=True)``; the
    count is SQLite's ``total_changes()`` difference (exact: SQLite has one writer), elsewhere the row
    count before and after (exact only without concurrent writers). Note that on SQLite
    ``ignore_conflicts`` (INSERT OR IGNORE) also skips rows breaking NOT NULL or CHECK constraints, so
    validate rows before calling.

    ``with_inserted`` (PostgreSQL only; ignored elsewhere): a function that receives the name of a
    relation holding exactly the rows this call inserted (the insert's ``RETURNING`` of the written
    columns) and returns one data-modifying SQL statement over it, run as a CTE of the same statement
    (e.g. an upsert of rollups). Rows skipped as duplicates never reach it. Other databases must
    derive the same effect themselves after the call.
    """
    if not rows:
        return 0, 0
    if not unique_fields:
        raise ValueError("unique_fields must name at least one field")
    alias = using or router.db_for_write(model)
    connection = connections[alias]
    columns = _columns(model, rows)
    by_name = {f.name: f for f in columns} | {f.attname: f for f in columns}
    try:
        key_fields = [by_name[name] for name in unique_fields]
    except KeyError as exc:
        raise ValueError(f"unique field {exc.args[0]!r} is not a column of the rows") from exc
    converters = [_converter(field) for field in columns]
    now = timezone.now()
    key_index = [columns.index(f) for f in key_fields]
    try:
        compare = [by_name[name] for name in compare_fields]
    except KeyError as exc:
        raise ValueError(f"compare field {exc.args[0]!r} is not a column of the rows") from exc
    compare_index = [columns.index(f) for f in compare]

    values: list[tuple[Any, ...]] = []
    first: dict[tuple[Any, ...], tuple[Any, ...]] = {}
    conflicts_in_rows = 0
    for row in rows:
        python_values = tuple(convert(row, now) for convert in converters)
        key = tuple(_key_part(columns[i], python_values[i]) for i in key_index)
        if key in first:
            if compare and _differs(first[key], python_values, compare_index):
                conflicts_in_rows += 1
            continue
        first[key] = python_values
        values.append(python_values)

    with transaction.atomic(using=alias, savepoint=False):
        if connection.vendor == "postgresql":
            inserted, conflicts = _copy_insert(
                connection, model, columns, key_fields, values, compare, with_inserted
            )
        else:
            inserted = _bulk_create_insert(connection, model, columns, values)
            conflicts = (
                _stored_conflicts(model, columns, key_index, compare_index, values, alias)
                if compare and inserted < len(values)
                else 0
            )
    return inserted, conflicts + conflicts_in_rows


def copy_insert_prepared(
    model: type[models.Model],
    columns: Sequence[str],
    values: Sequence[tuple[Any, ...]],
    unique_fields: Sequence[str],
    compare_fields: Sequence[str] = (),
    *,
    using: str | None = None,
    with_inserted: Callable[[str], str] | None = None,
) -> tuple[int, int]:
    """PostgreSQL only: `insert_reporting_conflicts` for rows the caller has already made ready,
    the hot path of a big batch. `values` are tuples in the order of `columns` (attnames), each
    value exactly what psycopg should send (aware datetimes, floats, ints, str, None: no
    ``get_db_prep_save`` runs), keys already unique within `values` (the caller counts in-batch
    conflicts); no defaults are filled in. Returns (inserted, conflicts with stored rows)."""
    alias = using or router.db_for_write(model)
    connection = connections[alias]
    if connection.vendor != "postgresql":
        raise ValueError("copy_insert_prepared needs PostgreSQL")
    if not values:
        return 0, 0
    by_attname = {f.attname: f for f in model._meta.concrete_fields} | {
        f.name: f for f in model._meta.concrete_fields
    }
    fields = [by_attname[name] for name in columns]
    with transaction.atomic(using=alias, savepoint=False):
        return _copy_insert(
            connection,
            model,
            fields,
            [by_attname[name] for name in unique_fields],
            values,
            [by_attname[name] for name in compare_fields],
            with_inserted,
            prepared=True,
        )


def _differs(a: tuple[Any, ...], b: tuple[Any, ...], indexes: list[int]) -> bool:
    return any(a[i] != b[i] for i in indexes)


def _stored_conflicts(
    model: type[models.Model],
    columns: list[models.Field],
    key_index: list[int],
    compare_index: list[int],
    values: list[tuple[Any, ...]],
    alias: str,
) -> int:
    """Portable path: rows whose key is stored with other compared values (one query per row;
    the PostgreSQL path does it in one statement)."""
    conflicts = 0
    manager = model._default_manager.db_manager(alias)
    for row in values:
        lookup = {columns[i].attname: row[i] for i in key_index}
        stored = (
            manager.filter(**lookup)
            .values_list(*[columns[i].attname for i in compare_index])
            .first()
        )
        if stored is not None and tuple(stored) != tuple(row[i] for i in compare_index):
            conflicts += 1
    return conflicts


def _columns(model: type[models.Model], rows: Sequence[Mapping[str, Any]]) -> list[models.Field]:
    """The concrete fields to write: every one the ORM would write, minus DB-generated ones not given."""
    given: set[str] = set()
    for row in rows:
        given.update(row.keys())
    known: set[str] = set()
    columns = []
    for field in model._meta.concrete_fields:
        known.update((field.name, field.attname))
        if getattr(field, "generated", False):
            continue
        provided = field.name in given or field.attname in given
        if not provided and (
            (field.primary_key and getattr(field, "db_returning", False))
            or field.db_default is not NOT_PROVIDED
        ):
            continue
        columns.append(field)
    unknown = given - known
    if unknown:
        raise ValueError(f"{model.__name__} has no field(s) {', '.join(sorted(unknown))}")
    return columns


def _converter(field: models.Field) -> Callable[[Mapping[str, Any], Any], Any]:
    """A function (row, now) -> the field's Python value for that row."""
    name, attname = field.name, field.attname
    auto_time = bool(getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False))
    target_attname = field.target_field.attname if field.is_relation else None  # type: ignore[attr-defined]

    def convert(row: Mapping[str, Any], now: Any) -> Any:
        if auto_time:
            # As the ORM does on insert: auto_now/auto_now_add always take the current time.
            return now if isinstance(field, models.DateTimeField) else now.date()
        if name in row:
            value = row[name]
            if target_attname is not None and isinstance(value, models.Model):
                value = getattr(value, target_attname)
            return value
        if attname in row:
            return row[attname]
        return field.get_default()

    return convert


_PLAIN_TYPES = (str, int, float, datetime)


def _key_part(field: models.Field, value: Any) -> Any:
    """A hashable dedup key for one value; the database's ON CONFLICT remains the final judge."""
    if value is None or type(value) in _PLAIN_TYPES:
        return value
    value = field.get_prep_value(value)
    try:
        hash(value)
    except TypeError:
        return repr(value)
    return value


# Values psycopg can send as they are for these exact field classes (get_db_prep_save would only
# return them unchanged): skipping it for them halves the Python cost of a 10,000-row batch.
_PASS_THROUGH: dict[type[models.Field], tuple[type, ...]] = {
    models.FloatField: (float, int),
    models.IntegerField: (int,),
    models.BigIntegerField: (int,),
    models.SmallIntegerField: (int,),
    models.PositiveIntegerField: (int,),
    models.CharField: (str,),
    models.TextField: (str,),
    models.SlugField: (str,),
    models.BooleanField: (bool,),
}


def _db_preparer(field: models.Field, connection: BaseDatabaseWrapper) -> Callable[[Any], Any]:
    """A function Python value -> database value for one column, with a fast path for plain values."""
    prep = field.get_db_prep_save
    target = field.target_field if field.is_relation else field  # type: ignore[attr-defined]
    plain = _PASS_THROUGH.get(type(target), ())
    if isinstance(target, AutoFieldMixin):
        plain = (int,)
    if type(target) is models.DateTimeField:

        def prepare_datetime(value: Any) -> Any:
            if value is None or (type(value) is datetime and value.tzinfo is not None):
                return value
            return prep(value, connection)

        return prepare_datetime

    def prepare(value: Any) -> Any:
        if value is None or type(value) in plain:
            return value
        return prep(value, connection)

    return prepare


def _copy_prepared(
    raw: Any,
    connection: BaseDatabaseWrapper,
    table: str,
    fields: Sequence[models.Field],
    values: Iterable[tuple[Any, ...]],
    meanwhile: Callable[[], None] | None = None,
) -> None:
    """COPY prepared `values` into `table` (quoted) through the psycopg cursor `raw`: in binary
    format with each column's type fixed, so psycopg packs values in C without looking up a
    dumper per value (about a sixth of a text COPY's Python time for 10,000 readings); text
    COPY when psycopg does not know a column's type by name. `meanwhile` runs once every row is
    handed over, before waiting for the server to store them (below)."""
    qn = connection.ops.quote_name
    cols = ", ".join(qn(f.column) for f in fields)
    # "varchar(64)" -> "varchar": the type modifier is the table's to check, not the wire's.
    names = [str(f.db_type(connection)).split("(")[0] for f in fields]
    binary = all(psycopg.postgres.types.get(name) is not None for name in names)
    fmt = " (FORMAT BINARY)" if binary else ""
    with raw.copy(f"COPY {table} ({cols}) FROM STDIN{fmt}") as copy:
        if binary:
            copy.set_types(names)
        write = copy.write_row
        for row in values:
            write(row)
        if meanwhile is not None:
            # The rows went out in chunks as they were packed, far quicker than the server
            # stores them in a table with indexes: work that needs no database done now runs
            # while the server catches up, instead of after it.
            meanwhile()


def copy_new_rows(
    model: type[models.Model],
    columns: Sequence[str],
    values: Sequence[tuple[Any, ...]],
    *,
    using: str | None = None,
    meanwhile: Callable[[], None] | None = None,
    partition: str | None = None,
) -> bool:
    """PostgreSQL only: COPY `values` (as for `copy_insert_prepared`) straight into `model`'s
    table, inside a savepoint; True when every row went in. `meanwhile` (Python work that needs
    no database, e.g. what the caller derives from `values`) runs once, while the server stores
    the rows; it runs even when the COPY then fails. False when a row broke a unique
    constraint (its key was stored already, or is being stored by a concurrent transaction that
    then committed): the savepoint is rolled back, nothing of the COPY stays, and the caller takes
    the deduplicating way (`copy_insert_prepared`).

    For a batch that is most likely new: no temp table and no INSERT … SELECT, so the rows are
    written once; but nothing tells which rows went in, so the caller derives whatever depends on
    them (rollups) from `values` itself.

    `partition`: a partition of the table that should hold every row, COPYed into directly
    (`columns` then include whatever the table fills in itself but a partition does not, such as
    an identity). A COPY through a partitioned table that has statement triggers over their new
    rows writes the heap one row at a time; into the partition it writes whole pages at once.
    When the partition refuses the rows (its bounds do not hold one, or it was dropped meanwhile)
    they go through the table after all."""
    alias = using or router.db_for_write(model)
    connection = connections[alias]
    if connection.vendor != "postgresql":
        raise ValueError("copy_new_rows needs PostgreSQL")
    qn = connection.ops.quote_name
    by_attname = {f.attname: f for f in model._meta.concrete_fields}
    fields = [by_attname[name] for name in columns]
    pending = [meanwhile] if meanwhile is not None else []

    def meanwhile_once() -> None:
        while pending:
            pending.pop()()

    def copy_into(table: str) -> bool:
        try:
            with (
                transaction.atomic(using=alias),  # a savepoint
                connection.cursor() as cursor,
                connection.wrap_database_errors,  # Django's errors, as from any statement
            ):
                _copy_prepared(cursor.cursor, connection, qn(table), fields, values, meanwhile_once)
        except IntegrityError as error:
            if isinstance(error.__cause__, psycopg.errors.UniqueViolation):
                return False
            raise  # e.g. a reading of a shipment that does not exist
        return True

    if partition is not None:
        try:
            return copy_into(partition)
        except DatabaseError as error:
            if not isinstance(
                error.__cause__, psycopg.errors.CheckViolation | psycopg.errors.UndefinedTable
            ):
                raise
    return copy_into(model._meta.db_table)


def try_transaction_lock(name: str, using: str = "default") -> bool:
    """Take a named lock held until the current transaction ends, or say it is taken (False).
    PostgreSQL: a transaction-level advisory lock. SQLite has one writer at a time, so the
    transaction itself is the lock (True)."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(hashtextextended(%s, 0))", [name])
        return bool(cursor.fetchone()[0])


def _copy_insert(
    connection: BaseDatabaseWrapper,
    model: type[models.Model],
    columns: list[models.Field],
    key_fields: list[models.Field],
    values: Sequence[tuple[Any, ...]],
    compare: Sequence[models.Field] = (),
    with_inserted: Callable[[str], str] | None = None,
    *,
    prepared: bool = False,
) -> tuple[int, int]:
    """COPY into a temp table, then INSERT … ON CONFLICT DO NOTHING (with `with_inserted`'s
    statement over the inserted rows as a CTE); returns the inserted count and how many rows met a
    stored row with the same key but other `compare` values."""
    qn = connection.ops.quote_name
    table = qn(model._meta.db_table)
    tmp = qn(f"_insert_{uuid.uuid4().hex[:16]}")
    cols = ", ".join(qn(f.column) for f in columns)
    keys = ", ".join(qn(f.column) for f in key_fields)
    # Identifiers only, all quoted; the values travel through COPY, never through SQL text.
    # Same column types as the target, no constraints: the target's constraints decide.
    create = f"CREATE TEMP TABLE {tmp} ON COMMIT DROP AS SELECT {cols} FROM {table} WITH NO DATA"  # noqa: S608
    insert = (
        f"INSERT INTO {table} ({cols}) SELECT {cols} FROM {tmp} ON CONFLICT ({keys}) DO NOTHING"  # noqa: S608
    )
    with connection.cursor() as cursor:
        cursor.execute(create)
        raw = cursor.cursor  # the psycopg 3 cursor under Django's wrapper
        if prepared:
            _copy_prepared(raw, connection, tmp, columns, values)
        else:
            with raw.copy(f"COPY {tmp} ({cols}) FROM STDIN") as copy:
                prep = [_db_preparer(f, connection) for f in columns]
                for row in values:
                    copy.write_row([p(v) for p, v in zip(prep, row, strict=True)])
        if with_inserted is None:
            cursor.execute(insert)
            inserted = int(cursor.rowcount)
        else:
            also = with_inserted("_inserted")
            cursor.execute(
                f"WITH _inserted AS ({insert} RETURNING {cols}), _also AS ({also}) "  # noqa: S608
                "SELECT count(*) FROM _inserted"
            )
            inserted = int(cursor.fetchone()[0])
        conflicts = 0
        if compare and inserted < len(values):
            # Rows just inserted equal themselves; any difference is against an older row.
            # One unique-index probe per row (LATERAL … LIMIT 1 keeps the planner from turning it
            # into a join): the temp table has no statistics, and a plain join was planned as a
            # hash join over the WHOLE target table (3.5 s at 2,000,000 readings, growing with it).
            on = " AND ".join(f"r.{qn(f.column)} = t.{qn(f.column)}" for f in key_fields)
            stored = ", ".join(f"r.{qn(f.column)}" for f in compare)
            differ = " OR ".join(
                f"r.{qn(f.column)} IS DISTINCT FROM t.{qn(f.column)}" for f in compare
            )
            cursor.execute(
                f"SELECT count(*) FROM {tmp} t CROSS JOIN LATERAL "  # noqa: S608
                f"(SELECT {stored} FROM {table} r WHERE {on} LIMIT 1) r WHERE {differ}"
            )
            conflicts = int(cursor.fetchone()[0])
        cursor.execute(f"DROP TABLE {tmp}")
    return inserted, conflicts


def _bulk_create_insert(
    connection: BaseDatabaseWrapper,
    model: type[models.Model],
    columns: list[models.Field],
    values: list[tuple[Any, ...]],
) -> int:
    """The portable path: bulk_create(ignore_conflicts=True), counting what really went in."""
    attnames = [f.attname for f in columns]
    objs = [model(**dict(zip(attnames, row, strict=True))) for row in values]
    manager = model._default_manager.db_manager(connection.alias)

    def changes() -> int:
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute("SELECT total_changes()")
                return int(cursor.fetchone()[0])
        return manager.count()

    before = changes()
    manager.bulk_create(objs, ignore_conflicts=True, batch_size=1000)
    return changes() - before
