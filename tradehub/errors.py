"""Domain errors: what services raise when a request cannot be done, with no HTTP in them.

A service (called from the API, the admin, a task or a command) raises one of the kinds below; each
app derives its own (`declarations/exceptions.py`). `tradehub.api.exceptions.api_exception` maps a
kind to its problem+json status once for every view; the admin shows `str(error)` to the user.
"""

from __future__ import annotations

from typing import Any, ClassVar


class DomainError(Exception):
    """Base of every domain error: a readable message, a stable `code`, optional `errors`
    (`{pointer, code, detail}` naming the parts of the input it is about) and `extra` members
    the API adds to its answer (`remaining`, `reference`, ...)."""

    default_code: ClassVar[str] = "conflict"

    def __init__(
        self,
        message: str = "",
        *,
        code: str | None = None,
        errors: list[dict[str, Any]] | None = None,
        **extra: Any,
    ) -> None:
        self.code = code or self.default_code
        self.errors = list(errors or [])
        self.extra = extra
        super().__init__(message)


class Conflict(DomainError):
    """The request is valid but clashes with the object's current state (the API answers 409)."""


class Invalid(DomainError):
    """The input breaks a rule; `errors` has one entry per invalid part (the API answers 400)."""

    default_code = "invalid"

    def __init__(
        self,
        errors: list[dict[str, Any]],
        message: str = "",
        *,
        code: str | None = None,
        **extra: Any,
    ) -> None:
        message = message or "; ".join(f"{e['pointer']}: {e['detail']}" for e in errors)
        super().__init__(message, code=code, errors=errors, **extra)


class StaleVersion(DomainError):
    """The caller changed a version that is no longer current (the API answers 412)."""

    default_code = "precondition_failed"


class Unprocessable(DomainError):
    """Well-formed but cannot be processed (the API answers 422)."""

    default_code = "unprocessable"
