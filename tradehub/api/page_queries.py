"""The page query of a list, compiled once per query shape and process.

Every list request builds its page query from the view's queryset (the caller's scope, the
filters asked for, the cursor's position and direction, the page size) and Django compiles it
from scratch: choosing the columns, the `select_related` joins and matching the ordering against
the SELECT list cost about 0.85 ms of CPU on a one-row product page, more than PostgreSQL took to
answer it (`bench/request_stack.py --breakdown products`). Across requests only the WHERE
clause's values and the LIMIT/OFFSET change; the SELECT list, the joins and the ORDER BY do not.

`prepared_pages(queryset)` returns the queryset with an iterable that, when the (sliced) page is
read, compiles only the parts that can vary - the WHERE clause and the selected annotations, each
to its own SQL and parameters - and uses them with the rest of the query's shape (model, joins,
selected columns, `select_related`, deferred fields, ordering) as the key of the compiled SQL.
The first request of a shape compiles the whole query as Django always does; the SQL (without
its LIMIT clause), the columns, the model-building plan and the field converters are kept, and
the shape is only cached when Django's parameters are exactly those of the compiled parts and
its SQL holds them (otherwise that shape keeps being compiled every time). Later requests of the
shape run the kept SQL with their own parameters and LIMIT, and Django builds the rows or model
instances from it as usual. Anything unusual (`extra()`, unions, `FOR UPDATE`, filtered
relations, grouping, an empty `IN ()`) is compiled by Django as before.
`tests/api/test_page_queries.py` compares rows and SQL with Django's own, on PostgreSQL and on
SQLite (the SQL is Django's for the database in use, so nothing here is PostgreSQL-only).
"""

import threading
from collections.abc import Hashable
from typing import Any

from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db.models import QuerySet
from django.db.models.expressions import Col

# Shapes per process: a list has a few (filters given or not, cursor direction); query strings
# that change the SQL's text (a multi-value filter's number of values) add more, so the cache
# stops growing at this size and later shapes are compiled as before.
MAX_SHAPES = 512


class Prepared:
    """What Django's compiler produced for one shape, minus the LIMIT clause."""

    __slots__ = (
        "annotation_col_map",
        "col_count",
        "composite",
        "converters",
        "has_extra_select",
        "klass_info",
        "select",
        "sql",
    )

    def __init__(self, compiler: Any, sql: str) -> None:
        self.sql = sql
        self.select = compiler.select
        self.klass_info = compiler.klass_info
        self.annotation_col_map = compiler.annotation_col_map
        self.col_count = compiler.col_count
        self.has_extra_select = compiler.has_extra_select
        columns = [column for column, _, _ in compiler.select[: compiler.col_count]]
        self.converters = compiler.get_converters(columns)
        # Whether rows need Django's composite-key regrouping (`results_iter` asks every read).
        self.composite = compiler.has_composite_fields(columns)


# Key -> Prepared, or None for a shape whose compiled query did not match its parts.
_shapes: dict[Hashable, Prepared | None] = {}
_lock = threading.Lock()
_UNKNOWN: Any = object()

# The selected columns' part of the key, per select list (by identity; the list is kept so its
# id is not reused). A queryset set up once per process (`rows_queryset`, the alerts' rows)
# hands every request's clone the same tuple, so the columns are read once, not per request.
_column_keys: dict[int, tuple[Any, tuple[Hashable, ...]]] = {}
MAX_COLUMN_KEYS = 256


_PLAIN_SELECTED = {str, int, type(None)}


class Unprepared(Exception):
    """The query has a feature this module leaves to Django."""


def _frozen(value: Any) -> Hashable:
    """`select_related`'s nested dicts as a hashable value."""
    if isinstance(value, dict):
        return tuple(sorted((key, _frozen(item)) for key, item in value.items()))
    return value  # type: ignore[no-any-return]


def _shape(query: Any, compiler: Any) -> tuple[Hashable, tuple[Any, ...], tuple[str, ...]]:
    """(key, parameters, SQL fragments the whole query must contain) of a sliced query."""
    if (
        not query.is_sliced
        or query.combinator
        or query.extra
        or query.extra_tables
        or query.extra_order_by
        or query._filtered_relations
        or query.select_for_update
        or query.subquery
        or query.explain_info
        or query.distinct_fields
        or query.group_by is not None
    ):
        raise Unprepared
    joins = []
    for alias, join in query.alias_map.items():
        if getattr(join, "filtered_relation", None) is not None:
            raise Unprepared
        joins.append(
            (
                alias,
                join.table_name,
                getattr(join, "join_type", None),
                getattr(join, "parent_alias", None),
                getattr(join, "join_cols", None),
                query.alias_refcount.get(alias),
            )
        )
    selected = query.selected
    if selected is not None:
        # Names and positions only (an expression would key by its own comparison, slowly).
        if not set(map(type, selected.values())) <= _PLAIN_SELECTED:
            raise Unprepared
        selected = tuple(selected.items())
    columns = _columns(query.select)
    if not all(isinstance(order, str) for order in query.order_by):
        raise Unprepared
    params: list[Any] = []
    fragments: list[str] = []
    annotations = []
    try:
        for name, expression in query.annotation_select.items():
            sql, expression_params = compiler.compile(expression)
            annotations.append((name, sql))
            fragments.append(sql)
            params.extend(expression_params)
        try:
            where, where_params = compiler.compile(query.where)
        except FullResultSet:
            where, where_params = "", []
    except EmptyResultSet:
        raise Unprepared from None
    if where:
        fragments.append(where)
    params.extend(where_params)
    key = (
        compiler.connection.alias,
        compiler.connection.vendor,
        type(compiler),
        query.model,
        tuple(joins),
        tuple(annotations),
        where,
        selected,
        columns,
        query.values_select,
        query.default_cols,
        _frozen(query.select_related),
        query.max_depth,
        frozenset(query.deferred_loading[0]),
        query.deferred_loading[1],
        query.order_by,
        query.default_ordering,
        query.standard_ordering,
        query.distinct,
    )
    return key, tuple(params), tuple(fragments)


def _columns(select: tuple[Any, ...]) -> tuple[Hashable, ...]:
    """The selected columns as (alias, model, attribute name) (plain values: hashing the
    `Field` objects themselves runs Python for each, 33 a product page), or Unprepared."""
    found = _column_keys.get(id(select))
    if found is not None and found[0] is select:
        return found[1]
    columns = []
    for column in select:
        if type(column) is not Col:
            raise Unprepared
        columns.append((column.alias, column.target.model, column.target.attname))
    key = tuple(columns)
    with _lock:
        if len(_column_keys) >= MAX_COLUMN_KEYS:
            _column_keys.clear()
        _column_keys[id(select)] = (select, key)
    return key


def _compile(query: Any, alias: str, params: tuple[Any, ...], fragments: tuple[str, ...]) -> Any:
    """Django's compilation of the query, kept when its SQL and parameters are the parts'."""
    compiler = query.clone().get_compiler(alias)
    sql, full_params = compiler.as_sql()
    limit = compiler.connection.ops.limit_offset_sql(query.low_mark, query.high_mark)
    if (
        tuple(full_params) != params
        or not limit
        or not sql.endswith(" " + limit)
        or compiler.having is not None
        or compiler.qualify is not None
        or not all(fragment in sql for fragment in fragments)
    ):
        return None
    return Prepared(compiler, sql[: -len(limit)])


def prepared_compiler(query: Any, alias: str) -> Any:
    """A compiler for this sliced query that runs the shape's compiled SQL, or None (Django
    compiles it)."""
    compiler = query.get_compiler(alias)
    try:
        key, params, fragments = _shape(query, compiler)
    except Unprepared:
        return None
    prepared = _shapes.get(key, _UNKNOWN)
    if prepared is _UNKNOWN:
        prepared = _compile(query, alias, params, fragments)
        with _lock:
            if len(_shapes) < MAX_SHAPES:
                _shapes[key] = prepared
    if prepared is None:
        return None
    sql = prepared.sql + compiler.connection.ops.limit_offset_sql(query.low_mark, query.high_mark)
    compiler.select = prepared.select
    compiler.klass_info = prepared.klass_info
    compiler.annotation_col_map = prepared.annotation_col_map
    compiler.col_count = prepared.col_count
    compiler.has_extra_select = prepared.has_extra_select
    compiler.as_sql = lambda with_limits=True, with_col_aliases=False: (sql, params)
    compiler.get_converters = lambda expressions: prepared.converters
    compiler.has_composite_fields = lambda expressions: prepared.composite
    return compiler


_iterables: dict[type, type] = {}


def _prepared_iterable(base: type) -> type:
    """`base` (ModelIterable, ValuesIterable, ...) reading through `prepared_compiler`."""
    found = _iterables.get(base)
    if found is not None:
        return found
    read_rows: Any = base.__iter__  # type: ignore[attr-defined]

    def __iter__(self: Any) -> Any:
        query = self.queryset.query
        compiler = prepared_compiler(query, self.queryset.db) if query.is_sliced else None
        if compiler is None:
            return read_rows(self)
        # The iterable asks the query for its compiler: hand it this one, for this read only
        # (a clone of the query made later must compile for itself). The rows of the slice (a
        # page, at most a few hundred) are read here, not handed on through a generator of
        # this function's own, which cost a resumption per row.
        query.get_compiler = lambda using=None, connection=None, elide_empty=True: compiler
        try:
            return iter(list(read_rows(self)))
        finally:
            del query.get_compiler

    found = _iterables[base] = type(f"Prepared{base.__name__}", (base,), {"__iter__": __iter__})
    return found


def prepared_pages(queryset: QuerySet[Any, Any]) -> QuerySet[Any, Any]:
    """`queryset` whose sliced reads use the compiled SQL of their shape (see the module)."""
    base = queryset._iterable_class  # type: ignore[attr-defined]
    if base in _iterables.values():
        return queryset
    clone = queryset._chain()  # type: ignore[attr-defined]
    clone._iterable_class = _prepared_iterable(base)
    return clone


def clear() -> None:
    """Forget every compiled shape (tests; a schema change in a running process)."""
    with _lock:
        _shapes.clear()
        _column_keys.clear()
