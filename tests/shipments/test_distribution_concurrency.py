"""Concurrent distribution requests never over-allocate a goods item (row locks on PostgreSQL)."""

import threading
from decimal import Decimal
from typing import cast

import pytest
from django.db import connection
from django.db.models import Sum
from rest_framework.test import APIClient

from shipments.models import Lot
from shipments.products import load_products
from tests.factories import PartnerFactory
from tests.shipments.factories import released_declaration
from tradehub.partners.models import Partner
from tradehub.partners.services import issue_api_key

THREADS = 20


@pytest.mark.django_db(transaction=True)
def test_twenty_parallel_distributions_never_exceed_the_declared_quantity(reference_data):
    load_products()
    partner = cast(Partner, PartnerFactory())
    declaration = released_declaration(partner)  # goods item 1: 6000 kg, 1200 packages
    _, key = issue_api_key(partner)
    url = f"/api/v1/declarations/{declaration.reference}/distribution/"
    body = {
        "shipments": [
            {
                "destination": "KGFRU",
                "lines": [{"goods_item": 1, "net_kg": "500.000", "packages": 10}],
            }
        ]
    }
    barrier = threading.Barrier(THREADS)
    statuses: list[int] = []
    remaining: list[str] = []
    lock = threading.Lock()

    def worker() -> None:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
        try:
            barrier.wait()
            response = client.post(url, body, format="json")
            with lock:
                statuses.append(response.status_code)
                if response.status_code == 409:
                    remaining.append(response.json()["remaining"][0]["remaining_net_kg"])
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(set(statuses)) == [201, 409]
    assert statuses.count(201) == 12  # 12 x 500 kg = the 6000 kg declared
    assert statuses.count(409) == 8
    assert set(remaining) == {"0.000"}
    allocated = Lot.objects.filter(goods_item__declaration=declaration).aggregate(kg=Sum("net_kg"))
    assert allocated["kg"] == Decimal("6000.000")
    declaration.refresh_from_db()
    assert declaration.status == "partially_distributed"  # goods item 2 is untouched


@pytest.mark.django_db(transaction=True)
def test_parallel_releases_and_re_exports_never_exceed_the_stock(reference_data):
    """Half the callers draw a release for free circulation through `children/`, half distribute
    to Tashkent (a re-export with its shipment): one allocation mechanism, one limit."""
    from declarations.models import GoodsItem
    from tests.declarations.factories import stock_declaration

    load_products()
    partner = cast(Partner, PartnerFactory())
    warehouse = stock_declaration(partner)  # goods item 1: 6000 kg, 1200 packages
    _, key = issue_api_key(partner)
    release_url = f"/api/v1/declarations/{warehouse.reference}/children/"
    release = {"procedure": "import", "lines": [{"goods_item": 1, "net_kg": "500.000"}]}
    distribute_url = f"/api/v1/declarations/{warehouse.reference}/distribution/"
    reexport = {
        "shipments": [
            {
                "destination": "UZTAS",
                "consignee": {"name": "Tashkent Fresh", "country": "UZ"},
                "lines": [{"goods_item": 1, "net_kg": "500.000", "packages": 10}],
            }
        ]
    }
    barrier = threading.Barrier(THREADS)
    statuses: list[tuple[str, int]] = []
    lock = threading.Lock()

    def worker(index: int) -> None:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
        url, body, kind = (
            (release_url, release, "release")
            if index % 2
            else (distribute_url, reexport, "reexport")
        )
        try:
            barrier.wait()
            response = client.post(url, body, format="json")
            with lock:
                statuses.append((kind, response.status_code))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    codes = [code for _, code in statuses]
    assert sorted(set(codes)) == [201, 409]
    assert codes.count(201) == 12  # 12 x 500 kg = the 6000 kg in stock
    drawn = GoodsItem.objects.filter(source_item__declaration=warehouse).aggregate(kg=Sum("net_kg"))
    assert drawn["kg"] == Decimal("6000.000")
