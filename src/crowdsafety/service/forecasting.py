"""The forecasting service: keeps a model trained on the store's picture and issues forecasts.

:class:`Forecaster` reads the hourly history of every zone from the store: people present from
the zone states, passes per hour of flow zones from their line counters (else from the states'
flow), the weather from the weather sensors. It trains the default model
(again after ``retrain_every``), and stores what it issues with its issue time:

- the nowcast, 1-3 hours ahead, checked every site interval and issued when a new hour is
  complete (forecasts are hourly: the running hour is horizon 1);
- the day- and week-ahead forecast, 1-168 hours ahead, every hour.

Without a weather feed the weather ahead is taken to be like the last observed day
("tomorrow like today"); a ``weather_forecast`` callable replaces that. :meth:`Forecaster.start`
runs it in a background thread; :meth:`Forecaster.refresh` does one round synchronously (tests,
the cli). :func:`forecast_states_at` and :meth:`Forecaster.outlooks` read back what was issued.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd

from crowdsafety.decide.expected import ZoneOutlook
from crowdsafety.domain import Level, SensorKind
from crowdsafety.domain.events import PlannedEvent
from crowdsafety.forecast import (
    LEVELS,
    PROBABILITY_COLUMNS,
    GBMConfig,
    GlobalGBM,
    History,
    SeasonalNaive,
    build_history,
    calendar_of,
    flow_values,
    hour_grid,
    issue,
    quantity_of,
    state_values,
    to_basis,
    weather_values,
)
from crowdsafety.forecast.model import ForecastModel
from crowdsafety.service.runtime import Runtime

log = logging.getLogger(__name__)

HOUR = timedelta(hours=1)
NOWCAST_HOURS = range(1, 4)
AHEAD_HOURS = range(1, 169)
#: Sensors read directly: weather, and line counters (the passes of flow zones).
_READ_KINDS = (SensorKind.WEATHER, SensorKind.LINE_COUNT)
#: Weather ahead: given the target hours, values per metric (see ``history.WEATHER_METRICS``).
WeatherForecast = Callable[[pd.DatetimeIndex], dict[str, np.ndarray]]


@dataclass(frozen=True)
class ForecastSettings:
    """How much history to learn from (days), how often to retrain, and the model's sizes (small
    enough to retrain in seconds; leaves of 20 rows let a season's few planned events count).

    With less than ``min_gbm_days`` of history the seasonal naive forecast is issued instead."""

    history_days: int = 120
    min_gbm_days: int = 21
    retrain_every: timedelta = timedelta(hours=24)
    reload_hours: int = 24
    model: GBMConfig = field(default_factory=lambda: GBMConfig(
        calibration_days=7, max_rows=60_000, max_calibration_rows=30_000, rounds=150, leaves=63, min_data_in_leaf=20,
        group_settings=()))


@dataclass(frozen=True)
class ForecastState:
    """What the latest issued forecast says about a zone for the hour starting at ``start``.

    Quantiles in the zone's ``quantity`` (persons present, or persons passing per hour);
    ``p50_basis``: the median in the unit of the zone's thresholds; ``probabilities``: chance of
    each level; ``level``: the most likely one."""

    zone_id: str
    start: datetime
    issued_at: datetime
    model: str
    quantity: str
    p10: float
    p50: float
    p90: float
    p50_basis: float
    probabilities: dict[Level, float]
    level: Level

    def as_dict(self) -> dict:
        return {
            "zone_id": self.zone_id, "start": self.start.isoformat(), "issued_at": self.issued_at.isoformat(),
            "model": self.model, "quantity": self.quantity, "p10": self.p10, "p50": self.p50, "p90": self.p90,
            "p50_basis": self.p50_basis, "level": self.level.value,
            "probabilities": {lv.value: p for lv, p in self.probabilities.items()},
        }


class Forecaster:
    """Forecasts for the site of ``runtime`` (thread-safe; see the module docstring)."""

    def __init__(self, runtime: Runtime, settings: ForecastSettings | None = None, *,
                 events: Sequence[PlannedEvent] = (), weather_forecast: WeatherForecast | None = None):
        self.runtime = runtime
        self.settings = settings or ForecastSettings()
        self.events = tuple(events)
        self.weather_forecast = weather_forecast
        self.model: ForecastModel | None = None
        self.trained_at: datetime | None = None
        self._lock = threading.RLock()
        self._grid: pd.DatetimeIndex | None = None
        self._values: dict[str, np.ndarray] = {}
        self._weather: dict[str, np.ndarray] = {}
        self._last_nowcast: datetime | None = None
        self._last_ahead: datetime | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- one round ----------------------------------------------------------------------------

    def refresh(self, *, ahead: bool = True, now: datetime | None = None) -> int:
        """Issue the nowcast (when a new hour is complete) and, with ``ahead``, the week-ahead
        forecast; retrain first when due. Returns the rows stored."""
        with self._lock:
            now = (now or self.runtime.clock.now()).astimezone(UTC)
            origin_time = pd.Timestamp(now).floor("h")
            history = self.history(origin_time)
            if history is None or not self._ensure_model(history, now):
                return 0
            origin = history.n_hours
            stored = 0
            if self._last_nowcast is None or origin_time > self._last_nowcast:
                stored += self._issue(history, origin, NOWCAST_HOURS, now)
                self._last_nowcast = origin_time
            if ahead and (self._last_ahead is None or origin_time > self._last_ahead):
                stored += self._issue(history, origin, AHEAD_HOURS, now)
                self._last_ahead = origin_time
            return stored

    def history(self, end: pd.Timestamp) -> History | None:
        """The zones' hourly history up to (excluding) the hour ``end``, weather ahead filled in."""
        site, store = self.runtime.site, self.runtime.store
        start = end - pd.Timedelta(days=self.settings.history_days)
        grid = hour_grid(start, end)
        if len(grid) == 0:
            return None
        reload_from = start
        if self._grid is not None and self._grid[0] <= grid[0] <= self._grid[-1]:
            reload_from = max(start, self._grid[-1] + pd.Timedelta(hours=1 - self.settings.reload_hours))
        fresh = grid[grid >= reload_from]
        states = store.zone_states(start=reload_from.to_pydatetime(), end=end.to_pydatetime())
        observations = store.observations(start=reload_from.to_pydatetime(), end=end.to_pydatetime(),
                                          sensor_ids=[s.id for s in site.sensors if s.kind in _READ_KINDS])
        recent = state_values(site, states, fresh)
        recent.update(flow_values(site, observations, fresh))
        values = self._merge(self._values, grid, reload_from, recent)
        weather = self._merge(self._weather, grid, reload_from, weather_values(site, observations, fresh))
        self._grid, self._values, self._weather = grid, values, weather
        if not any(np.isfinite(v).any() for v in values.values()):
            return None
        ahead = grid[-1] + pd.to_timedelta(np.arange(1, AHEAD_HOURS.stop + 1), unit="h")
        future = self.weather_forecast(ahead) if self.weather_forecast else _like_last_day(weather, len(ahead))
        full_weather = {m: np.concatenate([weather[m], future.get(m, np.full(len(ahead), np.nan))]) for m in weather}
        return build_history(site, grid, values, weather=full_weather, events=self.events)

    def _merge(self, old: dict[str, np.ndarray], grid: pd.DatetimeIndex, reload_from: pd.Timestamp,
               fresh: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Arrays on ``grid``: the cached values before ``reload_from``, ``fresh`` from it on."""
        out = {}
        keep = grid < reload_from
        previous = self._grid
        for key in set(old) | set(fresh):
            arr = np.full(len(grid), np.nan)
            if key in old and previous is not None and keep.any():
                where = previous.get_indexer(grid[keep])
                found = where >= 0
                arr[np.flatnonzero(keep)[found]] = old[key][where[found]]
            if key in fresh:
                arr[~keep] = fresh[key]
            out[key] = arr
        return out

    def _ensure_model(self, history: History, now: datetime) -> bool:
        due = self.trained_at is None or now - self.trained_at >= self.settings.retrain_every
        if not due:
            return self.model is not None
        known_days = np.isfinite(history.values).any(axis=0).sum() / 24
        site = self.runtime.site
        try:
            if known_days >= self.settings.min_gbm_days:
                model: ForecastModel = GlobalGBM(calendar_of(site.timezone), self.settings.model)
            else:
                model = SeasonalNaive()
            model.fit(history, history.n_hours)
        except ValueError as exc:
            log.warning("forecast model not trained: %s", exc)
            return self.model is not None
        self.model, self.trained_at = model, now
        return True

    def _issue(self, history: History, origin: int, horizons: range, now: datetime) -> int:
        assert self.model is not None
        rows = issue(self.runtime.site, history, self.model, origin, horizons, pd.Timestamp(now))
        return self.runtime.store.put_forecasts(rows)

    # -- background -----------------------------------------------------------------------------

    def start(self, *, nowcast_every_s: float | None = None, ahead_every_s: float = 3600.0) -> None:
        """Run in a daemon thread: the nowcast check every site interval (default), the
        week-ahead forecast every ``ahead_every_s`` seconds."""
        every = nowcast_every_s or float(self.runtime.site.interval_s)
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, args=(every, ahead_every_s), name="forecast", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=timeout)
            self._thread = None

    def _loop(self, every: float, ahead_every: float) -> None:
        last_ahead = float("-inf")
        clock = 0.0
        while True:
            try:
                ahead = clock - last_ahead >= ahead_every
                self.refresh(ahead=ahead)
                if ahead:
                    last_ahead = clock
            except Exception:  # keep the service alive; the next round tries again
                log.exception("forecast refresh failed")
            if self._stop.wait(every):
                return
            clock += every

    # -- reading back ---------------------------------------------------------------------------

    def outlooks(self, at: datetime, hours: int = 24) -> list[ZoneOutlook]:
        """Issued forecasts known at ``at`` for the next ``hours`` hours, as decision-support
        outlooks (chance of each level or worse)."""
        return outlooks_at(self.runtime, at, hours)


def forecast_states_at(runtime: Runtime, at: datetime) -> dict[str, ForecastState]:
    """Per zone the latest forecast issued by the service clock's now for the hour containing
    ``at`` (zones without one are absent)."""
    start = pd.Timestamp(at).tz_convert("UTC").floor("h").to_pydatetime()
    rows = runtime.store.forecasts(start=start, end=start + HOUR, issued_by=runtime.clock.now())
    return {state.zone_id: state for state in _states(runtime, rows)}


def forecast_states(runtime: Runtime, zone_id: str, start: datetime, end: datetime) -> list[ForecastState]:
    """The zone's latest issued forecast per hour in [start, end), as known at the clock's now."""
    rows = runtime.store.forecasts(start=pd.Timestamp(start).floor("h").to_pydatetime(), end=end,
                                   zone_ids=[zone_id], issued_by=runtime.clock.now())
    return _states(runtime, rows)


def outlooks_at(runtime: Runtime, at: datetime, hours: int = 24) -> list[ZoneOutlook]:
    """Forecasts issued by ``at`` for hours starting after ``at`` within ``hours``, as
    :class:`~crowdsafety.decide.expected.ZoneOutlook` (chance of each level or worse)."""
    start = pd.Timestamp(at).tz_convert("UTC").floor("h").to_pydatetime()
    rows = runtime.store.forecasts(start=start, end=start + timedelta(hours=hours + 1), issued_by=at)
    out = []
    for state in _states(runtime, rows):
        if state.start <= at:
            continue
        at_least = {lv: sum(state.probabilities[x] for x in LEVELS if x.rank >= lv.rank) for lv in LEVELS[1:]}
        out.append(ZoneOutlook(state.zone_id, state.start, at_least, state.issued_at))
    return out


def _states(runtime: Runtime, rows: pd.DataFrame) -> list[ForecastState]:
    site = runtime.site
    rows = rows.sort_values(["zone_id", "start", "issued_at"]).drop_duplicates(["zone_id", "start"], keep="last")
    out = []
    for row in rows.to_dict("records"):
        zone = site.zone(str(row["zone_id"]))
        probabilities = {lv: float(row[col]) for lv, col in zip(LEVELS, PROBABILITY_COLUMNS, strict=True)}
        p50 = float(row["p50"])
        out.append(ForecastState(
            zone_id=zone.id, start=pd.Timestamp(row["start"]).to_pydatetime(),
            issued_at=pd.Timestamp(row["issued_at"]).to_pydatetime(), model=str(row["model"]),
            quantity=quantity_of(zone), p10=float(row["p10"]), p50=p50, p90=float(row["p90"]),
            p50_basis=float(to_basis(zone, p50)), probabilities=probabilities,
            level=max(probabilities, key=probabilities.__getitem__),
        ))
    return out


def _like_last_day(weather: dict[str, np.ndarray], hours: int) -> dict[str, np.ndarray]:
    """Weather ahead as the last 24 observed hours repeated ("tomorrow like today")."""
    out = {}
    for metric, values in weather.items():
        known = np.flatnonzero(np.isfinite(values))
        if len(known) == 0:
            out[metric] = np.full(hours, np.nan)
            continue
        last = values[max(len(values) - 24, 0):]
        last = np.where(np.isfinite(last), last, np.nanmean(values[known]))
        out[metric] = np.resize(last, hours) if len(last) == 24 else np.full(hours, float(np.mean(last)))
    return out
