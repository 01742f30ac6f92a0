"""Content negotiation whose answers are remembered per Accept header.

DRF's `DefaultContentNegotiation` reads the Accept header through `request.headers` (which
builds a dict of every header of the request) and parses it into media types for every request,
about a hundredth of a one-row list's CPU. Its answer depends only on that header, the format
asked for (`?format=`, a format suffix) and the view's renderers, so `RememberingContentNegotiation`
keeps the answer of each combination (the renderer by its position in the list, and the media
type) and asks DRF only for a combination it has not seen. Refusals (406, an unknown format's
404) are not kept: DRF raises them every time. Accept headers are client input, so at most
`MAX_ANSWERS` answers are kept (emptied when full). `tests/api/test_negotiation.py` compares the
answers with DRF's.
"""

from collections.abc import Hashable
from typing import Any

from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BaseRenderer

MAX_ANSWERS = 256
_answers: dict[Hashable, tuple[int, str]] = {}


class RememberingContentNegotiation(DefaultContentNegotiation):
    """DRF's negotiation, each answer computed once per Accept header, format and renderers."""

    def select_renderer(
        self, request: Any, renderers: Any, format_suffix: str | None = None
    ) -> tuple[BaseRenderer, str]:
        # `renderers` is the view's list (DRF's `get_renderers`), answered by position.
        # What DRF reads: `request.headers.get("accept", "*/*")` is this META entry.
        format = format_suffix or request.query_params.get(self.settings.URL_FORMAT_OVERRIDE)
        key = (
            request.META.get("HTTP_ACCEPT", "*/*"),
            format,
            tuple((type(renderer), renderer.media_type, renderer.format) for renderer in renderers),
        )
        found = _answers.get(key)
        if found is not None:
            return renderers[found[0]], found[1]
        renderer, media_type = super().select_renderer(request, renderers, format_suffix)
        position = next(i for i, candidate in enumerate(renderers) if candidate is renderer)
        if len(_answers) >= MAX_ANSWERS:
            _answers.clear()
        _answers[key] = (position, media_type)
        return renderer, media_type
