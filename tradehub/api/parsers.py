"""A stricter JSON parser: bad input becomes a 400 problem, never a 500 or a NaN in the database."""

import json
from typing import Any

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


def _reject_constant(name: str) -> Any:
    # Python's json accepts NaN, Infinity and -Infinity, which are not JSON (RFC 8259) and would
    # slip into float fields as values no sensor can report.
    raise ValueError(f"{name} is not a valid JSON number")


def _reject_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # With duplicate keys the last one silently wins in Python but not in every partner's JSON
    # library; refusing is the only reading both sides agree on.
    document: dict[str, Any] = {}
    for key, value in pairs:
        if key in document:
            raise ValueError(f"duplicate key {key!r}")
        document[key] = value
    return document


class StrictJSONParser(JSONParser):
    """JSON only as RFC 8259 defines it: no NaN/Infinity, no duplicate keys, bounded nesting."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = stream.read().decode(encoding)
            return json.loads(
                text, parse_constant=_reject_constant, object_pairs_hook=_reject_duplicate_keys
            )
        except RecursionError:
            raise ParseError("JSON parse error - the document is nested too deeply.") from None
        except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
            raise ParseError(f"JSON parse error - {exc}") from None
