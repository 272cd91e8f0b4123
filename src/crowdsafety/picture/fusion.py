"""Fusion of several people estimates of one zone by inverse-variance weighting.

Each estimate ``x_i`` (persons) has a variance ``v_i`` (persons²). The fused estimate is
``x = Σ(x_i / v_i) / Σ(1 / v_i)`` with variance ``v = 1 / Σ(1 / v_i)``: the minimum-variance
unbiased combination of independent estimates. It always lies between the smallest and largest
input, and its standard deviation is never above the smallest input's. A sensor's variance comes
from its relative standard deviation ``r`` (``reliability``): ``v = (r·x)² + 1``; the 1 person²
floor keeps a count of zero from getting infinite weight.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

#: Absolute variance floor added to every sensor estimate, persons².
NOISE_FLOOR_VAR = 1.0


def measurement_variance(people: np.ndarray | float, reliability: np.ndarray | float) -> np.ndarray:
    """Variance (persons²) of an estimate of ``people`` persons with relative sd ``reliability``."""
    return (np.asarray(reliability) * people) ** 2 + NOISE_FLOOR_VAR


def fuse_by_zone(
    people: np.ndarray, variance: np.ndarray, zone: np.ndarray, n_zones: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fuse estimates grouped by ``zone`` index: (people, variance, count) per zone.

    Zones without any estimate get NaN people and variance and a count of 0.
    """
    weight = 1.0 / variance
    total_w = np.bincount(zone, weights=weight, minlength=n_zones)
    total_wx = np.bincount(zone, weights=weight * people, minlength=n_zones)
    count = np.bincount(zone, minlength=n_zones)
    with np.errstate(invalid="ignore", divide="ignore"):
        fused = np.where(count > 0, total_wx / total_w, np.nan)
        fused_var = np.where(count > 0, 1.0 / total_w, np.nan)
    # Rounding can put the weighted mean a hair outside the inputs; keep it inside.
    lo = _group_extreme(np.minimum, people, zone, n_zones, np.inf)
    hi = _group_extreme(np.maximum, people, zone, n_zones, -np.inf)
    return np.clip(fused, lo, hi), fused_var, count


def fuse(people: Sequence[float], sd: Sequence[float]) -> tuple[float, float]:
    """Fuse estimates ``people`` (persons) with standard deviations ``sd`` (persons, > 0).

    Returns (people, sd) of the inverse-variance weighted mean.
    """
    if not len(people) or len(people) != len(sd):
        raise ValueError("fuse needs one sd per estimate and at least one estimate")
    x = np.asarray(people, dtype=float)
    variance = np.asarray(sd, dtype=float) ** 2
    if not np.all(variance > 0):
        raise ValueError(f"standard deviations must be positive, got {list(sd)}")
    fused, fused_var, _ = fuse_by_zone(x, variance, np.zeros(len(x), dtype=np.int64), 1)
    # The fused variance 1/Σ(1/v) can round a hair above the smallest input; it never is.
    return float(fused[0]), float(min(np.sqrt(fused_var[0]), np.sqrt(variance.min())))


def _group_extreme(ufunc: np.ufunc, values: np.ndarray, group: np.ndarray, n: int, fill: float) -> np.ndarray:
    out = np.full(n, fill)
    ufunc.at(out, group, values)
    return out
