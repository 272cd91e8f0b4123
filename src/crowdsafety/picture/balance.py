"""People present from line counters: an in/out balance corrected by a 1-D Kalman filter.

A line counter at a zone's entrance counts the persons going in and out each interval, so the
people present follow the balance

    presence(t) = presence(t-1) + in(t) - out(t)        (persons)

summed over the zone's counters. A counter with ``direction = "out"`` swaps its ``in`` and
``out``; a counter between two zones (``zones = [a, b]``) moves its ``in`` from b to a. Counters
miss or double-count a few percent of crossings and not every entrance has one, so the pure
balance drifts without bound. The picture corrects it with a one-dimensional Kalman filter whose
state is the presence ``x`` (persons) with variance ``P`` (persons²):

- **predict**: ``x⁻ = x + Σ(in - out)``, ``P⁻ = P + Q`` with ``Q = Σ (r·(in + out))²``: the
  uncertainty grows with the number of crossings (``r`` = the counter's relative sd, default
  :data:`DEFAULT_RELIABILITY`). A silent or unhealthy counter adds no crossings but
  ``(share of silent counters × previous crossings)²`` to ``Q``.
- **update**: where the zone has direct estimates (zone_count, device_count, Little's law;
  fused to ``z`` with variance ``R``), ``K = P⁻/(P⁻ + R)``, ``x = x⁻ + K(z - x⁻)``,
  ``P = (1 - K)P⁻``.
- **nightly re-anchoring**: where the zone has no direct sensor, the interval holding
  ``site.night_reset_hour`` (local time) brings a pseudo-measurement ``z = zone.night_baseline``
  with sd ``max(20 % of it, 5 persons)``.
- **never negative**: ``x < 0`` is set to 0.

``drift`` is the sum of every correction applied to the pure balance since the last nightly
reset hour: ``Σ K(z - x⁻)`` plus the persons added by clipping. It shows how far the counters
alone would have drifted, and restarts at the reset hour in every balance zone (so on an anchor
interval it is the anchor's own correction). A zone without a previous state (the first
interval, or after an interval without data) starts from its ``night_baseline`` with sd
:data:`UNKNOWN_DENSITY_SD` × area, so the first direct estimate or anchor decides.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crowdsafety.domain import Sensor

#: Relative sd of a line counter's in/out counts without a stated reliability (±3 %).
DEFAULT_RELIABILITY = 0.03
#: Nightly pseudo-measurement sd: this share of the baseline, but at least NIGHT_MIN_SD persons.
NIGHT_RELATIVE_SD = 0.2
NIGHT_MIN_SD = 5.0
#: Prior sd of a balance that has no previous state, persons per m² of the zone.
UNKNOWN_DENSITY_SD = 0.5


def reliability(sensor: Sensor) -> float:
    """Relative sd of the counter's in/out counts."""
    return DEFAULT_RELIABILITY if sensor.reliability is None else sensor.reliability


def signs(sensor: Sensor) -> tuple[float, float]:
    """Sign of the ``in`` metric for ``zones[0]`` and ``zones[1]``: +1 enters, -1 leaves."""
    sign = -1.0 if sensor.direction == "out" else 1.0
    return sign, -sign


def crossing_variance(
    inflow: np.ndarray, outflow: np.ndarray, reliability: np.ndarray | float
) -> np.ndarray:
    """Process variance (persons²) of one counter's net count: ``(r·(in + out))²``."""
    return np.asarray((np.asarray(reliability) * (inflow + outflow)) ** 2)


def missing_variance(previous_crossings: np.ndarray, missing_share: np.ndarray) -> np.ndarray:
    """Process variance (persons²) for crossings not counted by silent counters."""
    return np.asarray((np.nan_to_num(previous_crossings) * missing_share) ** 2)


def night_measurement(baseline: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The nightly pseudo-measurement: (persons, variance persons²)."""
    sd = np.maximum(NIGHT_RELATIVE_SD * baseline, NIGHT_MIN_SD)
    return baseline, sd**2


def prior(area_m2: np.ndarray, night_baseline: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Presence and variance of a balance without a previous state."""
    return night_baseline.astype(float), (UNKNOWN_DENSITY_SD * area_m2) ** 2


def balance_step(
    people: np.ndarray,
    variance: np.ndarray,
    drift: np.ndarray,
    *,
    net: np.ndarray,
    process_variance: np.ndarray,
    measurement: np.ndarray,
    measurement_variance: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One interval of the filter for arrays of zones: (people, variance, drift).

    ``net`` = Σ(in - out) persons; ``measurement`` NaN where the zone has no direct estimate.
    """
    predicted = people + net
    predicted_var = variance + process_variance
    has = ~np.isnan(measurement)
    with np.errstate(invalid="ignore"):
        gain = np.where(has, predicted_var / (predicted_var + measurement_variance), 0.0)
    correction = np.where(has, gain * (np.where(has, measurement, 0.0) - predicted), 0.0)
    updated = predicted + correction
    clipped = np.maximum(-updated, 0.0)
    return updated + clipped, (1.0 - gain) * predicted_var, drift + correction + clipped


def anchor_flags(starts_ns: np.ndarray, *, interval_s: int, timezone: str, hour: int | None) -> np.ndarray:
    """Whether each interval [start, start + interval_s) holds ``hour``:00 local time."""
    if hour is None:
        return np.zeros(len(starts_ns), dtype=bool)
    local = pd.DatetimeIndex(starts_ns.astype("datetime64[ns]"), tz="UTC").tz_convert(timezone)
    second_of_day = local.hour * 3600 + local.minute * 60 + local.second
    return np.asarray((hour * 3600 - second_of_day) % 86400 < interval_s)
