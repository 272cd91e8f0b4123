"""Flow zones: walkways graded by flow, fed by line counters that report ``passes``.

``passes`` = persons crossing the counter's line in either direction during the interval.

- Flow (persons/m/min): ``flow = passes / (interval_s / 60) / width_m``, with the counter's
  ``width_m`` (else the zone's).
- People present, by Little's law (present = arrival rate × time spent): a walker crosses the
  zone's length ``L = area_m2 / width_m`` (m) at :data:`WALKING_SPEED_MS`, so
  ``present = passes / interval_s · L / 1.34``. Its relative sd combines the counter's reliability
  with :data:`MODEL_RELIABILITY` for the walking-speed assumption.
"""

from __future__ import annotations

import math

import numpy as np

from crowdsafety.domain import Sensor

#: Mean free walking speed, m/s (Fruin; Weidmann 1993 gives 1.34 m/s).
WALKING_SPEED_MS = 1.34
#: Relative sd of a Little's-law presence estimate from the walking-speed assumption.
MODEL_RELIABILITY = 0.25
#: Relative sd of a line counter without a stated reliability.
COUNTER_RELIABILITY = 0.03


def flow_rate(passes: np.ndarray | float, *, interval_s: int, width_m: np.ndarray | float) -> np.ndarray:
    """Flow in persons/m/min from ``passes`` persons per interval through ``width_m`` m."""
    return np.asarray(passes, dtype=float) / (interval_s / 60.0) / width_m


def littles_law_presence(
    passes: np.ndarray | float, *, interval_s: int, length_m: np.ndarray | float
) -> np.ndarray:
    """Persons present on a walkway of ``length_m`` m with ``passes`` persons per interval."""
    return np.asarray(passes, dtype=float) / interval_s * (np.asarray(length_m) / WALKING_SPEED_MS)


def presence_reliability(sensor: Sensor) -> float:
    """Relative sd of the Little's-law presence estimate from this counter."""
    counter = COUNTER_RELIABILITY if sensor.reliability is None else sensor.reliability
    return math.hypot(counter, MODEL_RELIABILITY)
