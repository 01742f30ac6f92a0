"""What a control-tower queue is, how a tile is counted (one query) and how it is coloured.

A queue names the rows that need someone's attention (`rows`), the clock that says how long they
have waited (`age`: the oldest start) or how soon they fall due (`deadline`: the earliest
deadline), and optionally a split of the count (alerts by severity). The same `rows` function
counts the tile and filters the list the tile links to (`QueueFilter`), so the list shows exactly
the rows counted. Amber and red limits are data: `settings.CONTROL_TOWER`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from django.conf import settings
from django.db.models import Count, Min, Model, Q, QuerySet
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

ClockKind = Literal["age", "deadline"]
GREEN, AMBER, RED = "green", "amber", "red"
QUEUE_PARAMETER = "queue"


@dataclass(frozen=True)
class Limits:
    """When a tile turns amber and red. For an `age` clock: minutes the oldest row has waited.
    For a `deadline` clock: minutes left before the earliest deadline (0: overdue)."""

    amber_minutes: int
    red_minutes: int
    source: str = ""


@dataclass(frozen=True)
class Queue:
    """One queue of the control tower (declared by the app that owns the model)."""

    key: str
    title: str | Promise
    model: type[Model]
    rows: Callable[[QuerySet[Any], dt.datetime, Limits], QuerySet[Any]]
    clock: str
    clock_kind: ClockKind
    clock_label: str | Promise
    # Adds the clock as an annotation when it is not a plain field (e.g. "held since").
    annotate: Callable[[QuerySet[Any]], QuerySet[Any]] | None = None
    # Count the rows by this field's values too (one query: conditional counts).
    split_field: str = ""
    split_values: Sequence[tuple[str, str | Promise]] = ()
    # The clock joins a many-valued relation: count each row once.
    distinct: bool = False

    def queryset(self, now: dt.datetime, limits: Limits) -> QuerySet[Any]:
        """The rows of this queue."""
        return self.rows(self.model._default_manager.all(), now, limits)


@dataclass
class Part:
    """One value of a split tile (e.g. high-severity alerts) with its own link."""

    label: str | Promise
    count: int
    url: str


@dataclass
class Tile:
    """A queue counted now: how many, how long (or how soon), which colour, where to look."""

    queue: Queue
    count: int
    clock_at: dt.datetime | None
    colour: str
    timer: str
    url: str
    parts: list[Part] = field(default_factory=list)


def configured() -> list[tuple[Queue, Limits]]:
    """The queues `settings.CONTROL_TOWER` shows, in its order, with their limits."""
    shown = []
    for entry in settings.CONTROL_TOWER:
        queue = import_string(entry["queue"])
        shown.append(
            (
                queue,
                Limits(
                    amber_minutes=int(entry["amber_minutes"]),
                    red_minutes=int(entry["red_minutes"]),
                    source=str(entry.get("source", "")),
                ),
            )
        )
    return shown


def queues_for(model: type[Model]) -> list[tuple[Queue, Limits]]:
    """The configured queues over one model (the choices of its list's queue filter)."""
    return [(queue, limits) for queue, limits in configured() if queue.model is model]


def duration_text(minutes: float) -> str:
    """A short human duration: `45 min`, `3 h 12 min`, `2 d 4 h`."""
    minutes = int(abs(minutes))
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return _("%(days)d d %(hours)d h") % {"days": days, "hours": hours}
    if hours:
        return _("%(hours)d h %(minutes)d min") % {"hours": hours, "minutes": mins}
    return _("%(minutes)d min") % {"minutes": mins}


def colour_of(kind: ClockKind, count: int, minutes: float | None, limits: Limits) -> str:
    """Green when nothing waits; else amber or red by the limits (age grows, time left shrinks)."""
    if not count or minutes is None:
        return GREEN
    if kind == "age":
        if minutes >= limits.red_minutes:
            return RED
        return AMBER if minutes >= limits.amber_minutes else GREEN
    if minutes <= limits.red_minutes:
        return RED
    return AMBER if minutes <= limits.amber_minutes else GREEN


def timer_text(kind: ClockKind, minutes: float | None, label: str | Promise) -> str:
    """`oldest 3 h 12 min since submission` / `earliest due in 2 h` / `overdue by 1 d 2 h`."""
    if minutes is None:
        return ""
    if kind == "age":
        return _("oldest: %(duration)s %(since)s") % {
            "duration": duration_text(minutes),
            "since": label,
        }
    if minutes < 0:
        return _("%(what)s overdue by %(duration)s") % {
            "what": label,
            "duration": duration_text(minutes),
        }
    return _("%(what)s due in %(duration)s") % {"what": label, "duration": duration_text(minutes)}


def changelist_url(model: type[Model], key: str, **extra: str) -> str:
    """The model's admin list filtered to one queue (and a split value)."""
    meta = model._meta
    url = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
    query = "&".join(f"{name}={value}" for name, value in {QUEUE_PARAMETER: key, **extra}.items())
    return f"{url}?{query}"


def count(queue: Queue, limits: Limits, now: dt.datetime) -> Tile:
    """Count one queue in ONE query: rows, the clock's extreme and the split's counts."""
    queryset = queue.queryset(now, limits)
    if queue.annotate is not None:
        queryset = queue.annotate(queryset)
    # Age: the oldest start (Min). Deadline: the earliest deadline (Min as well).
    aggregates: dict[str, Any] = {
        "n": Count("pk", distinct=queue.distinct),
        "clock_at": Min(queue.clock),
    }
    for index, (value, _label) in enumerate(queue.split_values):
        aggregates[f"part_{index}"] = Count(
            "pk", filter=Q(**{queue.split_field: value}), distinct=queue.distinct
        )
    row: Mapping[str, Any] = queryset.order_by().aggregate(**aggregates)
    clock_at = row["clock_at"] if row["n"] else None
    minutes: float | None = None
    if clock_at is not None:
        seconds = (
            (now - clock_at).total_seconds()
            if queue.clock_kind == "age"
            else (clock_at - now).total_seconds()
        )
        minutes = seconds / 60
    parts = [
        Part(
            label=label,
            count=row[f"part_{index}"],
            url=changelist_url(queue.model, queue.key, **{queue.split_field: value}),
        )
        for index, (value, label) in enumerate(queue.split_values)
    ]
    return Tile(
        queue=queue,
        count=row["n"],
        clock_at=clock_at,
        colour=colour_of(queue.clock_kind, row["n"], minutes, limits),
        timer=timer_text(queue.clock_kind, minutes, queue.clock_label) if row["n"] else "",
        url=changelist_url(queue.model, queue.key),
        parts=parts,
    )


def tower(user: Any, now: dt.datetime) -> list[Tile]:
    """The tiles this user may open (view permission on the queue's model), each one query."""
    tiles = []
    for queue, limits in configured():
        meta = queue.model._meta
        if not user.has_perm(f"{meta.app_label}.view_{meta.model_name}"):
            continue
        tiles.append(count(queue, limits, now))
    return tiles


__all__ = [
    "AMBER",
    "GREEN",
    "RED",
    "Limits",
    "Part",
    "Queue",
    "Tile",
    "changelist_url",
    "colour_of",
    "configured",
    "count",
    "duration_text",
    "queues_for",
    "tower",
]
