"""Server-rendered SVG temperature chart: readings against the products' storage bands (no JS).

When the readings are reefer air (supply or return), the chart also draws the estimated product
temperature the shelf-life model uses (first-order thermal lag, `services.shelf`), so a defrost spike
in the air shows next to the product line that barely moves.

The SVG scales to its container (phone to desktop), has a legend, shades the excursions and labels
its time axis in local time with the zone named (tradehub.times.local_label)."""

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from tradehub.times import zone_label

WIDTH, HEIGHT = 820, 290
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 34, 38
# Colours come from a fixed palette; nothing user-supplied reaches an attribute unescaped.
BAND_FILL = "#2e7d32"
LINE = "#1565c0"
RANGE_FILL = "#90caf9"
CHILL = "#6a1b9a"
FREEZE = "#00838f"
EXCURSION_FILL = "#c62828"
PRODUCT_LINE = "#ef6c00"


@dataclass(frozen=True)
class Span:
    """A stretch of time to shade (an excursion); `end` None means still going on."""

    label: str
    start: dt.datetime
    end: dt.datetime | None


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


def temperature_svg(
    points: Sequence[dict[str, Any]],
    bands: Sequence[Band],
    spans: Sequence[Span] = (),
    product: Sequence[dict[str, Any]] = (),
    product_label: str = "",
) -> SafeString:
    """An SVG of bucketed readings (`start`, `min`, `max`, `avg`) over the products' bands, with
    the excursions in `spans` shaded and, when given, the estimated product temperature per bucket
    (`product`: `start`, `avg`) as its own line named `product_label` in the legend."""
    if not points:
        empty = escape(gettext("No temperature readings yet."))
        return mark_safe(f'<p class="help">{empty}</p>')  # noqa: S308 - escaped text
    times = [p["start"].timestamp() for p in points]
    values = [v for p in points for v in (p["min"], p["max"])]
    values += [p["avg"] for p in product]
    for band in bands:
        values += [band.low, band.high]
    y_low, y_high = math.floor(min(values)) - 1, math.ceil(max(values)) + 1
    t0 = min([times[0], *(p["start"].timestamp() for p in product[:1])])
    t1 = max([times[-1], t0 + 1, *(p["start"].timestamp() for p in product[-1:])])
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(t: float) -> float:
        return LEFT + (t - t0) / (t1 - t0) * plot_w

    def y(v: float) -> float:
        return TOP + (y_high - v) / (y_high - y_low) * plot_h

    title = escape(gettext("Temperature chart"))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="temperature-chart" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" preserveAspectRatio="xMinYMin meet" role="img" '
        f'aria-label="{title}" '
        'style="width:100%;max-width:820px;height:auto;background:#fff;border:1px solid #ddd;'
        'font:11px sans-serif">'
    ]
    for span in spans:
        start = max(span.start.timestamp(), t0)
        end = min((span.end or timezone.now()).timestamp(), t1)
        if end <= start:
            continue
        parts.append(
            f'<rect class="excursion" x="{x(start):.1f}" y="{TOP}" '
            f'width="{max(2.0, x(end) - x(start)):.1f}" height="{plot_h}" '
            f'fill="{EXCURSION_FILL}" fill-opacity="0.15"><title>{escape(span.label)}</title></rect>'
        )
    for band in bands:
        parts.append(
            f'<rect x="{LEFT}" y="{y(band.high):.1f}" width="{plot_w}" '
            f'height="{max(1.0, y(band.low) - y(band.high)):.1f}" fill="{BAND_FILL}" '
            f'fill-opacity="0.12"><title>{escape(band.label)}: {band.low:g}..{band.high:g} °C'
            "</title></rect>"
        )
        for value, colour, name in (
            (band.chilling_c, CHILL, gettext("chilling threshold")),
            (band.freezing_c, FREEZE, gettext("freezing point")),
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
    # X axis: start, middle and end times, local, 24-hour; the zone is named once below.
    zone = timezone.get_default_timezone()
    for t, anchor in ((t0, "start"), ((t0 + t1) / 2, "middle"), (t1, "end")):
        label = dt.datetime.fromtimestamp(t, tz=zone).strftime("%d.%m %H:%M")
        parts.append(
            f'<text x="{x(t):.1f}" y="{HEIGHT - 22}" text-anchor="{anchor}">{label}</text>'
        )
    caption = gettext("Local time: %(zone)s") % {
        "zone": zone_label(dt.datetime.fromtimestamp(t1, tz=dt.UTC))
    }
    parts.append(
        f'<text class="axis-zone" x="{LEFT + plot_w / 2:.1f}" y="{HEIGHT - 6}" '
        f'text-anchor="middle" fill="#555">{escape(caption)}</text>'
    )
    upper = " ".join(f"{x(t):.1f},{y(p['max']):.1f}" for t, p in zip(times, points, strict=True))
    lower = " ".join(
        f"{x(t):.1f},{y(p['min']):.1f}" for t, p in reversed(list(zip(times, points, strict=True)))
    )
    parts.append(f'<polygon points="{upper} {lower}" fill="{RANGE_FILL}" fill-opacity="0.5"/>')
    average = " ".join(f"{x(t):.1f},{y(p['avg']):.1f}" for t, p in zip(times, points, strict=True))
    parts.append(f'<polyline points="{average}" fill="none" stroke="{LINE}" stroke-width="1.5"/>')
    if product:
        estimate = " ".join(f"{x(p['start'].timestamp()):.1f},{y(p['avg']):.1f}" for p in product)
        parts.append(
            f'<polyline class="product-temperature" points="{estimate}" fill="none" '
            f'stroke="{PRODUCT_LINE}" stroke-width="2"><title>{escape(product_label)}</title>'
            "</polyline>"
        )
    parts.extend(_legend(bands, bool(spans), product_label if product else ""))
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - built from numbers and escaped labels only


def _legend(bands: Sequence[Band], excursions: bool, product_label: str = "") -> list[str]:
    """One row above the plot: what each colour means."""
    items: list[tuple[str, str, str]] = [
        ("rect", BAND_FILL, gettext("storage range")),
        ("rect", RANGE_FILL, gettext("min–max per interval")),
        ("line", LINE, gettext("average")),
    ]
    if product_label:
        items[1:3] = [
            ("rect", RANGE_FILL, gettext("air, min–max per interval")),
            ("line", LINE, gettext("air, average")),
            ("line", PRODUCT_LINE, product_label),
        ]
    if any(b.chilling_c is not None for b in bands):
        items.append(("dash", CHILL, gettext("chilling threshold")))
    if any(b.freezing_c is not None for b in bands):
        items.append(("dash", FREEZE, gettext("freezing point")))
    if excursions:
        items.append(("rect", EXCURSION_FILL, gettext("excursion")))
    parts, x, top = ['<g class="legend">'], float(LEFT), 4
    for shape, colour, text in items:
        width = 18 + 6.2 * len(text) + 14
        if x + width > WIDTH - RIGHT + 14 and x > LEFT:
            x, top = float(LEFT), top + 14  # a second row when the first is full
        if shape == "rect":
            parts.append(
                f'<rect x="{x:.1f}" y="{top}" width="14" height="10" fill="{colour}" '
                'fill-opacity="0.35"/>'
            )
        else:
            dash = ' stroke-dasharray="4 3"' if shape == "dash" else ""
            parts.append(
                f'<line x1="{x:.1f}" x2="{x + 14:.1f}" y1="{top + 5}" y2="{top + 5}" '
                f'stroke="{colour}" stroke-width="2"{dash}/>'
            )
        parts.append(f'<text x="{x + 18:.1f}" y="{top + 9}">{escape(text)}</text>')
        x += width
    parts.append("</g>")
    return parts
