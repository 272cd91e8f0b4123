"""Baselines in the same harness: seasonal naive, the Amsterdam-style linear nowcast, and MSTL.

- :class:`SeasonalNaive`: the value 168 hours before the target.
- :class:`LinearNowcast`: Amsterdam's crowd monitor extrapolates a straight line fitted to the
  last 8 quarter-hours; on hourly data, the last 8 hours.
- :class:`MSTLBaseline`: ``statsforecast``'s MSTL (daily and weekly seasons, AutoETS on the
  seasonally adjusted series) fitted on the 3 weeks before each day's first origin; for the
  origins of the next 24 hours its ETS is carried forward over the newly known hours
  (``forward``) without re-decomposing, and its own 80 % interval gives P10 and P90.

The first two keep their point forecast as P50 and get P10 and P90 from their errors over the 4
weeks before ``fit``'s end, like the default model (:mod:`.calibration`).
"""

from __future__ import annotations

import warnings
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np

from crowdsafety.forecast.calibration import ErrorQuantiles
from crowdsafety.forecast.history import History
from crowdsafety.forecast.model import Forecasts, Requests

WEEK = 168
CALIBRATION_HOURS = 28 * 24
#: Quantile levels of the baselines (P10-P90 = the 80 % interval).
BASELINE_LEVELS = (0.1, 0.5, 0.9)


def _lag(values: np.ndarray, zone: np.ndarray, index: np.ndarray) -> np.ndarray:
    ok = (index >= 0) & (index < values.shape[1])
    out = np.full(len(zone), np.nan)
    out[ok] = values[zone[ok], index[ok]]
    return out


def _calibration_rows(history: History, end: int, horizons: range) -> Requests:
    """Every zone x origin in the last 4 weeks before ``end`` x horizon, targets before ``end``."""
    origins = np.arange(max(end - CALIBRATION_HOURS, WEEK), end)
    rows = Requests.grid(history.values.shape[0], origins, list(horizons))
    return rows.subset(rows.target < end)


class _Calibrated:
    """A point forecaster whose quantiles come from its recent errors."""

    name = "baseline"
    horizons: range = range(1, WEEK + 1)
    edges: tuple[int, ...] = (WEEK,)

    def __init__(self) -> None:
        self._quantiles: ErrorQuantiles | None = None

    def point(self, values: np.ndarray, requests: Requests) -> np.ndarray:
        raise NotImplementedError

    def fit(self, history: History, end: int) -> None:
        past = history.until(end)
        rows = _calibration_rows(past, end, self.horizons)
        actual = past.values[rows.zone, rows.target]
        self._quantiles = ErrorQuantiles.fit(self.point(past.values, rows), actual, rows.horizon,
                                             BASELINE_LEVELS, self.edges, keep_point=True)

    def predict(self, history: History, requests: Requests) -> Forecasts:
        if self._quantiles is None:
            raise RuntimeError("fit the model first")
        point = self.point(history.values, requests)
        return Forecasts(requests, BASELINE_LEVELS, self._quantiles.apply(point, requests.horizon))


class SeasonalNaive(_Calibrated):
    """P50 = the value 168 hours before the target (known for horizons up to 168)."""

    name = "seasonal_naive"

    def point(self, values: np.ndarray, requests: Requests) -> np.ndarray:
        if len(requests) and requests.horizon.max() > WEEK:
            raise ValueError("seasonal naive reaches at most 168 hours ahead")
        return _lag(values, requests.zone, requests.target - WEEK)


class LinearNowcast(_Calibrated):
    """A least-squares line through the last ``window`` known hours, extrapolated (>= 0)."""

    name = "linear_nowcast"
    horizons = range(1, 4)
    edges = (1, 2, 3)

    def __init__(self, window: int = 8, min_points: int = 4):
        super().__init__()
        self.window = window
        self.min_points = min_points

    def point(self, values: np.ndarray, requests: Requests) -> np.ndarray:
        x = np.arange(-self.window, 0, dtype=float)  # hours relative to the origin
        lags = np.stack([_lag(values, requests.zone, requests.origin + int(k)) for k in x], axis=1)
        known = ~np.isnan(lags)
        n = known.sum(axis=1)
        xs = np.where(known, x, 0.0)
        ys = np.where(known, lags, 0.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            mx, my = xs.sum(1) / n, ys.sum(1) / n
            sxx = (np.where(known, (x - mx[:, None]) ** 2, 0.0)).sum(1)
            sxy = (np.where(known, (x - mx[:, None]) * (lags - my[:, None]), 0.0)).sum(1)
            slope = np.where(sxx > 0, sxy / sxx, 0.0)
        line = my + slope * (requests.horizon - 1 + 0.0 - mx)
        return np.where(n >= self.min_points, np.maximum(line, 0.0), np.nan)


@dataclass(frozen=True)
class MSTLConfig:
    window_hours: int = 3 * WEEK
    refit_hours: int = 24
    seasons: tuple[int, ...] = (24, WEEK)
    min_known: float = 0.5
    workers: int = 2


class MSTLBaseline:
    """statsforecast MSTL + AutoETS, re-decomposed every ``refit_hours`` (see the module docstring)."""

    name = "mstl"

    def __init__(self, config: MSTLConfig | None = None):
        self.config = config or MSTLConfig()

    def fit(self, history: History, end: int) -> None:
        """Nothing to learn ahead: MSTL is fitted on the weeks before each origin."""

    def predict(self, history: History, requests: Requests) -> Forecasts:
        cfg = self.config
        values = np.full((len(requests), len(BASELINE_LEVELS)), np.nan)
        if not len(requests):
            return Forecasts(requests, BASELINE_LEVELS, values)
        reference = int(requests.origin.min())
        jobs = []
        for z in np.unique(requests.zone):
            rows = np.flatnonzero(requests.zone == z)
            jobs.append((rows, (history.values[z, : int(requests.origin[rows].max())], requests.origin[rows],
                                requests.horizon[rows], reference, cfg)))
        if cfg.workers > 1 and len(jobs) > 1:
            with ProcessPoolExecutor(max_workers=cfg.workers) as pool:
                results = list(pool.map(_mstl_zone, [args for _, args in jobs]))
        else:
            results = [_mstl_zone(args) for _, args in jobs]
        for (rows, _), result in zip(jobs, results):
            values[rows] = result
        return Forecasts(requests, BASELINE_LEVELS, values)


def _mstl_zone(args: tuple) -> np.ndarray:
    """Quantiles (rows x 3) of one zone's requests; ``series`` holds the hours before the last origin."""
    from statsforecast.models import MSTL, AutoETS

    series, origins, horizons, reference, cfg = args
    out = np.full((len(origins), 3), np.nan)
    anchors = origins - (origins - reference) % cfg.refit_hours
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for anchor in np.unique(anchors):
            window = _filled(series[max(anchor - cfg.window_hours, 0):anchor], cfg)
            if window is None:
                continue
            model = MSTL(season_length=list(cfg.seasons), trend_forecaster=AutoETS(model="ZZN")).fit(window)
            decomposition = model.model_
            adjusted = decomposition["trend"].to_numpy() + decomposition["remainder"].to_numpy()
            mine = np.flatnonzero(anchors == anchor)
            reach = int((origins[mine] - anchor).max() + horizons[mine].max())
            seasonal = _seasonal_ahead(decomposition, cfg.seasons, reach)
            for origin in np.unique(origins[mine]):
                rows = mine[origins[mine] == origin]
                steps = int(origin - anchor)
                h = int(horizons[rows].max())
                if steps == 0:
                    fc = model.predict(h=h, level=[80])
                else:
                    recent = _fill_gaps(series[anchor:origin], series[max(anchor - WEEK, 0):anchor])
                    trend_input = np.concatenate([adjusted, recent - seasonal[:steps]])
                    fc = model.trend_forecaster.forward(y=trend_input, h=h, level=[80])
                    fc = {k: v + seasonal[steps:steps + h] for k, v in fc.items()}
                idx = horizons[rows] - 1
                out[rows] = np.maximum(np.column_stack([fc["lo-80"][idx], fc["mean"][idx], fc["hi-80"][idx]]), 0.0)
    return np.sort(out, axis=1)


def _seasonal_ahead(decomposition, seasons: tuple[int, ...], steps: int) -> np.ndarray:
    """The seasonal components continued ``steps`` hours past the window (each repeats its last period)."""
    total = np.zeros(steps)
    for period in seasons:
        column = decomposition[f"seasonal{period}"].to_numpy()
        last = column[-period:]
        total += last[np.arange(steps) % period]
    return total


def _filled(window: np.ndarray, cfg: MSTLConfig) -> np.ndarray | None:
    """The window with gaps filled (a week earlier, else a day earlier, else interpolated), or
    None when too little of it is known."""
    if len(window) < 2 * max(cfg.seasons) or np.mean(~np.isnan(window)) < cfg.min_known:
        return None
    return _fill_gaps(window, None)


def _fill_gaps(values: np.ndarray, before: np.ndarray | None) -> np.ndarray:
    """Fill NaN by the value a week, else a day, earlier (also from ``before``), else linearly."""
    joined = values if before is None else np.concatenate([before, values])
    out = joined.astype(float).copy()
    for lag in (WEEK, 24):
        gap = np.isnan(out)
        gap[:lag] = False
        idx = np.flatnonzero(gap)
        out[idx] = out[idx - lag]
    gap = np.isnan(out)
    if gap.all():
        out[:] = 0.0
    elif gap.any():
        x = np.arange(len(out))
        out[gap] = np.interp(x[gap], x[~gap], out[~gap])
    return out[len(out) - len(values):]
