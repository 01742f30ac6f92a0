"""The remembered content negotiation (`tradehub.api.negotiation`) answers what DRF's answers:
the same renderer and media type, the same refusals, for Accept headers, formats and renderer
lists of every kind, asked for the first time and again."""

from typing import Any

import pytest
from django.http import Http404
from rest_framework.exceptions import NotAcceptable
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from tradehub.api import negotiation
from tradehub.api.negotiation import RememberingContentNegotiation
from tradehub.api.renderers import FastJSONRenderer

ACCEPTS = [
    None,
    "*/*",
    "application/json",
    "application/json; indent=4",
    "application/json;indent=2, */*;q=0.1",
    "application/json; charset=utf-8",
    "application/*",
    "text/html",
    "text/html, application/json;q=0.9",
    "application/problem+json",
    "image/png",
    "",
    ",,,",
    "a" * 300 + ", application/json",
]
FORMATS = [None, "json", "api", "xml"]
RENDERERS = [
    [FastJSONRenderer],
    [FastJSONRenderer, BrowsableAPIRenderer],
    [BrowsableAPIRenderer, JSONRenderer],
]


def answer(negotiator: Any, accept: str | None, format: str | None, classes: list[type]) -> Any:
    headers = {} if accept is None else {"HTTP_ACCEPT": accept}
    query = {} if format is None else {"format": format}
    request = Request(APIRequestFactory().get("/api/v1/products/", query, **headers))
    renderers = [cls() for cls in classes]
    try:
        renderer, media_type = negotiator.select_renderer(request, renderers)
    except (NotAcceptable, Http404) as exc:
        return type(exc).__name__
    return renderers.index(renderer), type(renderer), media_type


@pytest.mark.parametrize("classes", RENDERERS)
def test_answers_are_drfs(classes):
    negotiation._answers.clear()
    for accept in ACCEPTS:
        for format in FORMATS:
            expected = answer(DefaultContentNegotiation(), accept, format, classes)
            for _ in range(2):  # computed, then remembered
                assert answer(RememberingContentNegotiation(), accept, format, classes) == (
                    expected
                ), (accept, format)


def test_a_format_suffix_is_part_of_the_answer():
    negotiation._answers.clear()
    request = Request(APIRequestFactory().get("/api/v1/products/"))
    renderers = [JSONRenderer(), BrowsableAPIRenderer()]
    ours = RememberingContentNegotiation()
    assert ours.select_renderer(request, renderers, "api")[0] is renderers[1]
    assert ours.select_renderer(request, renderers)[0] is renderers[0]
    with pytest.raises(Http404):
        ours.select_renderer(request, renderers, "xml")


def test_answers_kept_are_bounded(monkeypatch):
    negotiation._answers.clear()
    monkeypatch.setattr(negotiation, "MAX_ANSWERS", 5)
    for n in range(12):
        answer(RememberingContentNegotiation(), f"application/json; v={n}", None, [JSONRenderer])
        assert len(negotiation._answers) <= 5


def test_the_api_uses_it(settings):
    from rest_framework.settings import api_settings

    assert api_settings.DEFAULT_CONTENT_NEGOTIATION_CLASS is RememberingContentNegotiation
