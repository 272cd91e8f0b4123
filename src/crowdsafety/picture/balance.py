"""People present from line counters: an in/out balance corrected by a 1-D Kalman filter.

A line counter at a zone's entrance counts the persons going in and out each interval. Where
the counters see (nearly) everyone who enters, ``zone.counted_entrances >=``
:data:`FULLY_COUNTED`, the people present follow the balance

    presence(t) = presence(t-1) + (in(t) - out(t)) / counted_entrances        (persons)

summed over the zone's counters. A counter with ``direction = "out"`` swaps its ``in`` and
``out``; a counter between two zones (``zones = [a, b]``) moves its ``in`` from b to a. In a
zone whose counters see fewer of its entrances the balance says little about presence (the
uncounted entrances carry most of the comings and goings), so there the counters give the
zone's inflow and outflow only, ``counted / counted_entrances`` persons per interval, and the
presence comes from the direct sensors. Counters miss or double-count a few percent of
crossings, so even a complete balance drifts without bound. The picture corrects it with a
one-dimensional Kalman filter whose state is the presence ``x`` (persons) with variance ``P``
(persons²):

- **predict**: ``x⁻ = x + Σ(in - out)/c`` (``c`` = counted_entrances), ``P⁻ = P + Q`` with
  ``Q = Σ ((r·n)² + n)/c²``, ``n = in + out`` crossings: a systematic error of the counter
  (``r`` = its relative sd, default :data:`DEFAULT_RELIABILITY`) plus independent misses and
  double counts with the variance of a Poisson count (:data:`COUNT_VARIANCE` persons² per
  crossing). The uncertainty grows with the number of crossings, so after a busy hour a camera
  outweighs the balance and after a quiet one the balance outweighs the camera (on the
  simulated Pier the Poisson term is what makes ``uncertainty`` match the actual errors: without
  it they were three times the stated sd). A silent or unhealthy counter adds no crossings;
  its crossings are guessed as those of the mean reporting counter and that guess, as an sd,
  adds to ``Q``; with every counter silent ``Q`` is infinite and the direct estimate decides.
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

#: Share of a zone's entrances its counters must see for its presence to follow the balance.
FULLY_COUNTED = 0.95
#: Relative sd of a line counter's in/out counts without a stated reliability (±3 %).
DEFAULT_RELIABILITY = 0.03
#: Variance of a counter's independent errors per crossing, persons² (that of a Poisson count).
COUNT_VARIANCE = 1.0
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
    """Process variance (persons²) of one counter's net count: ``(r·n)² + COUNT_VARIANCE·n``, n = in + out."""
    crossings = inflow + outflow
    return np.asarray((np.asarray(reliability) * crossings) ** 2 + COUNT_VARIANCE * crossings)


def missing_variance(crossings: np.ndarray, reporting: np.ndarray, counters: np.ndarray) -> np.ndarray:
    """Process variance (persons²) for the crossings of silent counters.

    ``crossings`` = Σ(in + out) of the ``reporting`` counters out of the zone's ``counters``;
    each silent counter is guessed to see the mean reporting counter's crossings, with that
    guess as sd. Infinite where every counter is silent, 0 where none is.
    """
    silent = counters - reporting
    with np.errstate(divide="ignore", invalid="ignore"):
        guess = np.where(reporting > 0, crossings * silent / reporting, np.inf)
    return np.asarray(np.where(silent > 0, guess**2, 0.0))


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
    An infinite ``process_variance`` makes the measurement decide (gain 1, variance its own).
    """
    predicted = people + net
    predicted_var = variance + process_variance
    has = ~np.isnan(measurement)
    unknown = np.isinf(predicted_var)
    with np.errstate(invalid="ignore"):  # inf / inf and 0 · inf, replaced below
        gain = np.where(has, np.where(unknown, 1.0, predicted_var / (predicted_var + measurement_variance)), 0.0)
        updated_var = np.where(has & unknown, measurement_variance, (1.0 - gain) * predicted_var)
    correction = np.where(has, gain * (np.where(has, measurement, 0.0) - predicted), 0.0)
    updated = predicted + correction
    clipped = np.maximum(-updated, 0.0)
    return updated + clipped, updated_var, drift + correction + clipped


def anchor_flags(starts_ns: np.ndarray, *, interval_s: int, timezone: str, hour: int | None) -> np.ndarray:
    """Whether each interval [start, start + interval_s) holds ``hour``:00 local time."""
    if hour is None:
        return np.zeros(len(starts_ns), dtype=bool)
    local = pd.DatetimeIndex(starts_ns.astype("datetime64[ns]"), tz="UTC").tz_convert(timezone)
    second_of_day = local.hour * 3600 + local.minute * 60 + local.second
    return np.asarray((hour * 3600 - second_of_day) % 86400 < interval_s)
