"""The two time rules.

Machines: ISO 8601 with an explicit offset, in one documented zone - the deployment's `TIME_ZONE`
(Asia/Almaty, `+05:00`; docs/API.md, "Times"): REST answers (DRF renders in the current zone,
which is `TIME_ZONE`), webhook payloads, conflict answers, kept versions, the machine-readable
parts of emails and the times inside alert texts (`iso_time`, `text_time`).

People: every time staff or email readers see is local to the deployment's zone (`TIME_ZONE`),
24-hour, with the zone named - "2026-07-21 14:05 Almaty, UTC+5" (`local_label`).
"""

import datetime as dt
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

UTC = dt.UTC


def documented_zone() -> dt.tzinfo:
    """The one zone machine-readable times are written in: `TIME_ZONE` (Asia/Almaty, +05:00)."""
    return timezone.get_default_timezone()


def iso_time(value: dt.datetime | None) -> str | None:
    """`2025-07-21T06:00:00+05:00` (microseconds kept when present); None stays None."""
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("naive datetimes have no place in TradeHub: give an aware one")
    return value.astimezone(documented_zone()).isoformat()


def text_time(value: dt.datetime) -> str:
    """A time inside a sentence of an alert message: `2025-07-21 06:00 +05:00`."""
    local = value.astimezone(documented_zone())
    return local.strftime("%Y-%m-%d %H:%M ") + local.isoformat()[-6:]


# --- Times people read --------------------------------------------------------------------------
# Staff and email readers see every time local to the deployment's zone (TIME_ZONE), 24-hour, with
# the zone named: "2026-07-21 14:05 Almaty, UTC+5". `local_label` is the one helper for that: the
# admin's lists and detail pages (tradehub.ui patches Django's admin display), row titles, the
# temperature chart's axis and alert emails all call it.

_ZONE_NAMES: dict[str, Any] = {
    # The corridor's zones, named as staff say them (translated); others fall back to the city
    # part of the IANA name.
    "Asia/Almaty": gettext_lazy("Almaty"),
    "Asia/Qostanay": gettext_lazy("Kostanay"),
    "Asia/Aqtau": gettext_lazy("Aktau"),
    "Asia/Urumqi": gettext_lazy("Urumqi"),
    "Asia/Shanghai": gettext_lazy("Beijing"),
    "Asia/Bishkek": gettext_lazy("Bishkek"),
    "Asia/Tashkent": gettext_lazy("Tashkent"),
    "Asia/Dushanbe": gettext_lazy("Dushanbe"),
    "Asia/Ashgabat": gettext_lazy("Ashgabat"),
    "Asia/Baku": gettext_lazy("Baku"),
    "Asia/Tbilisi": gettext_lazy("Tbilisi"),
    "Europe/Moscow": gettext_lazy("Moscow"),
    "UTC": "UTC",
}


def zone_name(zone: dt.tzinfo | None = None) -> str:
    """The zone as staff call it: "Almaty" (translated), else the IANA city ("Sao Paulo")."""
    zone = zone or timezone.get_default_timezone()
    key = getattr(zone, "key", None) or str(zone)
    name = _ZONE_NAMES.get(key)
    if name is not None:
        return str(name)
    return key.rsplit("/", 1)[-1].replace("_", " ")


def utc_offset(value: dt.datetime, zone: dt.tzinfo | None = None) -> str:
    """`UTC+5`, `UTC+5:30`, `UTC-3`, `UTC` at that instant in that zone."""
    offset = value.astimezone(zone or timezone.get_default_timezone()).utcoffset() or dt.timedelta()
    minutes = int(offset.total_seconds() // 60)
    if minutes == 0:
        return "UTC"
    sign = "+" if minutes > 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


def zone_label(value: dt.datetime | None = None, zone: dt.tzinfo | None = None) -> str:
    """`Almaty, UTC+5` (localised): the label that goes after every time staff see."""
    value = value or dt.datetime.now(UTC)
    return gettext("%(zone)s, %(offset)s") % {
        "zone": zone_name(zone),
        "offset": utc_offset(value, zone),
    }


def local_label(
    value: dt.datetime | str | None, *, date: bool = True, zone: dt.tzinfo | None = None
) -> str:
    """`2026-07-21 14:05 Almaty, UTC+5` (or `14:05 Almaty, UTC+5` with date=False): local to
    `zone` (default TIME_ZONE), 24-hour, the zone named. Accepts ISO 8601 strings as written by
    `iso_time`; None and "" give "–"."""
    if value is None or value == "":
        return "–"
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    if value.tzinfo is None:
        raise ValueError("naive datetimes have no place in TradeHub: give an aware one")
    local = value.astimezone(zone or timezone.get_default_timezone())
    when = local.strftime("%Y-%m-%d %H:%M" if date else "%H:%M")
    return gettext("%(time)s %(zone)s") % {"time": when, "zone": zone_label(value, zone)}
