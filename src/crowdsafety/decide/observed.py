"""Observed levels with a minimum duration on the way up and hysteresis on the way down.

A zone's *held* level rises to L once every interval of the last ``min_duration_min`` minutes
reached at least L. It falls only when every interval of the last ``clear_after_min`` minutes
stayed below the held level's threshold × (1 − ``clear_margin``); it then falls to the highest
level those intervals reach on the lowered thresholds. Intervals without an estimate never
raise and never clear a level: a silent sensor is not an all-clear.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from crowdsafety.decide.playbook import AlertRules
from crowdsafety.domain import Level, LevelBasis, LevelThresholds, Zone, ZoneState


def zone_value(zone: Zone, state: ZoneState) -> float | None:
    """The state's value in the unit of the zone's thresholds: persons/m², persons or persons/m/min."""
    basis = zone.thresholds.basis
    if basis is LevelBasis.DENSITY:
        return state.density
    if basis is LevelBasis.COUNT:
        return state.people
    return state.flow


def lowered(thresholds: LevelThresholds, margin: float) -> LevelThresholds:
    """The thresholds × (1 − ``margin``): what a level must fall below to be left."""
    f = 1.0 - margin
    return replace(thresholds, yellow=thresholds.yellow * f, orange=thresholds.orange * f, red=thresholds.red * f)


def _window(states: Sequence[ZoneState], at: datetime, minutes: int, interval_s: int) -> list[ZoneState] | None:
    """The states of the intervals in the last ``minutes`` up to ``at``, or None if any is missing."""
    count = max(1, math.ceil(minutes * 60 / interval_s))
    first = at - timedelta(seconds=interval_s * (count - 1))
    chosen = [s for s in states if first <= s.start <= at]
    return chosen if len({s.start for s in chosen}) == count else None


def held_level(zone: Zone, states: Sequence[ZoneState], held: Level, at: datetime, rules: AlertRules,
               interval_s: int) -> Level:
    """The zone's held level at interval ``at``, given the level ``held`` until then.

    ``states``: the zone's recent states (any order), at least the last ``max(min_duration,
    clear_after)`` minutes for a full answer.
    """
    recent = _window(states, at, rules.min_duration_min, interval_s)
    if recent is not None and all(s.level is not None for s in recent):
        reached = min((s.level for s in recent if s.level is not None), key=lambda lv: lv.rank)
        if reached.rank > held.rank:
            return reached
    if held is Level.GREEN:
        return held
    calm = _window(states, at, rules.clear_after_min, interval_s)
    values = [zone_value(zone, s) for s in calm] if calm is not None else [None]
    if any(v is None for v in values):
        return held
    relaxed = lowered(zone.thresholds, rules.clear_margin)
    supported = max((relaxed.level(v) for v in values if v is not None), key=lambda lv: lv.rank)
    return supported if supported.rank < held.rank else held


def held_since(states: Sequence[ZoneState], level: Level, at: datetime) -> datetime | None:
    """Start of the unbroken run of intervals up to ``at`` at ``level`` or above."""
    since = None
    for s in sorted((s for s in states if s.start <= at), key=lambda s: s.start, reverse=True):
        if s.level is None or s.level.rank < level.rank:
            break
        since = s.start
    return since
