"""Observations laid out on a grid of intervals × metric columns (see :mod:`.index`).

Rows are the intervals ``origin + k·interval_s``; a row holds the observations whose ``start``
falls in it. Only rows with the site's ``interval_s`` are used. Corrections are resolved here:
of several rows for one (interval, sensor, metric) the latest ``received_at`` wins (the last in
frame order on a tie).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd

from crowdsafety.domain import Quality
from crowdsafety.picture.index import SiteIndex

#: Marks "never seen" in nanosecond timestamp arrays.
NEVER = np.iinfo(np.int64).min
REQUIRED_COLUMNS = ("sensor_id", "start", "interval_s", "metric", "value")


@dataclass(frozen=True)
class ObservationGrid:
    """``values`` [T, C] (NaN = not reported), ``usable`` [T, C] (reported, not suspect),
    ``reported`` [T, S] (any metric of the sensor, any kind) and ``seen_before_ns`` [S] (latest
    start before ``origin_ns``, or :data:`NEVER`)."""

    origin_ns: int
    interval_ns: int
    values: np.ndarray
    usable: np.ndarray
    reported: np.ndarray
    seen_before_ns: np.ndarray

    @property
    def starts_ns(self) -> np.ndarray:
        return self.origin_ns + np.arange(len(self.values), dtype=np.int64) * self.interval_ns


def to_ns(t: datetime | pd.Timestamp) -> int:
    """Nanoseconds since the epoch of a tz-aware datetime; a naive one is an error."""
    stamp = pd.Timestamp(t)
    if stamp.tzinfo is None:
        raise ValueError(f"time {t!r} must carry a time zone")
    return int(stamp.as_unit("ns").value)


def build_grid(
    index: SiteIndex,
    observations: pd.DataFrame,
    *,
    origin_ns: int,
    n_intervals: int,
    until_ns: int | None = None,
) -> ObservationGrid:
    """Lay ``observations`` with ``start < until_ns`` on ``n_intervals`` rows from ``origin_ns``."""
    missing = [c for c in REQUIRED_COLUMNS if c not in observations.columns]
    if missing:
        raise ValueError(f"observations lack column(s) {missing}")
    interval_ns = index.interval_s * 1_000_000_000
    n_s, n_c = index.n_sensors, index.n_columns
    values = np.full((n_intervals, n_c), np.nan)
    usable = np.zeros((n_intervals, n_c), dtype=bool)
    reported = np.zeros((n_intervals, n_s), dtype=bool)
    seen_before = np.full(n_s, NEVER, dtype=np.int64)
    grid = ObservationGrid(origin_ns, interval_ns, values, usable, reported, seen_before)
    if observations.empty:
        return grid

    sensor = _lookup(index.sensor_lookup, observations["sensor_id"])
    start = _column_ns(observations["start"])
    keep = (sensor >= 0) & (observations["interval_s"].to_numpy() == index.interval_s)
    if until_ns is not None:
        keep &= start < until_ns
    before = keep & (start < origin_ns)
    np.maximum.at(seen_before, sensor[before], start[before])

    row = (start - origin_ns) // interval_ns
    keep &= (row >= 0) & (row < n_intervals)
    rows = np.flatnonzero(keep)
    if not len(rows):
        return grid
    sensor, row = sensor[rows], row[rows]
    metric = _lookup(index.metric_lookup, observations["metric"])[rows]
    key = (row * n_s + sensor) * len(index.metric_lookup) + metric
    received = (
        _column_ns(observations["received_at"])[rows] if "received_at" in observations.columns
        else np.zeros(len(rows), dtype=np.int64)
    )
    order = np.lexsort((np.arange(len(rows)), received, key))
    last = order[np.r_[key[order][1:] != key[order][:-1], True]]
    reported[row[last], sensor[last]] = True

    col = np.where(metric[last] >= 0, index.col_lut[sensor[last], np.maximum(metric[last], 0)], -1)
    take = last[col >= 0]
    col = col[col >= 0]
    value = observations["value"].to_numpy(dtype=float)[rows[take]]
    values[row[take], col] = value
    good = np.isfinite(value)
    if "quality" in observations.columns:
        good &= (observations["quality"] != Quality.SUSPECT.value).to_numpy()[rows[take]]
    usable[row[take], col] = good
    return grid


def _lookup(known: pd.Index, column: pd.Series) -> np.ndarray:
    """Position of each value of ``column`` in ``known``, -1 where absent."""
    codes, uniques = pd.factorize(column)
    return np.append(known.get_indexer(uniques), -1)[codes]


def _column_ns(column: pd.Series) -> np.ndarray:
    if not isinstance(column.dtype, pd.DatetimeTZDtype):
        raise ValueError(f"column {column.name!r} must hold tz-aware timestamps, got {column.dtype}")
    return column.to_numpy(dtype="datetime64[ns]").view(np.int64)
