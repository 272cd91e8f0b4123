"""People present from a drone's crowd estimate (aerial_estimate sensor ``aerial:<zone>``).

The estimate's ``count`` already is the zone's (its density over the zone, persons), so
``people = count · share`` as for a counting camera. Relative standard deviation: the sensor's
``reliability`` (the site's ``aerial_reliability``), default :data:`DEFAULT_RELIABILITY`.

A drone reports only while a flight covers the zone, and not every interval: an estimate holds
for :data:`HOLD_INTERVALS` intervals after its own, its variance growing linearly with its age
``a`` (intervals) like a random walk's: ``v_a = v_0 · (1 + a)``, ``v_0`` the variance of a fresh
estimate (so its sd doubles by the third interval after). A newer estimate replaces it; after
that the zone falls back to its own sensors alone (NO_DATA where it has none left). In a zone
that follows its in/out balance the held estimate corrects the balance again every interval it
holds, as if it were new; its growing variance only limits how much.
"""

from __future__ import annotations

import numpy as np

from crowdsafety.domain import Sensor
from crowdsafety.picture.fusion import measurement_variance

#: Relative sd of a drone's crowd estimate without a stated reliability (±25 %).
DEFAULT_RELIABILITY = 0.25
#: Intervals an estimate holds after its own.
HOLD_INTERVALS = 3


def reliability(sensor: Sensor) -> float:
    """Relative sd of the sensor's people estimate."""
    return DEFAULT_RELIABILITY if sensor.reliability is None else sensor.reliability


def held_values(values: np.ndarray, usable: np.ndarray, cols: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per grid row [T] and column of ``cols`` [L]: the latest usable value in that row or the
    :data:`HOLD_INTERVALS` rows before, and its age in intervals (NaN and -1 where none)."""
    ok = usable[:, cols]
    rows = np.arange(len(ok))[:, None]
    latest = np.maximum.accumulate(np.where(ok, rows, -1), axis=0)
    age = rows - latest
    held = (latest >= 0) & (age <= HOLD_INTERVALS)
    value = np.where(held, values[np.maximum(latest, 0), cols], np.nan)
    return value, np.where(held, age, -1)


def aerial_estimate(
    count: np.ndarray, age: np.ndarray, *, share: np.ndarray | float = 1.0,
    reliability: np.ndarray | float = DEFAULT_RELIABILITY,
) -> tuple[np.ndarray, np.ndarray]:
    """(people, variance): persons present and their variance (persons²) from a ``count``
    reported ``age`` intervals ago."""
    people = np.asarray(count, dtype=float) * share
    return people, measurement_variance(people, reliability) * (1 + np.asarray(age))
