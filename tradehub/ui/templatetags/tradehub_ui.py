"""Template filters for what staff and email readers see: `{% load tradehub_ui %}`."""

import datetime as dt

from django import template

from tradehub.times import local_label, zone_label

register = template.Library()


@register.filter
def local_time(value: dt.datetime | str | None) -> str:
    """`2026-07-21 14:05 Almaty, UTC+5`: local, 24-hour, the zone named (datetime or ISO text)."""
    return local_label(value)


@register.simple_tag
def current_zone() -> str:
    """`Almaty, UTC+5` now: for hints next to date-time inputs."""
    return zone_label()
