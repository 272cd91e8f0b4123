"""Rolling-origin backtest: every model issues the forecasts it would have issued, knowing only
the hours before each origin, and is scored against what happened.

Tasks (defaults): ``nowcast`` from every hour, 1-3 h ahead; ``day-ahead`` and ``week-ahead``
from every day at 06:00 local time, 1-24 h and 1-168 h ahead (one forecast per origin, so the
day-ahead rows are the first 24 hours of the week-ahead ones). Models are re-fitted every
``retrain_hours`` on the hours before the retraining time. Scored rows: targets inside the test
period with an actual value, and with a forecast from every model of the task (the seasonal naive
needs the value a week before) so that models are compared on the same hours.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from crowdsafety.domain import Site
from crowdsafety.forecast.history import History
from crowdsafety.forecast.levels import level_probabilities, zone_bounds
from crowdsafety.forecast.metrics import score_table
from crowdsafety.forecast.model import (
    ForecastModel,
    Forecasts,
    Requests,
    quantile_column,
)

NOWCAST, DAY, WEEK_AHEAD = "nowcast", "day-ahead", "week-ahead"
#: Probability of orange or worse from which a forecast counts as an alarm.
ALARM_PROBABILITY = 0.5
#: Days between refits of the models in the test period, by default.
RETRAIN_DAYS = 14


@dataclass(frozen=True)
class Plan:
    """Origins and horizons of a backtest over the test hours [start, end) of a history."""

    start: int
    end: int
    nowcast_origins: np.ndarray
    daily_origins: np.ndarray
    nowcast_horizons: int = 3
    day_horizons: int = 24
    week_horizons: int = 168
    retrain_hours: int = RETRAIN_DAYS * 24


def plan(history: History, *, weeks: int = 8, origin_hour: int = 6, retrain_days: int = RETRAIN_DAYS,
         end: int | None = None) -> Plan:
    """The last ``weeks`` weeks before ``end`` (default: the end of the history): nowcast origins
    every hour, day- and week-ahead origins at ``origin_hour`` local time, refits every
    ``retrain_days``."""
    end = history.n_hours if end is None else end
    start = end - weeks * 168
    if start < 0:
        raise ValueError(f"history of {history.n_hours} hours is shorter than {weeks} weeks")
    hours = np.arange(start, end)
    local = history.time_of(hours).tz_convert(history.timezone)
    return Plan(start, end, hours, hours[local.hour == origin_hour], retrain_hours=retrain_days * 24)


@dataclass(frozen=True)
class ModelSpec:
    """A model of the backtest: how to make one, and whether it runs the day/week tasks."""

    name: str
    make: Callable[[], ForecastModel]
    ahead: bool = True


@dataclass
class BacktestResult:
    """Scored rows (one per model, task, zone, origin, horizon) and run times per model (s)."""

    rows: pd.DataFrame
    seconds: dict[str, float] = field(default_factory=dict)

    def scores(self, by: Sequence[str] = ("model", "task", "horizon")) -> pd.DataFrame:
        return score_table(self.rows, list(by))


def requests_of(plan_: Plan, n_zones: int) -> dict[str, Requests]:
    """Nowcast and daily (day- and week-ahead) requests, targets inside the test period."""
    out = {}
    for task, origins, reach in ((NOWCAST, plan_.nowcast_origins, plan_.nowcast_horizons),
                                 (WEEK_AHEAD, plan_.daily_origins, plan_.week_horizons)):
        r = Requests.grid(n_zones, origins, np.arange(1, reach + 1))
        out[task] = r.subset(r.target < plan_.end)
    return out


def run(site: Site, history: History, models: Sequence[ModelSpec], plan_: Plan,
        progress: Callable[[int], None] | None = None) -> BacktestResult:
    """Fit, forecast and score every model; ``progress(1)`` after each model and retraining."""
    tasks = requests_of(plan_, len(history.zone_ids))
    bounds = np.vstack([zone_bounds(site.zone(z)) for z in history.zone_ids])
    retrains = np.arange(plan_.start, plan_.end, plan_.retrain_hours)
    frames, seconds = [], {}
    for spec in models:
        began = time.perf_counter()
        model = spec.make()
        for k, fit_at in enumerate(retrains):
            until = retrains[k + 1] if k + 1 < len(retrains) else plan_.end
            model.fit(history, int(fit_at))
            for task, requests in tasks.items():
                if task != NOWCAST and not spec.ahead:
                    continue
                part = requests.subset((requests.origin >= fit_at) & (requests.origin < until))
                if len(part):
                    frames.append(_rows(spec.name, task, model.predict(history, part), history, bounds))
            if progress:
                progress(1)
        seconds[spec.name] = time.perf_counter() - began
    rows = pd.concat(frames, ignore_index=True)
    rows = _with_day_ahead(rows, plan_.day_horizons)
    rows = _common(rows)
    return BacktestResult(_with_levels(rows, history, bounds), seconds)


def _rows(model: str, task: str, forecasts: Forecasts, history: History, bounds: np.ndarray) -> pd.DataFrame:
    """One row per request: quantiles P10/P50/P90, the actual and P(orange or worse)."""
    r = forecasts.requests
    out = pd.DataFrame({"model": model, "task": task, "zone": r.zone, "origin": r.origin, "horizon": r.horizon,
                        "target": r.target})
    for level in (0.1, 0.5, 0.9):
        out[quantile_column(level)] = forecasts.quantile(level)
    out["actual"] = history.values[r.zone, r.target]
    probabilities = level_probabilities(forecasts.values, forecasts.levels, bounds[r.zone])
    out["p_orange_plus"] = probabilities[:, 2:].sum(axis=1)
    return out


def _with_day_ahead(rows: pd.DataFrame, day_horizons: int) -> pd.DataFrame:
    day = rows[(rows["task"] == WEEK_AHEAD) & (rows["horizon"] <= day_horizons)].assign(task=DAY)
    return pd.concat([rows, day], ignore_index=True)


def _common(rows: pd.DataFrame) -> pd.DataFrame:
    """Rows with an actual, of (task, zone, origin, horizon) that every model of the task forecast."""
    models_per_task = rows.groupby("task")["model"].transform("nunique")
    keep = rows["actual"].notna() & rows["p50"].notna()
    rows, models_per_task = rows[keep], models_per_task[keep]
    have = rows.groupby(["task", "zone", "origin", "horizon"])["model"].transform("nunique")
    return rows[have == models_per_task].reset_index(drop=True)


def _with_levels(rows: pd.DataFrame, history: History, bounds: np.ndarray) -> pd.DataFrame:
    """Add whether the actual was orange or worse, the alarm flag, zone ids and times."""
    out = rows.copy()
    out["actual_orange_plus"] = out["actual"].to_numpy() > bounds[out["zone"].to_numpy(), 1]
    out["alarm"] = out["p_orange_plus"].to_numpy() >= ALARM_PROBABILITY
    out["zone_id"] = np.asarray(history.zone_ids, dtype=object)[out["zone"].to_numpy()]
    out["issued_at"] = history.time_of(out["origin"].to_numpy())
    out["start"] = history.time_of(out["target"].to_numpy())
    return out


#: Rows of the summary table: (label, task, first horizon, last horizon).
SUMMARY: tuple[tuple[str, str, int, int], ...] = (
    ("nowcast 1 h", NOWCAST, 1, 1),
    ("nowcast 2 h", NOWCAST, 2, 2),
    ("nowcast 3 h", NOWCAST, 3, 3),
    ("nowcast 1-3 h", NOWCAST, 1, 3),
    ("day-ahead 1-24 h", DAY, 1, 24),
    ("week-ahead 1-168 h", WEEK_AHEAD, 1, 168),
    ("week-ahead 25-168 h", WEEK_AHEAD, 25, 168),
)


def summary(result: BacktestResult, reference: str = "seasonal_naive") -> pd.DataFrame:
    """Scores per summary row and model, with ``vs_reference`` = MAE / MAE of ``reference``."""
    parts = []
    for label, task, first, last in SUMMARY:
        rows = result.rows[(result.rows["task"] == task) & result.rows["horizon"].between(first, last)]
        if rows.empty:
            continue
        table = score_table(rows, ["model"])
        base = table.loc[table["model"] == reference, "mae"]
        table["vs_reference"] = table["mae"] / base.iloc[0] if len(base) else np.nan
        table.insert(0, "horizons", label)
        parts.append(table)
    return pd.concat(parts, ignore_index=True)
