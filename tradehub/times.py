"""The one time rule for machine-readable times: ISO 8601 in UTC with a `Z` (docs/API.md, "Times").

REST answers, webhook payloads, the machine-readable parts of emails and the times in alert texts
all use it, so one instant is written one way everywhere. Human-facing text for staff (admin,
email prose) may add the local time of the place it is about.
"""

import datetime as dt

UTC = dt.UTC


def iso_utc(value: dt.datetime | None) -> str | None:
    """`2025-07-21T01:00:00Z` (microseconds kept when present); None stays None."""
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("naive datetimes have no place in TradeHub: give an aware one")
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def text_utc(value: dt.datetime) -> str:
    """A time inside a sentence (alert messages): `2025-07-21 01:00 UTC`."""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
