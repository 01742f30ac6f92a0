"""Domain errors raised by the declarations services (kinds from `tradehub.errors`; the API maps
them to 400 / 409 problem responses in `tradehub.api.exceptions`, the admin shows their message)."""

from __future__ import annotations

from typing import Any

from tradehub.errors import Conflict, DomainError, Invalid

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


class DeclarationError(DomainError):
    """Base of the declarations app's domain errors."""


class DeclarationInvalid(DeclarationError, Invalid):
    """The declaration breaks a rule; `errors` are `{pointer, code, detail}` like the API's."""

    def __init__(self, errors: list[dict[str, Any]], message: str = "") -> None:
        Invalid.__init__(self, errors, message)


class DuplicateLrn(DeclarationError, Conflict):
    """The partner already has a declaration with this LRN."""

    def __init__(self, lrn: str, reference: str) -> None:
        self.lrn = lrn
        self.reference = reference
        super().__init__(
            f"LRN {lrn!r} is already used by declaration {reference}.",
            code="duplicate_lrn",
            reference=reference,
        )


class MessageConflict(DeclarationError, Conflict):
    """A customs message clashes with what is stored (message_id reused, number taken, ...)."""

    default_code = "customs_message_conflict"


class AllocationExceeded(DeclarationError, Conflict):
    """Drawing more of a goods item than remains of it; `remaining` lists what is left."""

    default_code = "over_allocated"

    def __init__(self, remaining: list[dict[str, Any]], *, pointer: str | None = None) -> None:
        self.remaining = remaining
        listing = ", ".join(
            f"goods item {r['goods_item']}: {r['remaining_net_kg']} kg, "
            f"{r['remaining_packages']} packages left"
            for r in remaining
        )
        message = f"Allocation exceeds what was declared ({listing})."
        # `pointer` names the part of a request that over-allocates (`/lots` of a correction).
        errors = [{"pointer": pointer, "code": self.default_code, "detail": message}]
        super().__init__(message, errors=errors if pointer else None, remaining=remaining)


class ProcedureNotAllowed(DeclarationError, Conflict):
    """The customs procedure does not allow this (a destination needs another procedure, a stock
    is not available yet, ...); `code` and `extra` say what is needed."""

    def __init__(self, message: str, code: str, **extra: Any) -> None:
        super().__init__(message, code=code, **extra)
