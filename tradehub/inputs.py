"""What every app's service inputs share: the marker of a field that was not given.

A PATCH-style input (`declarations.inputs.DeclarationInput`,
`shipments.services.changes.ShipmentCorrection`) leaves the fields it does not change `UNSET`,
so "not given" and "set to None" stay apart.
"""

from typing import Any, Final


class _Unset:
    """The marker of a field that was not given."""

    def __repr__(self) -> str:
        return "UNSET"

    def __bool__(self) -> bool:
        return False


UNSET: Final[Any] = _Unset()
