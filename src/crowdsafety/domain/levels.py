"""Colour levels and Fruin's levels of service.

Fruin (1971), walkways: density in persons/m², flow in persons per metre of width per minute.
Amsterdam's crowd monitor grades density the same way, which gives the default colour mapping:
green ≤ 0.72 (comfortable, LoS A–C), yellow ≤ 1.08 (acceptable, D), orange ≤ 2.17 (risky, E),
red above (unacceptable, F). For flows: green ≤ 49, yellow ≤ 66, orange ≤ 82, red above.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from enum import Enum


class Level(str, Enum):
    """Colour level of crowding; each carries an agreed package of measures."""

    GREEN = "green"
    YELLOW = "yellow"
    ORANGE = "orange"
    RED = "red"

    @property
    def rank(self) -> int:
        return _LEVEL_ORDER.index(self)


_LEVEL_ORDER = [Level.GREEN, Level.YELLOW, Level.ORANGE, Level.RED]


class ServiceLevel(str, Enum):
    """Fruin's walkway level of service, A (free) to F (jammed)."""

    A = "A"
    B = "B"
    C = "C"
    D = "D"
    E = "E"
    F = "F"


class LevelBasis(str, Enum):
    """What a zone's colour thresholds are measured in."""

    DENSITY = "density"  # persons/m²
    COUNT = "count"  # persons present
    FLOW = "flow"  # persons/m/min


#: Upper bounds of LoS A..E; above the last is F. Density in persons/m².
DENSITY_LOS: tuple[float, ...] = (0.31, 0.43, 0.72, 1.08, 2.17)
#: Upper bounds of LoS A..E; above the last is F. Flow in persons/m/min.
FLOW_LOS: tuple[float, ...] = (23.0, 33.0, 49.0, 66.0, 82.0)

_LOS = list(ServiceLevel)


def service_level(value: float, bounds: tuple[float, ...]) -> ServiceLevel:
    """Fruin level for a density or flow ``value`` given the A..E upper ``bounds``."""
    return _LOS[bisect.bisect_left(bounds, value)]


@dataclass(frozen=True)
class LevelThresholds:
    """Lower bounds of yellow, orange and red, in the unit of ``basis``; checked on construction."""

    basis: LevelBasis
    yellow: float
    orange: float
    red: float

    def __post_init__(self) -> None:
        values = (self.yellow, self.orange, self.red)
        if any(v != v or v < 0 for v in values):
            raise ValueError(f"thresholds must be non-negative numbers, got {values}")
        if not self.yellow < self.orange < self.red:
            raise ValueError(
                f"thresholds out of order: need yellow < orange < red, got "
                f"yellow={self.yellow}, orange={self.orange}, red={self.red}"
            )

    @classmethod
    def fruin_density(cls) -> "LevelThresholds":
        """Default for areas: yellow above LoS C, orange above D, red above E (persons/m²)."""
        return cls(LevelBasis.DENSITY, DENSITY_LOS[2], DENSITY_LOS[3], DENSITY_LOS[4])

    @classmethod
    def fruin_flow(cls) -> "LevelThresholds":
        """Default for walkways with flow counters (persons/m/min)."""
        return cls(LevelBasis.FLOW, FLOW_LOS[2], FLOW_LOS[3], FLOW_LOS[4])

    def level(self, value: float) -> Level:
        """Colour for ``value``: a value above a bound reaches that level."""
        if value > self.red:
            return Level.RED
        if value > self.orange:
            return Level.ORANGE
        if value > self.yellow:
            return Level.YELLOW
        return Level.GREEN
