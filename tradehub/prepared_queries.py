"""`values_list` queries compiled once per process and run for a list of ids.

The representations built from rows (`shipments.api.representations`) read a page's related rows
with a handful of queries whose only variable part is the list of ids. Building and compiling
such a queryset (`filter`, joins, `as_sql`) cost Django more CPU than PostgreSQL spent answering
it - most of a shipment detail's time. `RowsByIds` compiles the query the first time it is
used, keeps the SQL with the id list as one array parameter (`= ANY(%s)` instead of `IN (%s, …)`,
so the text does not depend on the number of ids) and the field converters Django would apply
(e.g. JSON decoding), and afterwards only executes it - on PostgreSQL as a statement each
session prepares once (`_executed`: PostgreSQL planned these statements every time, more than
it spent executing them). `tests/test_prepared_queries.py` compares
its rows with the ORM's. On a database without arrays (SQLite, the embedded default) it runs the
ORM's query instead. `rows_together` sends several such queries in one round trip;
`digested_rows_together` also has PostgreSQL digest each one's rows - their versions
(`_versioned`) or, where a query cannot be versioned, their text - so that a caller who built its
output from rows with those digests before need not read them again.
"""

import itertools
import re
import threading
import weakref
from collections.abc import Callable, Hashable, Sequence
from typing import Any

import orjson
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.db import connections
from django.db.models import JSONField, QuerySet, TextField
from django.db.models.expressions import Col
from django.db.models.functions import Cast

# The query with each row's version in a last column (`_versioned`), the selected columns' names (quoted) and
# those of the columns whose values are not the rows' own (quoted); None where a query's rows get the
# digest of their text.
Versioned = tuple[str, tuple[str, ...], tuple[str, ...]] | None
# SQL, its parameters, where the id list goes in them (each place), converters, database alias, column order,
# field names, the versioned query.
Compiled = tuple[str, list[Any], tuple[int, ...], list[Any], str, Any, tuple[str, ...], Versioned]
# Stands for the id list while compiling: no row and no other parameter has it.
_PLACEHOLDER = -918_273_645


class RowsByIds:
    """Rows of `build(ids)` - a `values_list` queryset filtered with `<field>__in=ids` - for any
    list of ids, compiled once. `build` must use the id list only in `__in` filters (one or
    several, e.g. `Q(a__in=ids) | Q(b__in=ids)`: each receives the same list) and nowhere else. When the query also depends on something that may change (a setting),
    `depends_on` returns it: the query is compiled again whenever that value changes."""

    def __init__(
        self,
        build: Callable[[list[int]], QuerySet[Any, Any]],
        depends_on: Callable[[], Hashable] | None = None,
    ) -> None:
        self._build = build
        self._depends_on = depends_on
        # (what it was compiled for, the compiled query): one attribute, so threads of a worker
        # never pair a key with another key's query.
        self._compiled: tuple[Hashable, Compiled] | None = None
        # (the compiled query, its text as a prepared statement, the ids' mark in it, the
        # versioned query's text): see `_prepared`.
        self._prepared_as: tuple[Compiled, str, str, str | None] | None = None

    def _current(self) -> Compiled:
        key = None if self._depends_on is None else self._depends_on()
        found = self._compiled
        if found is None or found[0] != key:
            found = (key, self._compile())
            self._compiled = found
        return found[1]

    def _compile(self) -> Compiled:
        queryset = self._build([_PLACEHOLDER])
        compiler = queryset.query.get_compiler(queryset.db)
        sql, params = compiler.as_sql()
        params = list(params)
        uses = params.count(_PLACEHOLDER)
        if not uses or sql.count(" IN (%s)") != uses:
            raise ImproperlyConfigured(
                "RowsByIds needs a query that uses its ids only in `__in` filters."
            )
        fields = tuple(queryset._fields or ())  # type: ignore[attr-defined]
        selected = tuple(alias for _, _, alias in compiler.select)
        if not fields or set(fields) != set(selected):
            raise ImproperlyConfigured("RowsByIds needs a values_list() of named fields.")
        # The columns as selected, put in the order asked for (Django selects them in that
        # order today; this keeps the rows right should it not).
        positions = tuple(selected.index(field) for field in fields)
        order = None if fields == selected else positions
        converters = [
            (position, [_orjson_first(function) for function in converters], expression)
            for position, (converters, expression) in compiler.get_converters(
                [column for column, _, _ in compiler.select]
            ).items()
        ]
        versioned = _versioned(compiler, sql)
        if versioned is not None:
            versioned = (versioned[0].replace(" IN (%s)", " = ANY(%s)"), *versioned[1:])
        return (
            sql.replace(" IN (%s)", " = ANY(%s)"),
            params,
            tuple(i for i, param in enumerate(params) if param == _PLACEHOLDER),
            converters,
            queryset.db,
            order,
            fields,
            versioned,
        )

    def rows(self, ids: Sequence[int]) -> list[tuple[Any, ...]]:
        """The rows for these ids, as `build(ids)` would give them (no query for no ids)."""
        if not ids:
            return []
        alias = self._current()[4]
        connection = connections[alias]
        if connection.vendor != "postgresql":
            # `= ANY(array)` is PostgreSQL's; elsewhere (the embedded SQLite default) the ORM
            # runs the same query with one placeholder per id: the same rows, compiled each time.
            return list(self._build(list(ids)))
        if _binds_server_side(connection):
            sql, params = self._statement(ids)
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                fetched = cursor.fetchall()
            return self._finish(fetched, connection)
        return _executed(connection, [(self, ids)])[0]

    def _statement(self, ids: Sequence[int]) -> tuple[str, list[Any]]:
        """The SQL and parameters for these ids (PostgreSQL)."""
        sql, template, indexes = self._current()[:3]
        params = list(template)
        ids_array = int_array(ids)
        for index in indexes:
            params[index] = ids_array
        return sql, params

    def _prepared(
        self, cursor: Any, number: int = 1, versioned: bool = False, ids: str | None = None
    ) -> str:
        """This query as the text of a prepared statement: the ids its parameter `$number`
        (or the SQL `ids`, an array expression), the other parameters written into the text as
        psycopg writes them; written once per compiled query. `versioned`: the query with its
        rows' versions (`_versioned`), which the caller checked it has."""
        compiled = self._current()
        found = self._prepared_as
        if found is None or found[0] is not compiled:
            sql, template, indexes = compiled[:3]
            marked = [_IDS_MARK if i in indexes else param for i, param in enumerate(template)]
            mark = cursor.cursor.mogrify("%s", [_IDS_MARK])
            texts = [
                cursor.cursor.mogrify(query, marked) for query in (sql, *(compiled[7] or ())[:1])
            ]
            if any(text.count(mark) != len(indexes) for text in texts):
                raise ImproperlyConfigured("RowsByIds could not write its query to prepare it.")
            found = self._prepared_as = (compiled, texts[0], mark, texts[1] if texts[1:] else None)
        text = found[3] if versioned else found[1]
        assert text is not None
        return text.replace(found[2], f"${number}" if ids is None else ids)

    def _finish(self, fetched: list[tuple[Any, ...]], connection: Any) -> list[tuple[Any, ...]]:
        """Fetched rows with Django's converters applied, in the column order asked for."""
        _, _, _, converters, _, order, _, _ = self._current()
        if converters:
            converted = []
            for row in fetched:
                values = list(row)
                for position, functions, expression in converters:
                    value = values[position]
                    for function in functions:
                        value = function(value, expression, connection)
                    values[position] = value
                converted.append(tuple(values))
            fetched = converted
        if order is not None:
            fetched = [tuple(row[i] for i in order) for row in fetched]
        return fetched

    def dicts(self, ids: Sequence[int]) -> list[dict[str, Any]]:
        """The rows as dicts keyed by the field names asked for (as `values()` gives them)."""
        return self.named(self.rows(ids))

    def named(self, rows: list[tuple[Any, ...]]) -> list[dict[str, Any]]:
        """Rows of this query (e.g. from `rows_together`) as `dicts` gives them."""
        fields = self._current()[6]
        return [dict(zip(fields, row, strict=True)) for row in rows]


def int_array(ids: Sequence[int]) -> str:
    """The ids as a PostgreSQL array literal (`{1,2,3}`), which the server reads as the array
    type `= ANY(…)` needs. psycopg adapts a Python list element by element in Python: 0.27 ms
    for 150 ids against 0.15 ms as text (the whole query, in process), and a page of
    declarations runs eight such queries. `int()` keeps anything but an integer out of it."""
    return "{" + ",".join(map(str, map(int, ids))) + "}"


# A parameter's place in Django's SQL, and a literal percent sign (which is no place).
_PLACEHOLDERS = re.compile("(%%|%s)")
# Integers of 19 digits or more: orjson reads those beyond 64 bits as floats, `json` as ints.
_LONG_NUMBER = re.compile(r"[0-9]{19}")
Converter = Callable[[Any, Any, Any], Any]


def _orjson_first(function: Converter) -> Converter:
    """`function` itself, unless it is `JSONField.from_db_value` (not overridden, no custom
    decoder): then a converter that parses the text with orjson, 3-6 times faster than the
    stdlib's `json.loads` on a party or a container list (a page of 50 declarations holds 300
    JSON values). orjson gives what `json.loads` gives except for integers beyond 64 bits (it
    makes them floats: such text, a run of 19 digits, is left to Django) and for text it refuses
    (lone surrogates, numbers that overflow a float...): Django's converter, with its answer
    and its fallback, handles those and NULL."""
    field = getattr(function, "__self__", None)
    if (
        getattr(function, "__func__", None) is not JSONField.from_db_value
        or not isinstance(field, JSONField)
        or field.decoder is not None
    ):
        return function

    def from_db_value(value: Any, expression: Any, connection: Any) -> Any:
        if value.__class__ is str and _LONG_NUMBER.search(value) is None:
            try:
                return orjson.loads(value)
            except orjson.JSONDecodeError:
                pass
        return function(value, expression, connection)

    return from_db_value


def rows_together(
    *queries: tuple[RowsByIds, Sequence[int]],
) -> list[list[tuple[Any, ...]]]:
    """`[query.rows(ids) for query, ids in queries]`, in one round trip on PostgreSQL.

    Each query executed alone costs about 0.12 ms of CPU besides its rows (Django's cursor and
    execute wrappers, psycopg sending the query and waiting for the answer) and a round trip: a
    shipments page reads six such related queries. Here their statements are sent as one
    (`;`-separated, psycopg's client-side binding sends them in one message) and the results read
    one after the other (`nextset`). Elsewhere (SQLite, server-side binding), or across
    databases, each runs alone."""
    results: list[list[tuple[Any, ...]]] = [[] for _ in queries]
    connection, wanted = _digestible(queries)
    if connection is None:
        for n, query, ids in wanted:
            results[n] = query.rows(ids)
        return results
    for (n, _, _), rows in zip(
        wanted, _executed(connection, [(query, ids) for _, query, ids in wanted]), strict=True
    ):
        results[n] = rows
    return results


def _binds_server_side(connection: Any) -> bool:
    return connection.settings_dict.get("OPTIONS", {}).get("server_side_binding") is True


# The statements prepared on each PostgreSQL session (by its psycopg connection; a new
# connection is a new session): their names by their text.
_PREPARED_ON: weakref.WeakKeyDictionary[Any, dict[str, str]] = weakref.WeakKeyDictionary()
_prepared_lock = threading.Lock()
_NAMES = itertools.count(1)
# Stands for the id list in a statement's prepared text (no query holds such a parameter).
_IDS_MARK = "rows-by-ids:the-ids"


def _executed(
    connection: Any, queries: Sequence[tuple[RowsByIds, Sequence[int]]]
) -> list[list[tuple[Any, ...]]]:
    """The rows of these queries (each with ids), sent as one message (`_send_prepared`)."""
    with connection.cursor() as cursor:
        _send_prepared(
            cursor, connection, [(query._prepared(cursor), [ids]) for query, ids in queries]
        )
        results = []
        for position, (query, _) in enumerate(queries):
            if position:
                cursor.nextset()
            results.append(query._finish(cursor.fetchall(), connection))
    return results


def _send_prepared(
    cursor: Any, connection: Any, statements: Sequence[tuple[str, Sequence[Sequence[int]]]]
) -> None:
    """Run these statements - texts whose parameters `$1`...`$n` are id arrays, each with its
    id lists - as one message (client-side binding), the cursor left on the first one's
    results: each statement as `EXECUTE` of a statement prepared once per session, preceded by
    the `PREPARE` of those this session has not prepared yet. PostgreSQL planned each statement
    every time it was sent (a page of declarations: 1.4-1.6 ms of planning for 1.0-1.1 ms of
    execution; a page of shipments' digests 2.6 ms for 3.3 ms); a prepared one is planned for
    its first five executions, then its generic plan is kept (`plan_cache_mode` auto: planning
    about 0.01 ms). A statement is counted as prepared once the message has run: one that
    failed may have left some prepared (a PREPARE is not undone by a rollback), so those texts
    get new names next time."""
    with _prepared_lock:
        names = _PREPARED_ON.setdefault(connection.connection, {})
    preparing: dict[str, tuple[str, int]] = {}
    executes: list[str] = []
    params: list[Any] = []
    for text, id_lists in statements:
        name = names.get(text) or preparing.get(text, ("", 0))[0]
        if not name:
            name = f"rows_by_ids_{next(_NAMES)}"
            preparing[text] = (name, len(id_lists))
        executes.append(f"EXECUTE {name}({', '.join(['%s'] * len(id_lists))})")
        params.extend(int_array(ids) for ids in id_lists)
    prepares = [
        # `%` doubled: the message has parameters, so psycopg reads `%` as theirs.
        f"PREPARE {name}({', '.join(['bigint[]'] * arity)}) AS {text.replace('%', '%%')}"
        for text, (name, arity) in preparing.items()
    ]
    cursor.execute("; ".join([*prepares, *executes]), params)
    names.update((text, name) for text, (name, _) in preparing.items())
    for _ in prepares:  # their results hold no rows
        cursor.nextset()


# The SHA-256 of a query's rows' text (each row as PostgreSQL spells a record, in the order the
# query returns them, one per line; NULL for no rows), over the materialized rows of `q`: the
# digest of a query that `_versioned` cannot give its rows' versions.
_DIGEST_OF_Q = (
    "SELECT encode(sha256(convert_to(string_agg(d::text, E'\\n'), 'UTF8')), 'hex') FROM q AS d"
)
# A query's rows with their digest in a last column, computed in the same statement (the same
# snapshot) over the same rows.
_DIGESTED = "WITH q AS MATERIALIZED ({}) SELECT q.*, (" + _DIGEST_OF_Q + ") FROM q"  # noqa: S608 (constants)
# The digest alone, the same expression over the same materialized query: the same text.
_DIGEST_ONLY = "(WITH q AS MATERIALIZED ({}) " + _DIGEST_OF_Q + ")"
# Digests of a set of queries' results: one per query, None for one without rows or ids.
Digests = tuple[str | None, ...]

# The name of the column `_versioned` adds to a query (no field is named so).
_VERSION = '"rows_by_ids:version"'


def _versioned(compiler: Any, sql: str) -> Versioned:
    """The compiled query (`sql`, PostgreSQL) with the version of each of its rows in a last
    column: for every table of its FROM (LEFT JOINs give NULLs), the row's primary key, its
    place (`ctid`) and the transaction that wrote it (`xmin`, PostgreSQL's "identity of the
    inserting transaction for this row version", the column Npgsql/EF Core map as a row's
    concurrency token: https://www.npgsql.org/efcore/modeling/concurrency.html).

    A row's values change only by an UPDATE, which writes a new row version: a new `xmin`, or,
    for a second update in the same transaction, the same `xmin` at another `ctid` (both
    versions stay on disk until that transaction ends). So equal versions, in the same order,
    mean equal values of every column of those tables, and the digest of the versions
    (`_version_digest`) stands for the digest of the rows' text without PostgreSQL spelling
    the rows as text. The selected values that are not a table's own column (an EXISTS, an
    aggregate, anything computed: it may depend on other tables, on the time or on settings)
    are added to the digest as their text. The primary key keeps rows apart that one
    transaction wrote and that a rewrite (VACUUM FULL, CLUSTER: they keep `xmin`, not `ctid`)
    put at the same place. None (the rows' text is digested) for a query whose added column
    would change its rows (DISTINCT, GROUP BY, a combination), a table that is not a model's
    managed table with one primary key column (a view), or a SELECT not written as expected."""
    query = compiler.query
    quote = compiler.connection.ops.quote_name
    if (
        compiler.connection.vendor != "postgresql"
        or query.distinct
        or query.combinator
        or query.group_by is not None
        or query.extra_select
        or not sql.startswith("SELECT ")
    ):
        return None
    tables = {
        model._meta.db_table: model
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy
    }
    versions = []
    for alias, join in query.alias_map.items():
        if not query.alias_refcount[alias]:
            continue
        model = tables.get(getattr(join, "table_name", ""))
        if model is None or getattr(join, "table_alias", alias) != alias:
            return None
        column = getattr(model._meta.pk, "column", None)
        if not column:
            return None
        versions.append((compiler.quote_name_unless_alias(alias), quote(column)))
    if not versions:
        return None
    columns = []
    computed = []
    for expression, (column_sql, _), name in compiler.select:
        if not name:
            return None
        columns.append(f"{column_sql} AS {quote(name)}")
        own = isinstance(expression, Col) or (
            isinstance(expression, Cast)
            and isinstance(expression.output_field, TextField)
            and isinstance(expression.source_expressions[0], Col)
            and isinstance(expression.source_expressions[0].target, JSONField)
        )
        if not own:
            computed.append(quote(name))
    selected = "SELECT " + ", ".join(columns)
    if not sql.startswith(selected + " FROM "):
        return None
    version = f"{_row_version(versions)} AS {_VERSION}"
    return (
        f"{selected}, {version}{sql[len(selected) :]}",
        tuple(quote(name) for _, _, name in compiler.select),
        tuple(computed),
    )


def _row_version(tables: Sequence[tuple[str, str]]) -> str:
    """A row's version (text) from its tables (alias, primary key column; both quoted)."""
    return "ROW(" + ", ".join(f"{t}.{pk}, {t}.ctid, {t}.xmin" for t, pk in tables) + ")::text"


def _version_digest(computed: Sequence[str]) -> str:
    """The digest of the versions of a versioned query's rows `d` (`_versioned`): SHA-256 over
    each row's versions and computed values (as text, NULL spelled apart), in the query's order,
    one line per row; NULL for no rows. A transaction that has written gets digests of its own
    (its id comes first): what it reads of its own writes is never taken for what others read,
    and what it keeps is not taken by others for theirs."""
    line = f"d.{_VERSION}"
    if computed:
        line = f"concat_ws(' ', {line}, {', '.join(f'quote_nullable(d.{c})' for c in computed)})"
    return (
        "encode(sha256(convert_to(coalesce(pg_current_xact_id_if_assigned()::text, '')"
        f" || '/' || string_agg({line}, E'\\n'), 'UTF8')), 'hex')"
    )


def _digested(query: "RowsByIds", cursor: Any) -> str:
    """The text of `query`'s rows followed by their digest in a last column, in one statement
    (the same snapshot, the same rows): versions where it has them, else its rows' text."""
    versioned = query._current()[7]
    if versioned is None:
        return _DIGESTED.format(query._prepared(cursor))
    _, names, computed = versioned
    return (
        f"WITH q AS MATERIALIZED ({query._prepared(cursor, versioned=True)}) "  # noqa: S608
        f"SELECT {', '.join(f'q.{name}' for name in names)}, "
        f"(SELECT {_version_digest(computed)} FROM q AS d) FROM q"
    )


def _digest_only(query: "RowsByIds", cursor: Any, number: int, ids: str | None = None) -> str:
    """The digest `_digested` gives, alone (an expression; the ids `$number`, or the SQL array
    `ids`): versions are read without the other columns (PostgreSQL leaves the columns of a
    subquery that nothing reads uncomputed)."""
    versioned = query._current()[7]
    if versioned is None:
        return _DIGEST_ONLY.format(query._prepared(cursor, number, ids=ids))
    return (
        f"(SELECT {_version_digest(versioned[2])} "  # noqa: S608
        f"FROM ({query._prepared(cursor, number, versioned=True, ids=ids)}) AS d)"
    )


def _digestible(
    queries: tuple[tuple[RowsByIds, Sequence[int]], ...],
) -> tuple[Any, list[tuple[int, RowsByIds, Sequence[int]]]]:
    """The connection the queries run on together, or None where `rows_together` runs them
    one by one (SQLite, server-side binding - each query a prepared statement, which holds one
    command - or several databases); the queries with ids."""
    wanted = [(n, query, ids) for n, (query, ids) in enumerate(queries) if ids]
    aliases = {query._current()[4] for _, query, _ in wanted}
    connection = connections[next(iter(aliases))] if len(aliases) == 1 else None
    if connection is None or connection.vendor != "postgresql" or _binds_server_side(connection):
        return None, wanted
    return connection, wanted


def digested_rows_together(
    *queries: tuple[RowsByIds, Sequence[int]],
) -> tuple[Digests | None, list[list[tuple[Any, ...]]]]:
    """`rows_together`, each query's rows digested where they are read: (the digests, the
    rows). The digest is SHA-256 over the rows' versions (`_versioned`: the same row versions
    hold the same values), or over the rows' text in PostgreSQL's output for a query that
    cannot be versioned (equal text reads back as equal values): equal digests mean the same
    values, in the same order; it comes from the statement that returned the rows, so it is
    always theirs. Where `rows_together`
    runs each query alone: (None, the rows)."""
    connection, wanted = _digestible(queries)
    if connection is None:
        return None, rows_together(*queries)
    digests: list[str | None] = [None] * len(queries)
    results: list[list[tuple[Any, ...]]] = [[] for _ in queries]
    with connection.cursor() as cursor:
        _send_prepared(
            cursor,
            connection,
            [(_digested(query, cursor), [ids]) for _, query, ids in wanted],
        )
        for position, (n, query, _) in enumerate(wanted):
            if position:
                cursor.nextset()
            fetched = cursor.fetchall()
            if fetched:
                digests[n] = fetched[0][-1]
            results[n] = query._finish([row[:-1] for row in fetched], connection)
    return tuple(digests), results


def digests_together(*queries: tuple[RowsByIds, Sequence[int]]) -> Digests | None:
    """The digests `digested_rows_together` would give now, without the rows: one statement,
    one row (PostgreSQL reads the rows, nothing of them is sent). None where there are no
    digests (no ids at all, or the queries run one by one). A caller that built its output from rows with these digests may use it again:
    the rows are the same."""
    connection, wanted = _digestible(queries)
    if connection is None:
        return None
    digests: list[str | None] = [None] * len(queries)
    # The same ids for every query (a page's): one parameter, one array sent.
    shared = all(ids == wanted[0][2] for _, _, ids in wanted)
    with connection.cursor() as cursor:
        compiled = [query._current() for _, query, _ in wanted]
        key = (shared, *(id(query) for _, query, _ in wanted))
        kept = _DIGESTS_TEXTS.get(key)
        if kept is not None and all(a is b for a, b in zip(kept[0], compiled, strict=True)):
            text = kept[1]
        else:
            text = "SELECT " + ", ".join(
                _digest_only(query, cursor, 1 if shared else number)
                for number, (_, query, _) in enumerate(wanted, 1)
            )
            if len(_DIGESTS_TEXTS) < MAX_LOOKUP_TEXTS or key in _DIGESTS_TEXTS:
                _DIGESTS_TEXTS[key] = (compiled, text)
        id_lists = [wanted[0][2]] if shared else [ids for _, _, ids in wanted]
        _send_prepared(cursor, connection, [(text, id_lists)])
        row = cursor.fetchone()
    for (n, _, _), digest in zip(wanted, row, strict=True):
        digests[n] = digest
    return tuple(digests)


# The digests' statements (by whether the queries share their ids, and the queries), each written
# once; the queries' compiled forms kept with the text (a query compiled again gets a new text).
_DIGESTS_TEXTS: dict[tuple[Any, ...], tuple[list[Compiled], str]] = {}


# Parameters `found_with_digests` sends into a statement prepared without parameter types
# (PostgreSQL infers them from where they are used, e.g. `"reference" = $2`).
_LOOKUP_PARAMETERS = (int, str)
# The lookups' statements (by the lookup's SQL and the queries), each written once.
_LOOKUP_TEXTS: dict[tuple[Any, ...], tuple[list[Compiled], str]] = {}
MAX_LOOKUP_TEXTS = 64


def found_with_digests(
    alias: str, sql: str, params: Sequence[Any], queries: Sequence[RowsByIds]
) -> tuple[list[tuple[Any, ...]], Digests | None] | None:
    """The rows of a lookup (`sql` with `params`, Django's; its first column the id) and the
    digests `digests_together` would give now for `queries` with the ids it found, in one
    statement each session prepares once: (rows as fetched, digests; None when nothing was
    found). A caller who built its output from those queries' rows with those digests need
    not read them again. None where this cannot be one prepared statement (SQLite,
    server-side binding, queries on other databases, a parameter not an integer or a string,
    SQL written otherwise than expected): the caller runs the lookup, then `digests_together`.

    The lookup is the statement's first part (`WITH f AS MATERIALIZED (…)`); each query takes
    its ids from it (`ARRAY(SELECT id FROM f)`), computed once for the statement. Sent as text,
    such a statement was planned for every detail (4.3-4.8 ms of PostgreSQL's CPU against
    1.4-2.7 ms for the lookup and the prepared digests apart, `docs/benchmarks.md`); prepared,
    it is planned for its first executions only."""
    connection = connections[alias]
    if (
        connection.vendor != "postgresql"
        or _binds_server_side(connection)
        or not queries
        or any(query._current()[4] != alias for query in queries)
        or any(param.__class__ not in _LOOKUP_PARAMETERS for param in params)
        or not sql.startswith("SELECT ")
    ):
        return None
    pieces = _PLACEHOLDERS.split(sql)
    if sum(piece == "%s" for piece in pieces) != len(params):
        return None
    with connection.cursor() as cursor:
        # By the lookup's SQL and the queries; the queries' compiled forms kept with the text
        # (a query compiled again gets a new text).
        compiled = [query._current() for query in queries]
        key = (sql, *map(id, queries))
        kept = _LOOKUP_TEXTS.get(key)
        text = None
        if kept is not None and all(a is b for a, b in zip(kept[0], compiled, strict=True)):
            text = kept[1]
        if text is None:
            numbers = itertools.count(1)
            lookup = "".join(
                f"${next(numbers)}" if piece == "%s" else "%" if piece == "%%" else piece
                for piece in pieces
            )
            ids = "ARRAY(SELECT f.id FROM f)"
            digests = ", ".join(_digest_only(query, cursor, 0, ids=ids) for query in queries)
            # The lookup's first column named `id` (a shorter column list renames only those).
            text = f"WITH f(id) AS MATERIALIZED ({lookup}) SELECT f.*, {digests} FROM f"  # noqa: S608
            if len(_LOOKUP_TEXTS) < MAX_LOOKUP_TEXTS or key in _LOOKUP_TEXTS:
                _LOOKUP_TEXTS[key] = (compiled, text)
        _send_statement(cursor, connection, text, params)
        fetched = cursor.fetchall()
    width = len(queries)
    if not fetched:
        return [], None
    return [row[:-width] for row in fetched], tuple(fetched[0][-width:])


def _send_statement(cursor: Any, connection: Any, text: str, params: Sequence[Any]) -> None:
    """Run `text` (parameters `$1`...`$n`, their types left to PostgreSQL) with `params`: as
    `EXECUTE` of a statement the session prepared once, preceded by its `PREPARE` (in the same
    message) the first time; the cursor left on its results."""
    with _prepared_lock:
        names = _PREPARED_ON.setdefault(connection.connection, {})
    name = names.get(text)
    fresh = name is None
    if name is None:
        name = f"rows_by_ids_{next(_NAMES)}"
    execute = f"EXECUTE {name}({', '.join(['%s'] * len(params))})" if params else f"EXECUTE {name}"
    if fresh:
        # `%` doubled: the message has parameters, so psycopg reads `%` as theirs.
        prepare = (
            f"PREPARE {name} AS {text.replace('%', '%%')}"
            if params
            else f"PREPARE {name} AS {text}"
        )
        cursor.execute(f"{prepare}; {execute}", list(params) or None)
        names[text] = name
        cursor.nextset()
    else:
        cursor.execute(execute, list(params) or None)
