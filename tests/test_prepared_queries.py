"""`RowsByIds` answers what the ORM answers for the same query, for any number of ids, in the
order asked for, with Django's converters applied (JSON, annotations); it refuses queries it
cannot prepare, and compiles again when what the query depends on changes."""

import re

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.db.models import Exists, F, JSONField, OuterRef, Q, Value
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from shipments.models import Alert, Lot, Shipment
from tests.shipments.factories import make_shipment
from tradehub.prepared_queries import (
    RowsByIds,
    digested_rows_together,
    digests_together,
    rows_together,
)

pytestmark = pytest.mark.django_db
# Digests are PostgreSQL's (elsewhere `digests_together` gives None).
postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL digests")


def lots_query(ids: list[int]):
    return (
        Lot.objects.filter(shipment_id__in=ids)
        .annotate(alerted=Exists(Alert.objects.filter(lot_id=OuterRef("pk"))))
        .order_by("-id")
        .values_list("alerted", "shelf_state", "id", "net_kg", "product__code", "packed_on")
    )


def test_rows_equal_the_orms_for_any_number_of_ids(partner):
    shipments = [
        make_shipment(partner, lots=[{"product": "cherry-tomato"}, {"product": "kiwifruit"}])
        for _ in range(3)
    ]
    prepared = RowsByIds(lots_query)
    for ids in ([shipments[0].pk], [s.pk for s in shipments], [shipments[2].pk, 10**12]):
        assert prepared.rows(ids) == list(lots_query(ids))
    ids = [s.pk for s in shipments]
    assert prepared.rows(tuple(ids)) == list(lots_query(ids))  # any sequence of ids
    assert isinstance(prepared.rows([shipments[0].pk])[0][1], dict)  # JSON decoded
    with CaptureQueriesContext(connection) as queries:
        assert prepared.rows([]) == []
    assert not queries.captured_queries


def test_ids_go_as_one_array_literal():
    """The id list is one parameter, a PostgreSQL array literal of integers (nothing else gets
    into it)."""
    from tradehub.prepared_queries import int_array

    assert int_array([3, 10**12, 1]) == "{3,1000000000000,1}"
    assert int_array([]) == "{}"
    with pytest.raises(ValueError):
        int_array(["1,2"])  # type: ignore[list-item]


def test_a_database_without_arrays_gets_the_orms_query(partner, monkeypatch):
    """SQLite (the embedded default of `make run`) has no `= ANY(array)`: the ORM's own query
    runs instead, with the same rows."""
    shipments = [make_shipment(partner, lots=[{"product": "kiwifruit"}]) for _ in range(2)]
    ids = [s.pk for s in shipments]
    prepared = RowsByIds(lots_query)
    monkeypatch.setattr(connection, "vendor", "sqlite")
    with CaptureQueriesContext(connection) as queries:
        assert prepared.rows(ids) == list(lots_query(ids))
    assert queries.captured_queries
    assert all("ANY(" not in query["sql"] for query in queries.captured_queries)


def test_dicts_are_keyed_like_values(partner):
    shipment = make_shipment(partner)
    prepared = RowsByIds(
        lambda ids: Shipment.objects.filter(pk__in=ids).values_list("reference", "consignee", "id")
    )
    assert prepared.dicts([shipment.pk]) == list(
        Shipment.objects.filter(pk=shipment.pk).values("reference", "consignee", "id")
    )


def test_queries_it_cannot_prepare_are_refused():
    with pytest.raises(ImproperlyConfigured):
        RowsByIds(lambda ids: Lot.objects.filter(id__gt=ids[0]).values_list("id")).rows([1])
    with pytest.raises(ImproperlyConfigured):
        RowsByIds(lambda ids: Lot.objects.filter(pk__in=ids)).rows([1])


def test_it_compiles_again_when_its_dependency_changes(partner):
    shipment = make_shipment(partner, lots=[{"product": "cherry-tomato", "net_kg": "5.000"}])
    limit = {"kg": 1}
    prepared = RowsByIds(
        lambda ids: Lot.objects.filter(shipment_id__in=ids, net_kg__gt=limit["kg"]).values_list(
            "id"
        ),
        depends_on=lambda: limit["kg"],
    )
    assert len(prepared.rows([shipment.pk])) == 1
    limit["kg"] = 10
    assert prepared.rows([shipment.pk]) == []


def test_the_ids_may_go_into_several_in_filters(partner):
    shipments = [make_shipment(partner, lots=[{"product": "cherry-tomato"}]) for _ in range(3)]
    lots = [shipment.lots.get() for shipment in shipments]

    def either(ids: list[int]):
        return (
            Lot.objects.filter(Q(shipment_id__in=ids) | Q(id__in=ids))
            .order_by("id")
            .values_list("id", "shipment_id")
        )

    prepared = RowsByIds(either)
    for ids in ([shipments[0].pk], [shipments[1].pk, lots[2].pk], [10**12]):
        assert prepared.rows(ids) == list(either(ids))


def test_json_columns_read_as_djangos_converter_reads_them(partner):
    """JSON is parsed by orjson where that gives `json.loads`'s value, else by Django: integers
    beyond 64 bits stay integers, a number PostgreSQL writes out in 401 digits too, floats read
    the same, unicode, nesting, JSON null (SQL NULL: the declarations' `rejection_errors` in
    tests/declarations/test_representations.py)."""
    import random

    rng = random.Random(15)
    floats = [rng.random() * 10 ** rng.randint(-30, 30) * rng.choice([1, -1]) for _ in range(300)]
    values = [
        {"big": 123456789012345678901234567890, "neg": -9223372036854775809, "max": 2**64 - 1},
        {"floats": floats, "small": [0.1, 1e-7, 5e-324, -0.0, 1.7976931348623157e308]},
        {"name": "ТОО «Алматы Фреш» 新疆 😀", "nested": [[{"a": None}], True, False, 0]},
        ["MSKU1234567", None, 7],
        Value(None, JSONField()),  # JSON null
        {},
    ]
    shipments = [make_shipment(partner) for _ in values]
    for shipment, value in zip(shipments, values, strict=True):
        Shipment.objects.filter(pk=shipment.pk).update(consignee=value)
    with connection.cursor() as cursor:  # PostgreSQL writes this number out in full
        cursor.execute(
            "UPDATE shipments_shipment SET consignee = '{\"huge\": 1E400}'::jsonb WHERE id = %s",
            [shipments[-1].pk],
        )

    def consignees(ids: list[int]):
        return Shipment.objects.filter(pk__in=ids).order_by("id").values_list("id", "consignee")

    ids = [shipment.pk for shipment in shipments]
    prepared = RowsByIds(consignees).rows(ids)
    expected = list(consignees(ids))
    assert repr(prepared) == repr(expected)  # repr: 1 and 1.0, -0.0 and 0.0 differ
    assert expected[-2][1] is None
    assert isinstance(dict(expected)[ids[-1]]["huge"], int)


def test_queries_run_together_answer_what_each_answers_alone(partner, monkeypatch):
    """`rows_together` sends the statements as one on PostgreSQL (one query logged), skips the
    ones without ids, and gives each query's rows (converters applied) as `rows` would; on
    SQLite each runs alone, through the ORM."""
    shipments = [
        make_shipment(partner, lots=[{"product": "cherry-tomato"}, {"product": "kiwifruit"}])
        for _ in range(3)
    ]
    ids = [s.pk for s in shipments]
    lots = RowsByIds(lots_query)
    references = RowsByIds(
        lambda ids: (
            Shipment.objects.filter(pk__in=ids).order_by("id").values_list("id", "consignee")
        )
    )
    alone = [lots.rows(ids), references.rows(ids[:2]), []]
    with CaptureQueriesContext(connection) as queries:
        together = rows_together((lots, ids), (references, ids[:2]), (lots, []))
    assert together == alone
    assert len(queries.captured_queries) == 1
    assert isinstance(together[0][0][1], dict)  # JSON decoded
    assert references.named(together[1]) == references.dicts(ids[:2])
    with CaptureQueriesContext(connection) as queries:
        assert rows_together((lots, []), (references, [])) == [[], []]
    assert not queries.captured_queries
    # Server-side binding (OPTIONS) prepares each statement, one command each: run apart.
    options = {**connection.settings_dict.get("OPTIONS", {}), "server_side_binding": True}
    monkeypatch.setitem(connection.settings_dict, "OPTIONS", options)
    with CaptureQueriesContext(connection) as queries:
        assert rows_together((lots, ids), (references, ids[:2]), (lots, [])) == alone
    assert len(queries.captured_queries) == 2
    assert all("ANY(" in query["sql"] for query in queries.captured_queries)
    monkeypatch.setattr(connection, "vendor", "sqlite")
    with CaptureQueriesContext(connection) as queries:
        assert rows_together((lots, ids), (references, ids[:2]), (lots, [])) == alone
    assert len(queries.captured_queries) == 2
    assert all("ANY(" not in query["sql"] for query in queries.captured_queries)


def test_digested_rows_are_the_rows_and_their_digests_follow_them(partner, monkeypatch):
    """`digested_rows_together` gives `rows_together`'s rows (one query logged) and a digest per
    query, which `digests_together` gives alone (one query, one row): the same while the rows
    are the same, another once one of them changed, None for a query without rows or ids.
    Where the queries run alone (SQLite, server-side binding): no digests, the rows."""
    shipments = [
        make_shipment(partner, lots=[{"product": "cherry-tomato"}, {"product": "kiwifruit"}])
        for _ in range(2)
    ]
    ids = [s.pk for s in shipments]
    lots = RowsByIds(lots_query)
    references = RowsByIds(
        lambda ids: (
            Shipment.objects.filter(pk__in=ids).order_by("id").values_list("id", "consignee")
        )
    )
    queries: tuple[tuple[RowsByIds, list[int]], ...] = (
        (lots, ids),
        (references, ids),
        (lots, []),
        (references, [10**12]),
    )
    alone = rows_together(*queries)
    with CaptureQueriesContext(connection) as captured:
        digests, rows = digested_rows_together(*queries)
    assert len(captured.captured_queries) == 1
    assert rows == alone
    assert isinstance(rows[1][0][1], dict)  # converters applied, the digest column dropped
    assert digests is not None and digests[2] is None and digests[3] is None
    assert all(len(digest or "") == 64 for digest in digests[:2])
    with CaptureQueriesContext(connection) as captured:
        assert digests_together(*queries) == digests
    assert len(captured.captured_queries) == 1
    assert digested_rows_together(*queries) == (digests, alone)
    Lot.objects.filter(pk=shipments[1].lots.order_by("id")[0].pk).update(net_kg="1.500")
    changed, rows = digested_rows_together(*queries)
    assert changed is not None and rows == rows_together(*queries)
    assert changed[0] != digests[0] and changed[1:] == digests[1:]
    assert digests_together(*queries) == changed
    Shipment.objects.filter(pk=ids[0]).update(consignee={"name": "Ünïcødé"})
    again = digests_together(*queries)
    assert again is not None and again[1] != digests[1]
    assert digested_rows_together(*queries)[0] == again
    assert digests_together((lots, [])) is None  # nothing to run
    options = {**connection.settings_dict.get("OPTIONS", {}), "server_side_binding": True}
    monkeypatch.setitem(connection.settings_dict, "OPTIONS", options)
    assert digested_rows_together(*queries) == (None, rows_together(*queries))
    assert digests_together(*queries) is None
    monkeypatch.setitem(connection.settings_dict, "OPTIONS", {})
    monkeypatch.setattr(connection, "vendor", "sqlite")
    assert digested_rows_together(*queries) == (None, rows_together(*queries))
    assert digests_together(*queries) is None


def session_statements() -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, statement FROM pg_prepared_statements")
        return dict(cursor.fetchall())


def test_queries_run_as_statements_prepared_once_per_session(partner):
    """A query is prepared by the session the first time it runs there (in the same message as
    its execution: one query sent) and executed by name afterwards; a text holding `%` and
    the ids twice prepares and answers as the ORM's query."""
    shipments = [make_shipment(partner, lots=[{"product": "cherry-tomato"}]) for _ in range(2)]
    ids = [s.pk for s in shipments]

    def percent_query(ids: list[int]):
        return (
            Shipment.objects.filter(Q(pk__in=ids) | Q(declaration_id__in=ids))
            .exclude(reference__contains="%")
            .order_by("id")
            .values_list("id", "reference")
        )

    prepared, percent = RowsByIds(lots_query), RowsByIds(percent_query)
    expected = [list(lots_query(ids)), list(percent_query(ids))]
    assert expected[1]  # the `%` query has rows
    with CaptureQueriesContext(connection) as queries:
        assert rows_together((prepared, ids), (percent, ids)) == expected
    assert len(queries.captured_queries) == 1
    sent = queries.captured_queries[0]["sql"]
    assert sent.startswith("PREPARE rows_by_ids_")  # the `%` query at least is new here
    executed = re.findall(r"EXECUTE (rows_by_ids_[0-9]+)\(", sent)
    assert len(executed) == 2 and set(executed) <= session_statements().keys()
    expected = list(lots_query(ids[:1]))
    with CaptureQueriesContext(connection) as queries:
        assert prepared.rows(ids[:1]) == expected
    assert queries.captured_queries[0]["sql"] == f"EXECUTE {executed[0]}('{{{ids[0]}}}')"


def test_a_failed_message_leaves_no_statement_thought_prepared(partner):
    """A message that failed after its PREPARE ran (an id beyond bigint fails the EXECUTE)
    leaves the statement in the session (a rollback does not undo a PREPARE) but not counted as
    prepared: the next run prepares the text again under a new name and answers."""
    from django.db import DataError, transaction

    shipment = make_shipment(partner, lots=[{"product": "cherry-tomato"}])

    def fresh_query(ids: list[int]):  # a text no earlier test prepared in this session
        return Lot.objects.filter(shipment_id__in=ids).order_by("id").values_list("id", "packed_on")

    prepared = RowsByIds(fresh_query)
    with pytest.raises(DataError), transaction.atomic():
        prepared.rows([10**30])
    left = set(session_statements())
    assert prepared.rows([shipment.pk]) == list(fresh_query([shipment.pk]))
    assert len(set(session_statements()) - left) == 1


@postgresql_only
def test_queries_of_their_tables_columns_are_digested_by_row_versions(partner):
    """A page's six queries read their rows' versions (`_versioned`); one whose added column
    would change its rows (DISTINCT) digests its rows' text, as before."""
    from shipments.api.representations import _related

    for query, _ in _related([1]):
        assert query._current()[7] is not None, query._current()[0][:60]
    distinct = RowsByIds(
        lambda ids: Lot.objects.filter(shipment_id__in=ids).values_list("product_id").distinct()
    )
    assert distinct._current()[7] is None
    shipment = make_shipment(partner, lots=[{"product": "kiwifruit"}, {"product": "kiwifruit"}])
    first = digests_together((distinct, [shipment.pk]))
    assert first is not None and len(first[0] or "") == 64
    assert digested_rows_together((distinct, [shipment.pk]))[0] == first
    Lot.objects.filter(shipment=shipment).update(net_kg="2.000")
    assert digests_together((distinct, [shipment.pk])) == first  # its rows' text is the same


@postgresql_only
def test_every_change_to_a_table_read_changes_the_versions(partner):
    """Each kind of change to each table a query reads gives another digest (digests_together
    and digested_rows_together agree), and the rows read with it are the ORM's: an update of a
    column shown, of a joined row (LEFT JOINs too), of a value computed from another table
    (the lots' excursion flag), a rewrite of the same values (a new version: read again), an
    insert, a delete, the same row inserted again with the same id, a row chosen through a
    subquery (the products of the lots), two updates of a row in one transaction."""
    from django.db import transaction

    from shipments.api.representations import LOTS, PRODUCTS, SHIPMENTS
    from shipments.models import Excursion, Product
    from tests.shipments.factories import released_declaration
    from tradehub.reference.models import Country, Location

    declaration = released_declaration(partner)
    shipment = make_shipment(partner, lots=[{"product": "cherry-tomato"}, {"product": "kiwifruit"}])
    Shipment.objects.filter(pk=shipment.pk).update(declaration=declaration)
    ids = [shipment.pk]
    queries = ((SHIPMENTS, ids), (LOTS, ids), (PRODUCTS, ids))
    seen: list[tuple[str | None, ...]] = []

    def digests_change(*which: int) -> None:
        digests, rows = digested_rows_together(*queries)
        assert digests is not None and digests_together(*queries) == digests
        assert rows == [query.rows(ids) for query, ids in queries]
        assert rows == [list(query._build(ids)) for query, ids in queries]
        if seen:
            changed = {n for n in range(3) if digests[n] != seen[-1][n]}
            assert changed == set(which), (which, changed)
        seen.append(digests)

    lot = shipment.lots.order_by("id")[0]
    destination = Location.objects.get(pk=shipment.destination_id)
    digests_change()
    digests_change()  # nothing changed
    Shipment.objects.filter(pk=shipment.pk).update(partner_reference="P-1")
    digests_change(0)
    Shipment.objects.filter(pk=shipment.pk).update(reference=F("reference"))
    digests_change(0)  # the same values, another version
    Location.objects.filter(pk=destination.pk).update(code="KZXXX")
    digests_change(0)
    Country.objects.filter(pk=destination.country_id).update(code="XX")
    digests_change(0)
    type(declaration).objects.filter(pk=declaration.pk).update(reference="DECL-CHANGED")
    digests_change(0)
    Shipment.objects.filter(pk=shipment.pk).update(declaration=None)  # LEFT JOIN to nothing
    digests_change(0)
    Lot.objects.filter(pk=lot.pk).update(lot_code="L-CHANGED")
    digests_change(1)
    Excursion.objects.create(
        shipment=shipment,
        product_id=lot.product_id,
        kind="high",
        started_at=timezone.now(),
        peak_c=14.0,
        degree_hours=1e6,
    )
    digests_change(1)  # the flag, computed from another table
    Excursion.objects.filter(shipment=shipment).update(degree_hours=0.0)
    digests_change(1)
    row = Lot.objects.filter(pk=lot.pk).values()[0]
    Lot.objects.filter(pk=lot.pk).delete()
    digests_change(1, 2)  # its product is no longer one of the lots'
    Lot.objects.create(**row)
    digests_change(1, 2)
    assert seen[-1][1] != seen[-3][1]  # the same values again, another version
    other = Product.objects.exclude(code__in=["cherry-tomato", "kiwifruit"]).first()
    assert other is not None
    Lot.objects.filter(pk=lot.pk).update(product=other)
    digests_change(1, 2)
    Product.objects.filter(pk=other.pk).update(storage_life_days=99)
    digests_change(2)
    with transaction.atomic():
        Lot.objects.filter(pk=lot.pk).update(packages=3)
        digests_change(1)
        Lot.objects.filter(pk=lot.pk).update(packages=4)  # the same transaction: same xmin
        digests_change(1)
    digests_change()


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_transaction_that_wrote_gets_digests_of_its_own(reference_data, partner):
    """What a transaction reads after it wrote is digested apart from the same rows read by
    others (what it read of its own writes may be written again with the same `xmin`)."""
    from django.db import transaction

    from shipments.api.representations import LOTS

    shipment = make_shipment(partner)
    read = digests_together((LOTS, [shipment.pk]))
    with transaction.atomic():
        assert digests_together((LOTS, [shipment.pk])) == read  # has not written
        Shipment.objects.filter(pk=shipment.pk).update(partner_reference="P-2")
        inside = digests_together((LOTS, [shipment.pk]))
        assert inside is not None and inside != read
        transaction.set_rollback(True)
    assert digests_together((LOTS, [shipment.pk])) == read


@postgresql_only
def test_a_lookup_goes_with_the_digests_of_what_it_finds(partner, monkeypatch):
    """`found_with_digests`: the lookup's rows (as the ORM reads them) and the digests
    `digests_together` gives for the id found, in one statement; nothing found, no digests;
    where it cannot be one prepared statement, None."""
    from shipments.api.representations import _related
    from tradehub.prepared_queries import found_with_digests

    shipments = [make_shipment(partner) for _ in range(2)]
    queries = [query for query, _ in _related(())]

    def lookup(**where):
        rows = (
            Shipment.objects.filter(partner=partner, **where)
            .order_by("id")
            .values_list("id", "reference", "version")[:2]
        )
        sql, params = rows.query.get_compiler("default").as_sql()
        return list(rows), sql, params

    one = shipments[1]
    expected, sql, params = lookup(reference=one.reference)
    with CaptureQueriesContext(connection) as captured:
        for _ in range(7):  # prepared once, executed after
            found = found_with_digests("default", sql, params, queries)
            assert found is not None
            assert found[0] == expected
            assert found[1] == digests_together(*_related([one.pk]))
    assert len(captured.captured_queries) == 14
    Lot.objects.filter(shipment=one).update(packages=9)
    found = found_with_digests("default", sql, params, queries)
    assert found is not None and found[1] == digests_together(*_related([one.pk]))
    _, sql, params = lookup(reference="SHP-NONE")
    assert found_with_digests("default", sql, params, queries) == ([], None)
    both, sql, params = lookup(reference__startswith="SHP-")  # a `%` in the parameter
    found = found_with_digests("default", sql, params, queries)
    assert found is not None and found[0] == both and len(both) == 2
    _, dated, dated_params = lookup(created_at__lte=timezone.now())
    assert found_with_digests("default", dated, dated_params, queries) is None
    monkeypatch.setattr(connection, "vendor", "sqlite")
    assert found_with_digests("default", sql, params, queries) is None


@postgresql_only
def test_queries_of_the_same_ids_send_them_once(partner):
    """Where every query has the same ids (a page's), the digests' statement takes them as one
    parameter; the digests are those of the queries sent their ids apart."""
    from shipments.api.representations import _related

    shipments = [make_shipment(partner) for _ in range(2)]
    ids = [s.pk for s in shipments]
    shared = digests_together(*_related(ids))
    apart = digests_together(
        *((query, tuple(ids)) for query, _ in _related(ids)[:-1]),
        (
            _related(ids)[-1][0],
            list(ids),
        ),
    )
    assert shared is not None and shared == apart
    with connection.cursor() as cursor:
        cursor.execute(  # this session's statements of the six queries' digests
            "SELECT cardinality(parameter_types) FROM pg_prepared_statements"
            " WHERE statement LIKE 'PREPARE % AS SELECT (SELECT encode(%'"
            " AND statement LIKE '%shipments_requireddocument%shipments_alert%'"
        )
        assert {row[0] for row in cursor.fetchall()} == {1, 6}
