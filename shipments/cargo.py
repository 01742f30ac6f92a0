"""Pure rules about cargo: static expiry, lot condition and mixed-load compatibility (no ORM)."""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from .choices import ETHYLENE_RANK, EthyleneLevel, LotCondition

# A lot is at risk when less than this share of its storage life is left ...
AT_RISK_REMAINING_FRACTION = 0.25
# ... or when it has accumulated this much chilling damage (°C·h below its threshold). About a
# day at 4 °C under a 10 °C threshold; published injury onsets are a few days at 5 °C.
AT_RISK_CHILLING_DAMAGE = 100.0

# Ethylene: producers from this class up harm products sensitive from that class up.
PRODUCER_MIN = ETHYLENE_RANK[EthyleneLevel.MODERATE]
SENSITIVE_MIN = ETHYLENE_RANK[EthyleneLevel.HIGH]


class ProductLike(Protocol):
    """What the mixed-load rules read from a product."""

    code: str
    name: str
    temp_group: str
    ethylene_production: str
    ethylene_sensitivity: str
    storage_temp_min_c: float
    storage_temp_max_c: float


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


def mixed_load_warnings(products: Iterable[ProductLike], setpoint_c: float | None) -> list[str]:
    """Why these products should not share one reefer: different temperature groups, ethylene
    producers with ethylene-sensitive products, or a setpoint outside a product's range."""
    unique = {p.code: p for p in products}
    items = sorted(unique.values(), key=lambda p: p.code)
    warnings: list[str] = []
    groups = sorted({p.temp_group for p in items})
    if len(groups) > 1:
        listing = ", ".join(f"{p.code} ({p.temp_group})" for p in items)
        warnings.append(f"Temperature groups {', '.join(groups)} mixed in one load: {listing}.")
    for producer in items:
        if ETHYLENE_RANK.get(producer.ethylene_production, 0) < PRODUCER_MIN:
            continue
        for sensitive in items:
            if sensitive.code == producer.code:
                continue
            if ETHYLENE_RANK.get(sensitive.ethylene_sensitivity, 0) >= SENSITIVE_MIN:
                warnings.append(
                    f"Ethylene: {producer.code} ({producer.ethylene_production.replace('_', ' ')} "
                    f"producer) with {sensitive.code} "
                    f"({sensitive.ethylene_sensitivity.replace('_', ' ')} sensitivity)."
                )
    if setpoint_c is not None:
        for p in items:
            if not (p.storage_temp_min_c <= setpoint_c <= p.storage_temp_max_c):
                warnings.append(
                    f"Setpoint {setpoint_c:g} °C is outside {p.code}'s storage range "
                    f"{p.storage_temp_min_c:g}..{p.storage_temp_max_c:g} °C."
                )
    return warnings
