"""Admin: the EAEU codes and the phytosanitary list are searchable, filterable and read-only."""

import pytest

from tradehub.reference.models import EaeuCommodityCode

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, staff_user):
    client.force_login(staff_user)
    return client


def test_eaeu_codes_search_and_seasonal_filter(staff_client):
    page = staff_client.get("/admin/reference/eaeucommoditycode/?q=0702&seasonal=yes")
    assert page.status_code == 200
    html = page.content.decode()
    assert "0702000005" in html
    assert "0703200000" not in html
    all_year = staff_client.get("/admin/reference/eaeucommoditycode/?seasonal=no&q=0808").content
    assert b"0808400000" in all_year
    assert b"0808108001" not in all_year


def test_eaeu_codes_cannot_be_added_or_changed(staff_client):
    assert staff_client.get("/admin/reference/eaeucommoditycode/add/").status_code == 403
    tomato = EaeuCommodityCode.objects.get(code="0702000005")
    url = f"/admin/reference/eaeucommoditycode/{tomato.pk}/change/"
    assert staff_client.get(url).status_code == 200  # viewable
    staff_client.post(url, {"description": "changed"})
    tomato.refresh_from_db()
    assert tomato.description.startswith("Томаты")


def test_phytosanitary_list_filters_by_group(staff_client):
    page = staff_client.get(
        "/admin/reference/phytosanitaryregulatedproduct/?list_item=Свежие+фрукты"
    )
    assert page.status_code == 200
    assert "0808" in page.content.decode()
