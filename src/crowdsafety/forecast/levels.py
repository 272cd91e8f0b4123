"""Colour-level probabilities from forecast quantiles.

The forecast distribution is read from its quantiles: the cumulative probability is linear in
``log1p(value)`` between the quantile levels, and continues each outer segment's slope down to
0 and up to 1. The chance of a colour is the probability mass between its bounds; a value above
a bound reaches that level (as :meth:`LevelThresholds.level`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from crowdsafety.domain import Level, Zone
from crowdsafety.forecast.history import from_basis

LEVELS: tuple[Level, ...] = (Level.GREEN, Level.YELLOW, Level.ORANGE, Level.RED)
_EPS = 1e-6


def cdf(quantiles: np.ndarray, levels: Sequence[float], x: np.ndarray) -> np.ndarray:
    """P(value <= x) per row of ``quantiles`` (rows x levels, non-decreasing); ``x`` per row."""
    p = np.asarray(levels, dtype=float)
    knots = np.log1p(np.maximum(np.asarray(quantiles, dtype=float), 0.0))
    knots = np.maximum.accumulate(knots + _EPS * np.arange(len(p)), axis=1)
    u = np.log1p(np.maximum(np.asarray(x, dtype=float), 0.0))
    slope_lo = (p[1] - p[0]) / (knots[:, 1] - knots[:, 0])
    slope_hi = (p[-1] - p[-2]) / (knots[:, -1] - knots[:, -2])
    out = np.where(u < knots[:, 0], p[0] - (knots[:, 0] - u) * slope_lo, p[-1] + (u - knots[:, -1]) * slope_hi)
    for j in range(len(p) - 1):
        inside = (u >= knots[:, j]) & (u < knots[:, j + 1])
        share = (u - knots[:, j]) / (knots[:, j + 1] - knots[:, j])
        out = np.where(inside, p[j] + share * (p[j + 1] - p[j]), out)
    return np.clip(out, 0.0, 1.0)


def level_probabilities(quantiles: np.ndarray, levels: Sequence[float], bounds: np.ndarray) -> np.ndarray:
    """Rows x 4: probabilities of green, yellow, orange, red (each row sums to 1).

    ``bounds``: rows x 3, the lower bounds of yellow, orange and red in the forecast's unit."""
    bounds = np.asarray(bounds, dtype=float)
    below = np.column_stack([cdf(quantiles, levels, bounds[:, k]) for k in range(3)])
    below = np.maximum.accumulate(below, axis=1)
    cuts = np.column_stack([np.zeros(len(below)), below, np.ones(len(below))])
    return np.diff(cuts, axis=1)


def zone_bounds(zone: Zone) -> np.ndarray:
    """Lower bounds of yellow, orange, red of ``zone`` in its forecast quantity (passes per hour
    or persons)."""
    t = zone.thresholds
    return from_basis(zone, np.array([t.yellow, t.orange, t.red]))


def most_likely(probabilities: np.ndarray) -> list[Level]:
    return [LEVELS[i] for i in np.argmax(probabilities, axis=1)]
