"""Density, Fruin level of service and colour level for arrays of zone states.

- density = people / area_m2 (persons/m²).
- service level: Fruin's walkway LoS from density (:data:`~crowdsafety.domain.DENSITY_LOS`), or
  from flow (:data:`~crowdsafety.domain.FLOW_LOS`, persons/m/min) in flow zones where the flow
  is known; ``bisect_left`` on the upper bounds A..E, as :func:`crowdsafety.domain.levels.service_level`.
- level = the zone's thresholds applied to the value of its basis (density, count = people, or
  flow): a value above a lower bound reaches that colour, as :meth:`LevelThresholds.level`.

Codes are indices into :data:`LEVELS` / :data:`SERVICE_LEVELS`; -1 where the value is unknown.
"""

from __future__ import annotations

import numpy as np

from crowdsafety.domain import DENSITY_LOS, FLOW_LOS, Level, LevelBasis, ServiceLevel

LEVELS: tuple[Level, ...] = tuple(Level)
SERVICE_LEVELS: tuple[ServiceLevel, ...] = tuple(ServiceLevel)
#: Code of each level basis (the order of :func:`level_codes`' choices).
BASIS_CODES = {LevelBasis.DENSITY: 0, LevelBasis.COUNT: 1, LevelBasis.FLOW: 2}
FLOW_BASIS = BASIS_CODES[LevelBasis.FLOW]


def density(people: np.ndarray, area_m2: np.ndarray) -> np.ndarray:
    """Persons/m²."""
    return np.asarray(people / area_m2)


def service_level_codes(density: np.ndarray, flow: np.ndarray, is_flow_zone: np.ndarray) -> np.ndarray:
    """Fruin LoS code per zone: from flow in flow zones with a known flow, else from density."""
    by_flow = is_flow_zone & ~np.isnan(flow)
    value = np.where(by_flow, flow, density)
    codes = np.where(
        by_flow,
        np.searchsorted(np.array(FLOW_LOS), value, side="left"),
        np.searchsorted(np.array(DENSITY_LOS), value, side="left"),
    )
    return np.where(np.isnan(value), -1, codes)


def level_codes(basis: np.ndarray, people: np.ndarray, density: np.ndarray, flow: np.ndarray,
                thresholds: np.ndarray) -> np.ndarray:
    """Colour code per zone from the value of its ``basis`` and its [yellow, orange, red] bounds."""
    value = np.choose(basis, [density, people, flow])
    codes = (value[:, None] > thresholds).sum(axis=1)
    return np.where(np.isnan(value), -1, codes)
