"""Quantiles from a point forecast: empirical quantiles of its recent errors (split conformal).

The error of a row is ``log1p(actual) - log1p(point)``, a relative error that stays comparable
between a quiet night and a busy noon. Errors are grouped by horizon (they grow with it) and by
the forecast's own size (small counts are relatively noisier); a quantile level ``q`` of a new
row is ``expm1(log1p(point) + e_q)`` with ``e_q`` its group's empirical ``q``-quantile. Groups
with fewer than ``min_rows`` errors use their horizon group's pooled quantiles.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class ErrorQuantiles:
    """``table[horizon group, size group, level]`` of log errors; groups cut at the edges."""

    levels: tuple[float, ...]
    horizon_edges: np.ndarray  # upper bounds (inclusive) of the horizon groups
    size_edges: np.ndarray  # inner cut points of log1p(point)
    table: np.ndarray

    @classmethod
    def fit(cls, point: np.ndarray, actual: np.ndarray, horizon: np.ndarray, levels: tuple[float, ...],
            horizon_edges: tuple[int, ...], size_groups: int = 4, min_rows: int = 200,
            keep_point: bool = False) -> ErrorQuantiles:
        """Learn from rows with a known actual and point forecast. With ``keep_point`` the point
        itself is the median (the levels below it never above it, those above never below)."""
        ok = ~np.isnan(point) & ~np.isnan(actual)
        point, actual, horizon = point[ok], actual[ok], horizon[ok]
        if len(point) == 0:
            raise ValueError("no rows to calibrate the quantiles on")
        size = np.log1p(np.maximum(point, 0.0))
        error = np.log1p(np.maximum(actual, 0.0)) - size
        h_edges = np.asarray(horizon_edges)
        s_edges = np.quantile(size, np.linspace(0, 1, size_groups + 1)[1:-1]) if size_groups > 1 else np.array([])
        h_group = np.minimum(np.searchsorted(h_edges, horizon, side="left"), len(h_edges) - 1)
        s_group = np.searchsorted(s_edges, size, side="right")
        table = np.empty((len(h_edges), len(s_edges) + 1, len(levels)))
        pooled_all = np.quantile(error, levels)
        for i in range(len(h_edges)):
            in_h = h_group == i
            pooled = np.quantile(error[in_h], levels) if in_h.sum() >= min_rows else pooled_all
            for j in range(len(s_edges) + 1):
                cell = in_h & (s_group == j)
                table[i, j] = np.quantile(error[cell], levels) if cell.sum() >= min_rows else pooled
        if keep_point:
            lv = np.asarray(levels)
            table = np.where(lv < 0.5, np.minimum(table, 0.0), np.where(lv > 0.5, np.maximum(table, 0.0), 0.0))
        return cls(tuple(levels), h_edges, s_edges, np.maximum.accumulate(table, axis=2))

    def apply(self, point: np.ndarray, horizon: np.ndarray) -> np.ndarray:
        """Quantiles (rows x levels) around ``point``; NaN rows stay NaN."""
        size = np.log1p(np.maximum(point, 0.0))
        h_group = np.minimum(np.searchsorted(self.horizon_edges, horizon, side="left"), len(self.horizon_edges) - 1)
        s_group = np.searchsorted(self.size_edges, np.nan_to_num(size), side="right")
        errors = self.table[h_group, s_group]
        shifted = np.where(errors == 0.0, np.maximum(point, 0.0)[:, None], np.expm1(size[:, None] + errors))
        return np.maximum.accumulate(np.maximum(shifted, 0.0), axis=1)
