"""People present from a direct count (zone_count sensor, e.g. a counting camera).

``people = count · share`` persons, where ``share`` = the zone's part of the sensor's area when
one sensor covers several zones (``area_zone / Σ area``, else 1). Relative standard deviation:
the sensor's ``reliability``, default :data:`DEFAULT_RELIABILITY`.
"""

from __future__ import annotations

import numpy as np

from crowdsafety.domain import Sensor
from crowdsafety.picture.fusion import measurement_variance

#: Relative sd of a counting camera without a stated reliability (±5 %).
DEFAULT_RELIABILITY = 0.05


def reliability(sensor: Sensor) -> float:
    """Relative sd of the sensor's people estimate."""
    return DEFAULT_RELIABILITY if sensor.reliability is None else sensor.reliability


def zone_count_estimate(
    count: np.ndarray | float, *, share: np.ndarray | float = 1.0, reliability: np.ndarray | float = DEFAULT_RELIABILITY
) -> tuple[np.ndarray, np.ndarray]:
    """(people, variance): persons present and their variance (persons²) from ``count``."""
    people = np.asarray(count, dtype=float) * share
    return people, measurement_variance(people, reliability)
