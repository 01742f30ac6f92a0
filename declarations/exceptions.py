"""Domain errors raised by services; the API maps them to 400 / 409 problem responses."""

from __future__ import annotations

from typing import Any

from .states import TransitionNotAllowed

__all__ = [
    "AllocationExceeded",
    "DeclarationError",
    "DeclarationInvalid",
    "DuplicateLrn",
    "MessageConflict",
    "ProcedureNotAllowed",
    "TransitionNotAllowed",
]


class DeclarationError(Exception):
    """Base of the declarations app's domain errors."""


class DeclarationInvalid(DeclarationError):
    """The declaration breaks a rule; `errors` are `{pointer, code, detail}` like the API's."""

    def __init__(self, errors: list[dict[str, Any]], message: str = "") -> None:
        self.errors = errors
        super().__init__(message or "; ".join(f"{e['pointer']}: {e['detail']}" for e in errors))


class DuplicateLrn(DeclarationError):
    """The partner already has a declaration with this LRN."""

    def __init__(self, lrn: str, reference: str) -> None:
        self.lrn = lrn
        self.reference = reference
        super().__init__(f"LRN {lrn!r} is already used by declaration {reference}.")


class MessageConflict(DeclarationError):
    """A customs message clashes with what is stored (message_id reused, number taken, ...)."""


class AllocationExceeded(DeclarationError):
    """Drawing more of a goods item than remains of it; `remaining` lists what is left."""

    def __init__(self, remaining: list[dict[str, Any]]) -> None:
        self.remaining = remaining
        listing = ", ".join(
            f"goods item {r['goods_item']}: {r['remaining_net_kg']} kg, "
            f"{r['remaining_packages']} packages left"
            for r in remaining
        )
        super().__init__(f"Allocation exceeds what was declared ({listing}).")


class ProcedureNotAllowed(DeclarationError):
    """The customs procedure does not allow this (a destination needs another procedure, a stock
    is not available yet, ...); `code` and `extra` say what is needed."""

    def __init__(self, message: str, code: str, **extra: Any) -> None:
        self.code = code
        self.extra = extra
        super().__init__(message)
