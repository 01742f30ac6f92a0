"""Next and previous links built from a remembered template (`tradehub.api.pagination`) are the
links DRF builds: `link_with` against `replace_query_param`, `encode_cursor` against DRF's."""

import itertools

import pytest
from rest_framework import pagination as drf_pagination
from rest_framework.pagination import Cursor
from rest_framework.utils.urls import replace_query_param

from tradehub.api import pagination
from tradehub.api.pagination import CursorPagination, link_with

BASE = "http://127.0.0.1:8000/api/v1/products/"
URLS = [
    BASE,
    BASE + "?page_size=1",
    BASE + "?cursor=cD0yMDI2&page_size=2",
    BASE + "?page_size=2&cursor=cj0xJnA9YQ%3D%3D",
    BASE + "?b=2&a=1&a=3&z=",
    BASE + "?x&y=&cursor=",
    BASE + "?name=%D0%90%D0%BB%D0%BC%D0%B0&q=a+b%2Bc",
    BASE + "?updated_since=2026-11-30T00%3A00%3A00%2B05%3A00",
    "https://example.kz/api/v1/alerts/?state=open&state=acknowledged",
    "http://127.0.0.1:8000/api/v1/%D0%BB%D0%BE%D1%82/?a=1#fragment",
    BASE + "?cursor=%00cursor%00",  # the marker's spelling: left to DRF
    BASE + "?other=%00cursor%00",
    "",
]
VALUES = ["cD0yMDI2LTExLTMwKzA4JTNBMDA=", "bz0yJnI9MSZwPWE+Yg==", "", "a b/c", "Алма"]


@pytest.fixture(autouse=True)
def _no_templates():
    pagination._link_templates.clear()
    yield
    pagination._link_templates.clear()


@pytest.mark.parametrize("url", URLS)
def test_links_are_drfs(url):
    for name, value in itertools.product(["cursor", "page"], VALUES):
        for _ in range(2):  # built, then from the template
            assert link_with(url, name, value) == replace_query_param(url, name, value)


def test_templates_are_bounded(monkeypatch):
    monkeypatch.setattr(pagination, "MAX_LINK_TEMPLATES", 3)
    for n in range(10):
        link_with(f"{BASE}?page_size={n}", "cursor", "x")
        assert len(pagination._link_templates) <= 3


@pytest.mark.parametrize("url", URLS[:4])
def test_cursors_encode_as_drfs(url):
    ours, theirs = CursorPagination(), drf_pagination.CursorPagination()
    ours.base_url = theirs.base_url = url
    for offset, reverse, position in itertools.product(
        [0, 1, 50],
        [False, True],
        [None, "kiwifruit", "2026-11-30 18:00:00.123456+00:00", "a&b=c", "Лот 7"],
    ):
        cursor = Cursor(offset=offset, reverse=reverse, position=position)  # type: ignore[arg-type]
        assert ours.encode_cursor(cursor) == theirs.encode_cursor(cursor)
