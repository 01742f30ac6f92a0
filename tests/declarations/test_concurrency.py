"""Under real concurrency (PostgreSQL, one connection per thread): the same LRN twice at the same
moment gives one declaration and one DuplicateLrn naming it; numbers are never handed out twice."""

import threading

import pytest
from django.db import connection

from declarations import services
from declarations.exceptions import DuplicateLrn
from declarations.models import Declaration
from tests.declarations.factories import payload, validated
from tradehub.partners.models import Partner
from tradehub.reference.models import CustomsOffice


def run_together(target, count):
    """Start `count` threads at once (a barrier) and collect what each returned or raised."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def worker(index):
        try:
            barrier.wait()
            results[index] = target()
        except Exception as exc:
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.django_db(transaction=True)
def test_same_lrn_at_the_same_moment_creates_one_declaration(reference_data):
    partner = Partner.objects.create(name="Race Partner")
    data = validated(payload(lrn="RACE-1"))
    results = run_together(
        lambda: services.create_declaration(partner=partner, data=data, actor="t"), 4
    )
    created = [r for r in results if isinstance(r, Declaration)]
    duplicates = [r for r in results if isinstance(r, DuplicateLrn)]
    assert len(created) == 1 and len(duplicates) == 3, results
    assert {d.reference for d in duplicates} == {created[0].reference}
    assert Declaration.objects.filter(partner=partner, lrn="RACE-1").count() == 1


@pytest.mark.django_db(transaction=True)
def test_customs_numbers_are_unique_under_concurrency(reference_data):
    office = CustomsOffice.objects.get(code="50510")
    numbers = run_together(lambda: services.allocate_customs_number(office), 6)
    assert all(isinstance(n, str) for n in numbers), numbers
    assert len(set(numbers)) == 6
