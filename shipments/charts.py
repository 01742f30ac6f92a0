"""Server-rendered SVG temperature chart: readings against the products' storage bands (no JS)."""

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT = 820, 260
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 14, 30
# Colours come from a fixed palette; nothing user-supplied reaches an attribute unescaped.
BAND_FILL = "#2e7d32"
LINE = "#1565c0"
RANGE_FILL = "#90caf9"
CHILL = "#6a1b9a"
FREEZE = "#00838f"


@dataclass(frozen=True)
class Band:
    """A product's storage band, with its optional chilling threshold and freezing point."""

    label: str
    low: float
    high: float
    chilling_c: float | None = None
    freezing_c: float | None = None


def choose_bucket_seconds(start: dt.datetime, end: dt.datetime, max_points: int = 400) -> int:
    """A round bucket width that keeps the chart under `max_points` points."""
    span = max(1.0, (end - start).total_seconds())
    for width in (60, 300, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400):
        if span / width <= max_points:
            return width
    return 86400 * math.ceil(span / 86400 / max_points)


def temperature_svg(points: Sequence[dict[str, Any]], bands: Sequence[Band]) -> SafeString:
    """An SVG of bucketed readings (`start`, `min`, `max`, `avg`) over the products' bands."""
    if not points:
        return mark_safe('<p class="help">No temperature readings yet.</p>')
    times = [p["start"].timestamp() for p in points]
    values = [v for p in points for v in (p["min"], p["max"])]
    for band in bands:
        values += [band.low, band.high]
    y_low, y_high = math.floor(min(values)) - 1, math.ceil(max(values)) + 1
    t0, t1 = times[0], max(times[-1], times[0] + 1)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(t: float) -> float:
        return LEFT + (t - t0) / (t1 - t0) * plot_w

    def y(v: float) -> float:
        return TOP + (y_high - v) / (y_high - y_low) * plot_h

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="Temperature chart" '
        'style="background:#fff;border:1px solid #ddd;font:11px sans-serif">'
    ]
    for band in bands:
        parts.append(
            f'<rect x="{LEFT}" y="{y(band.high):.1f}" width="{plot_w}" '
            f'height="{max(1.0, y(band.low) - y(band.high)):.1f}" fill="{BAND_FILL}" '
            f'fill-opacity="0.12"><title>{escape(band.label)}: {band.low:g}..{band.high:g} °C'
            "</title></rect>"
        )
        for value, colour, name in (
            (band.chilling_c, CHILL, "chilling threshold"),
            (band.freezing_c, FREEZE, "freezing point"),
        ):
            if value is not None and y_low <= value <= y_high:
                parts.append(
                    f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(value):.1f}" '
                    f'y2="{y(value):.1f}" stroke="{colour}" stroke-dasharray="4 3">'
                    f"<title>{escape(band.label)} {name} {value:g} °C</title></line>"
                )
    # Y axis: a tick every few degrees.
    step = max(1, math.ceil((y_high - y_low) / 8))
    for value in range(int(y_low), int(y_high) + 1, step):
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(value):.1f}" y2="{y(value):.1f}" '
            'stroke="#eee"/>'
            f'<text x="{LEFT - 6}" y="{y(value) + 4:.1f}" text-anchor="end">{value} °C</text>'
        )
    # X axis: start, middle and end times (UTC).
    for t in (t0, (t0 + t1) / 2, t1):
        label = dt.datetime.fromtimestamp(t, tz=dt.UTC).strftime("%d %b %H:%M")
        parts.append(
            f'<text x="{x(t):.1f}" y="{HEIGHT - 10}" text-anchor="middle">{label} UTC</text>'
        )
    upper = " ".join(f"{x(t):.1f},{y(p['max']):.1f}" for t, p in zip(times, points, strict=True))
    lower = " ".join(
        f"{x(t):.1f},{y(p['min']):.1f}" for t, p in reversed(list(zip(times, points, strict=True)))
    )
    parts.append(f'<polygon points="{upper} {lower}" fill="{RANGE_FILL}" fill-opacity="0.5"/>')
    average = " ".join(f"{x(t):.1f},{y(p['avg']):.1f}" for t, p in zip(times, points, strict=True))
    parts.append(f'<polyline points="{average}" fill="none" stroke="{LINE}" stroke-width="1.5"/>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - built from numbers and escaped labels only
