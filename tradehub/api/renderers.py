"""The partner API's JSON renderer: DRF's `JSONRenderer` output, written by orjson.

orjson encodes a page of 50 nested shipments several times faster than `json.dumps` with DRF's
encoder class. The bytes are the same as `JSONRenderer` writes (compact separators, UTF-8 not
escaped, U+2028/U+2029 escaped, DRF's encoder for dates, times, decimals, lazy strings...);
where orjson would spell something differently, this renderer hands over to `JSONRenderer`:

- a float written with an exponent or as `0.0000…` (Python writes `1e-05`, orjson `0.00001`; both
  write `1e+16`, but which is which is not worth telling apart): detected in the output;
- anything orjson refuses (integers beyond 64 bits, keys that are not strings, lone surrogates):
  orjson raises, `JSONRenderer` answers as before (with an error where it raised one);
- pretty-printing (`Accept: application/json; indent=4`).

One difference remains: a float NaN or infinity, which `JSONRenderer` refuses (a 500), is written
as `null`. No field of the API can hold one (inputs are validated finite).
`tests/api/test_renderers.py` compares the two renderers byte for byte.
"""

import re
from collections.abc import Callable, Mapping
from typing import Any, cast

import orjson
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

_DIGITS = frozenset(b"0123456789")
_EXPONENT = re.compile(rb"e[-+][0-9]")
_FOUR_ZEROS = re.compile(rb"\.0000")
_ZERO, _MINUS = ord("0"), ord("-")
_VALUE_STARTS = frozenset(b":,[")  # what precedes a value in compact JSON
# U+2028 and U+2029 in UTF-8: the lead byte, then the two that make them these two characters.
_SEPARATOR_LEAD, _SEPARATOR_TAILS = b"\xe2", (b"\x80\xa8", b"\x80\xa9")
# Dates, times and dataclasses go through DRF's encoder (`default`), not orjson's own spelling.
_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


def spelled_differently(rendered: bytes) -> bool:
    """Whether orjson may have written a float unlike Python: an exponent (`1e-7`, `1e+16`: digit,
    `e`, sign, digit) or a number starting `0.0000` (`0.00001`, `-0.00001`: where a value starts,
    after `:`, `,`, `[` or at the very start). Text that looks alike only costs a fallback. A
    time with few microseconds (`…:26.000004+05:00`) does not: its `.0000` follows two digits,
    and it made every page holding one fall back (a page of 50 declarations: 3 ms of 16).
    (Patterns that start with a literal: sre scans for those quickly.)"""
    if any(
        _starts_a_number(rendered, match.start() - 1) for match in _FOUR_ZEROS.finditer(rendered)
    ):
        return True
    return any(
        match.start() > 0 and rendered[match.start() - 1] in _DIGITS
        for match in _EXPONENT.finditer(rendered)
    )


def has_separators(rendered: bytes) -> bool:
    """Whether U+2028 or U+2029 is in the UTF-8 text. Looked for by their lead byte `e2`, which
    `bytes.find` finds with memchr and which only punctuation and symbols (U+2000-U+2FFF) use:
    a regular expression or a search for the three bytes read a 175 kB page of 50 shipments at
    about 1 GB/s (75 us), memchr in a few."""
    find = rendered.find
    lead = find(_SEPARATOR_LEAD)
    while lead >= 0:
        if rendered[lead + 1 : lead + 3] in _SEPARATOR_TAILS:
            return True
        lead = find(_SEPARATOR_LEAD, lead + 1)
    return False


def _starts_a_number(rendered: bytes, zero: int) -> bool:
    """Whether `rendered[zero]` is a `0` that begins a JSON number (optionally after a minus)."""
    if zero < 0 or rendered[zero] != _ZERO:
        return False
    before = zero - 1
    if before >= 0 and rendered[before] == _MINUS:
        before -= 1
    return before < 0 or rendered[before] in _VALUE_STARTS


class FastJSONRenderer(JSONRenderer):
    """`JSONRenderer`, the same bytes, encoded with orjson when that gives the same bytes."""

    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: Mapping[str, Any] | None = None,
    ) -> bytes:
        if data is None:
            return b""
        if accepted_media_type == self.media_type:
            # No parameters, so no `indent=` in it: DRF's `get_indent` would parse it to learn so.
            indent = (renderer_context or {}).get("indent")
        else:
            indent = self.get_indent(accepted_media_type or "", renderer_context or {})
        if indent is not None:
            return super().render(data, accepted_media_type, renderer_context)
        if not (self.compact and not self.ensure_ascii and self.strict):
            return super().render(data, accepted_media_type, renderer_context)
        try:
            rendered = orjson.dumps(data, default=self.encoder_class().default, option=_OPTIONS)
        except (orjson.JSONEncodeError, TypeError, ValueError):
            return super().render(data, accepted_media_type, renderer_context)
        if spelled_differently(rendered):
            return super().render(data, accepted_media_type, renderer_context)
        if has_separators(rendered):
            rendered = rendered.replace(b"\xe2\x80\xa8", b"\\u2028").replace(
                b"\xe2\x80\xa9", b"\\u2029"
            )
        return rendered


class RenderedResponse(Response):
    """A `Response` whose body `FastJSONRenderer` would write is already known: `rendered`,
    written by that renderer from the data (`data_of()`, built only when someone reads
    `.data`). Answered as is when the request's renderer is that renderer writing plain compact
    JSON (`Accept: application/json` without parameters, no indent); any other case renders
    `.data` as a `Response` does. Kept representations (`declarations.api.representations`)
    answer with the bytes they kept instead of rendering the same dicts again."""

    def __init__(self, rendered: bytes, data_of: Callable[[], Any], status: int = 200) -> None:
        super().__init__(None, status=status)
        self._rendered = rendered
        self._data_of: Callable[[], Any] | None = data_of

    @property  # type: ignore[override]
    def data(self) -> Any:
        if self._data_of is not None:
            self._data = self._data_of()
            self._data_of = None
        return self._data

    @data.setter
    def data(self, value: Any) -> None:
        self._data = value
        self._data_of = None

    @property
    def rendered_content(self) -> Any:
        renderer = getattr(self, "accepted_renderer", None)
        context = getattr(self, "renderer_context", None)
        if (
            type(renderer) is FastJSONRenderer
            and getattr(self, "accepted_media_type", None) == renderer.media_type
            and context is not None
            and context.get("indent") is None
            and renderer.compact
            and not renderer.ensure_ascii
            and renderer.strict
            and self.content_type is None
        ):
            context["response"] = self
            charset = renderer.charset  # as `Response.rendered_content` writes the header
            media_type = renderer.media_type
            self["Content-Type"] = (
                media_type if charset is None else f"{media_type}; charset={charset}"
            )
            return self._rendered
        return super().rendered_content

    def __getstate__(self) -> dict[str, Any]:
        self.data  # noqa: B018 (built before pickling: a function does not pickle)
        return cast(dict[str, Any], super().__getstate__())
