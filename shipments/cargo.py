"""Pure rules about cargo: static expiry, lot condition and mixed-load compatibility (no ORM)."""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from .choices import ETHYLENE_RANK, EthyleneLevel, LotCondition
from .shelf_life import CHILLING_AT_RISK_DOSE

# A lot is at risk when less than this share of its storage life is left ...
AT_RISK_REMAINING_FRACTION = 0.25
# ... or when it has accumulated the whole chilling-injury onset dose (shelf_life.CHILLING_AT_RISK_DOSE).
AT_RISK_CHILLING_DAMAGE = CHILLING_AT_RISK_DOSE

# Ethylene: producers from this class up harm products sensitive from that class up.
PRODUCER_MIN = ETHYLENE_RANK[EthyleneLevel.MODERATE]
SENSITIVE_MIN = ETHYLENE_RANK[EthyleneLevel.HIGH]


class ProductLike(Protocol):
    """What the mixed-load rules read from a product."""

    code: str
    name: str
    compatibility_group: str
    ethylene_production: str
    ethylene_sensitivity: str
    storage_temp_min_c: float
    storage_temp_max_c: float
    rh_min_pct: float | None
    rh_max_pct: float | None
    strong_odour: bool
    odour_sensitive: bool
    so2_pads: bool


def packed_at(packed_on: dt.date) -> dt.datetime:
    """The instant shelf life starts counting: midnight UTC of the packing day."""
    return dt.datetime.combine(packed_on, dt.time.min, tzinfo=dt.UTC)


def static_expiry(packed_on: dt.date, storage_life_days: float) -> dt.datetime:
    """Packed date plus storage life at the optimum."""
    return packed_at(packed_on) + dt.timedelta(days=storage_life_days)


@dataclass(frozen=True)
class ConditionInput:
    """What decides a lot's condition."""

    shelf_life_ends_at: dt.datetime
    storage_life_hours: float
    chilling_damage: float
    arrival: dt.datetime | None = None


def lot_condition(state: ConditionInput, now: dt.datetime) -> str:
    """`expired` when no shelf life is left; `at_risk` when little is left, it will run out before
    arrival, or chilling damage has built up; else `ok`."""
    remaining_h = (state.shelf_life_ends_at - now).total_seconds() / 3600.0
    if remaining_h <= 0:
        return LotCondition.EXPIRED
    if remaining_h < AT_RISK_REMAINING_FRACTION * state.storage_life_hours:
        return LotCondition.AT_RISK
    if state.arrival is not None and state.shelf_life_ends_at < state.arrival:
        return LotCondition.AT_RISK
    if state.chilling_damage >= AT_RISK_CHILLING_DAMAGE:
        return LotCondition.AT_RISK
    return LotCondition.OK


def _level(value: str) -> str:
    return value.replace("_", " ")


def mixed_load_warnings(products: Iterable[ProductLike], setpoint_c: float | None) -> list[str]:
    """Why these products should not share one reefer, each warning saying what is wrong and what to
    do: different standard compatibility groups (or, where a group is not known, no common
    temperature or humidity band), ethylene producers with ethylene-sensitive products, strong odours,
    grapes with SO₂ pads, or a setpoint outside a product's range."""
    unique = {p.code: p for p in products}
    items = sorted(unique.values(), key=lambda p: p.code)
    warnings: list[str] = []
    for i, a in enumerate(items):
        for b in items[i + 1 :]:
            warnings.extend(_pair_warnings(a, b))
    for producer in items:
        if ETHYLENE_RANK.get(producer.ethylene_production, 0) < PRODUCER_MIN:
            continue
        for sensitive in items:
            if sensitive.code == producer.code:
                continue
            if ETHYLENE_RANK.get(sensitive.ethylene_sensitivity, 0) >= SENSITIVE_MIN:
                warnings.append(
                    f"Ethylene: {producer.code} ({_level(producer.ethylene_production)} producer) "
                    f"with {sensitive.code} ({_level(sensitive.ethylene_sensitivity)} sensitivity) "
                    f"ripens and softens {sensitive.code} in transit. Ship them in separate reefers, "
                    f"or scrub ethylene and shorten the trip."
                )
    for emitter in (p for p in items if p.strong_odour):
        for other in items:
            if other.code == emitter.code or other.strong_odour:
                continue
            taken = "takes up odours readily" if other.odour_sensitive else "can take it up"
            warnings.append(
                f"Odour: {emitter.code} gives off a strong odour and {other.code} {taken}. "
                f"Ship {emitter.code} apart (with other strong-smelling produce only)."
            )
    for grapes in (p for p in items if p.so2_pads):
        others = [p.code for p in items if p.code != grapes.code]
        if others:
            warnings.append(
                f"SO₂: {grapes.code} usually travels with sulphur dioxide pads, which bleach and "
                f"injure {', '.join(others)}. Do not mix: ship the grapes alone, or only grapes "
                f"packed without SO₂ pads with other produce."
            )
    if setpoint_c is not None:
        for p in items:
            if not (p.storage_temp_min_c <= setpoint_c <= p.storage_temp_max_c):
                warnings.append(
                    f"Setpoint {setpoint_c:g} °C is outside {p.code}'s storage range "
                    f"{p.storage_temp_min_c:g}..{p.storage_temp_max_c:g} °C: set the reefer inside "
                    f"every product's range or split the load."
                )
    return warnings


def _pair_warnings(a: ProductLike, b: ProductLike) -> list[str]:
    """Compatibility of two products: by standard group where both have one, else by their bands."""
    if a.compatibility_group and b.compatibility_group:
        if a.compatibility_group == b.compatibility_group:
            return []
        return [
            f"Compatibility: {a.code} (group {a.compatibility_group}) and {b.code} (group "
            f"{b.compatibility_group}) are in different standard compatibility groups (temperature, "
            f"humidity and ethylene needs differ). Ship them in separate reefers."
        ]
    out = []
    if max(a.storage_temp_min_c, b.storage_temp_min_c) > min(
        a.storage_temp_max_c, b.storage_temp_max_c
    ):
        out.append(
            f"Temperature: {a.code} needs {a.storage_temp_min_c:g}..{a.storage_temp_max_c:g} °C and "
            f"{b.code} {b.storage_temp_min_c:g}..{b.storage_temp_max_c:g} °C: no setpoint suits "
            f"both. Ship them in separate reefers."
        )
    a_lo, a_hi, b_lo, b_hi = a.rh_min_pct, a.rh_max_pct, b.rh_min_pct, b.rh_max_pct
    if (
        a_lo is not None
        and a_hi is not None
        and b_lo is not None
        and b_hi is not None
        and max(a_lo, b_lo) > min(a_hi, b_hi)
    ):
        out.append(
            f"Humidity: {a.code} needs {a.rh_min_pct:g}–{a.rh_max_pct:g} % RH and {b.code} "
            f"{b.rh_min_pct:g}–{b.rh_max_pct:g} %: one of them will dry out or rot. Ship them in "
            f"separate reefers."
        )
    return out
