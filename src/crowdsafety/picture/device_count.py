"""People present from a wifi/bluetooth device count (device_count sensor).

Only a fraction of people carry a detectable device, so ``people = devices · calibration · share``
persons, ``calibration`` = persons per detected device (fitted against a ground-truth counter;
1.0 when the sensor has none), ``share`` = the zone's part of the sensor's area (as for
:mod:`~crowdsafety.picture.zone_count`). Relative standard deviation: the sensor's ``reliability``,
default :data:`DEFAULT_RELIABILITY`.
"""

from __future__ import annotations

import numpy as np

from crowdsafety.domain import Sensor
from crowdsafety.picture.fusion import measurement_variance

#: Relative sd of a calibrated device count without a stated reliability (±25 %).
DEFAULT_RELIABILITY = 0.25


def reliability(sensor: Sensor) -> float:
    """Relative sd of the sensor's people estimate."""
    return DEFAULT_RELIABILITY if sensor.reliability is None else sensor.reliability


def calibration(sensor: Sensor) -> float:
    """Persons per detected device."""
    return 1.0 if sensor.calibration is None else sensor.calibration


def device_count_estimate(
    devices: np.ndarray | float,
    *,
    calibration: np.ndarray | float,
    share: np.ndarray | float = 1.0,
    reliability: np.ndarray | float = DEFAULT_RELIABILITY,
) -> tuple[np.ndarray, np.ndarray]:
    """(people, variance): persons present and their variance (persons²) from ``devices``."""
    people = np.asarray(devices, dtype=float) * calibration * share
    return people, measurement_variance(people, reliability)
