"""The forecast's input: hourly zone series on a regular UTC grid, with weather and events.

What is forecast per zone (its *quantity*, see :func:`quantity_of`):

- flow zones (thresholds on persons/m/min): persons passing per hour, the sum of the ``passes``
  of the zone's line counters (an hour counts only when every counter reported all of it);
- every other zone: persons present, the hourly mean of the picture's ``people``.

Hours are addressed by their index on the grid: index ``i`` is the hour starting at
``start + i h``. A forecast issued at the start of hour ``o`` (its *origin*) knows the values of
hours ``< o`` only; horizon ``h`` (1, 2, ...) is the hour ``o + h - 1``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

import numpy as np
import pandas as pd

from crowdsafety.domain import LevelBasis, Sensor, SensorKind, Site, Zone, ZoneState
from crowdsafety.domain.events import PlannedEvent

HOUR = pd.Timedelta(hours=1)
#: Weather metrics used as forecast inputs, and how an hour aggregates them.
WEATHER_METRICS: dict[str, str] = {
    "temperature_c": "mean",
    "precipitation_mm": "sum",
    "sunshine_min": "sum",
    "wind_ms": "mean",
}


@dataclass(frozen=True)
class History:
    """Hourly values of ``zone_ids`` (``values``: zones x hours, NaN = unknown) from ``start``.

    ``weather``: per metric an array over the same hours *plus* any future hours a weather
    forecast covers (NaN = unknown); ``events``: planned events; ``timezone``: the site's IANA zone.
    """

    zone_ids: tuple[str, ...]
    start: pd.Timestamp
    values: np.ndarray
    timezone: str
    weather: dict[str, np.ndarray] = field(default_factory=dict)
    events: tuple[PlannedEvent, ...] = ()

    def __post_init__(self) -> None:
        if self.values.ndim != 2 or self.values.shape[0] != len(self.zone_ids):
            raise ValueError(f"values must be zones x hours, got {self.values.shape} for {len(self.zone_ids)} zones")
        if self.start.tzinfo is None:
            raise ValueError("start must be tz-aware")

    @property
    def n_hours(self) -> int:
        return self.values.shape[1]

    def index_of(self, moment: datetime | pd.Timestamp) -> int:
        """Grid index of the hour containing ``moment`` (may lie outside the grid)."""
        return int((pd.Timestamp(moment).tz_convert("UTC") - self.start) // HOUR)

    def time_of(self, index: np.ndarray | int) -> pd.DatetimeIndex:
        return self.start + pd.to_timedelta(np.atleast_1d(index), unit="h")

    def until(self, end: int) -> History:
        """The same history with every value from hour ``end`` on unknown (weather kept)."""
        values = self.values.copy()
        values[:, max(end, 0):] = np.nan
        return replace(self, values=values)

    def with_weather(self, weather: dict[str, np.ndarray]) -> History:
        return replace(self, weather=weather)


def quantity_of(zone: Zone) -> str:
    """``"passes_per_hour"`` for flow zones, else ``"people"``."""
    return "passes_per_hour" if zone.thresholds.basis is LevelBasis.FLOW else "people"


def to_basis(zone: Zone, value: np.ndarray | float) -> np.ndarray:
    """A zone quantity in the unit of its thresholds: persons/m/min (flow: passes/h / 60 /
    width_m), persons/m² (density: people / area_m2) or persons (count)."""
    value = np.asarray(value, dtype=float)
    basis = zone.thresholds.basis
    if basis is LevelBasis.FLOW:
        if zone.width_m is None:
            raise ValueError(f"flow zone {zone.id} has no width_m")
        return value / 60.0 / zone.width_m
    if basis is LevelBasis.DENSITY:
        return value / zone.area_m2
    return value


def from_basis(zone: Zone, value: np.ndarray | float) -> np.ndarray:
    """Inverse of :func:`to_basis`."""
    value = np.asarray(value, dtype=float)
    basis = zone.thresholds.basis
    if basis is LevelBasis.FLOW:
        return value * 60.0 * (zone.width_m or 1.0)
    if basis is LevelBasis.DENSITY:
        return value * zone.area_m2
    return value


def hour_grid(start: datetime, end: datetime) -> pd.DatetimeIndex:
    """Whole UTC hours from the one containing ``start`` up to (excluding) ``end``."""
    first = pd.Timestamp(start).tz_convert("UTC").floor("h")
    return pd.date_range(first, pd.Timestamp(end).tz_convert("UTC"), freq="h", inclusive="left")


def flow_values(site: Site, observations: pd.DataFrame, grid: pd.DatetimeIndex) -> dict[str, np.ndarray]:
    """Passes per hour of every flow zone whose line counters report ``passes``.

    An hour is known only when every counter of the zone covered all of it; ``quality``
    ``suspect`` values are left out.
    """
    zones = [z for z in site.zones if quantity_of(z) == "passes_per_hour"]
    counters = {z.id: [s.id for s in site.sensors_of_zone(z.id) if s.kind is SensorKind.LINE_COUNT] for z in zones}
    wanted = sorted({s for ids in counters.values() for s in ids})
    obs = observations[(observations["metric"] == "passes") & observations["sensor_id"].isin(wanted)
                       & (observations["quality"] != "suspect")]
    hourly = _hourly(obs, grid, "sum")
    out = {}
    for zone in zones:
        ids = counters[zone.id]
        if ids and all(i in hourly for i in ids):
            out[zone.id] = np.sum([hourly[i] for i in ids], axis=0)
    return out


def state_values(site: Site, states: Sequence[ZoneState], grid: pd.DatetimeIndex) -> dict[str, np.ndarray]:
    """Per zone the hourly mean of the picture: ``people`` (persons), or for flow zones
    ``flow`` x 60 x width_m (passes per hour). Hours with no estimate stay unknown."""
    rows = [(s.zone_id, s.start, s.people, s.flow) for s in states]
    if not rows:
        return {}
    frame = pd.DataFrame(rows, columns=["zone_id", "start", "people", "flow"])
    frame["start"] = pd.to_datetime(frame["start"], utc=True)
    out = {}
    for zone in site.zones:
        part = frame[frame["zone_id"] == zone.id]
        if part.empty:
            continue
        if quantity_of(zone) == "passes_per_hour":
            value = part["flow"].astype(float) * 60.0 * (zone.width_m or 1.0)
        else:
            value = part["people"].astype(float)
        series = pd.Series(value.to_numpy(), index=part["start"]).dropna()
        hourly = series.groupby(pd.DatetimeIndex(series.index).floor("h")).mean()
        out[zone.id] = hourly.reindex(grid).to_numpy(dtype=float)
    return out


def weather_values(site: Site, observations: pd.DataFrame, grid: pd.DatetimeIndex) -> dict[str, np.ndarray]:
    """Hourly weather of the site's weather sensors (mean over sensors): {metric: values}."""
    sensors = [s.id for s in site.sensors if s.kind is SensorKind.WEATHER]
    if not sensors:
        return {}
    obs = observations[observations["sensor_id"].isin(sensors) & (observations["quality"] != "suspect")]
    out = {}
    for metric, how in WEATHER_METRICS.items():
        part = obs[obs["metric"] == metric]
        per_sensor = _hourly(part, grid, how, complete=False)
        if per_sensor:
            with np.errstate(all="ignore"):
                stacked = np.vstack(list(per_sensor.values()))
                known = ~np.isnan(stacked)
                total = np.where(known, stacked, 0.0).sum(axis=0)
                count = known.sum(axis=0)
                out[metric] = np.where(count > 0, total / np.maximum(count, 1), np.nan)
    return out


def _hourly(obs: pd.DataFrame, grid: pd.DatetimeIndex, how: str, complete: bool = True) -> dict[str, np.ndarray]:
    """Per sensor id the hourly ``how`` (sum or mean) of ``value`` on ``grid``; with ``complete``
    an hour whose intervals do not cover all 3600 s is unknown."""
    if obs.empty:
        return {}
    hour = obs["start"].dt.floor("h")
    keys = [obs["sensor_id"].to_numpy(), hour]
    grouped = obs.groupby(keys)
    agg = grouped["value"].sum() if how == "sum" else grouped["value"].mean()
    if complete:
        covered = grouped["interval_s"].sum()
        agg = agg[covered >= 3600]
    out = {}
    for sensor_id, series in agg.groupby(level=0):
        values = pd.Series(series.to_numpy(), index=series.index.get_level_values(1))
        out[str(sensor_id)] = values.reindex(grid).to_numpy(dtype=float)
    return out


def build_history(
    site: Site,
    grid: pd.DatetimeIndex,
    values: dict[str, np.ndarray],
    *,
    weather: dict[str, np.ndarray] | None = None,
    events: Sequence[PlannedEvent] = (),
    future_hours: int = 0,
) -> History:
    """A :class:`History` of the site's zones (those without values are all unknown); the weather
    arrays are padded with ``future_hours`` unknown hours for a forecast to fill in."""
    n = len(grid)
    matrix = np.full((len(site.zones), n), np.nan)
    for i, zone in enumerate(site.zones):
        if zone.id in values:
            matrix[i] = values[zone.id]
    padded = {m: np.concatenate([np.asarray(v, float), np.full(future_hours, np.nan)]) for m, v in (weather or {}).items()}
    return History(tuple(z.id for z in site.zones), grid[0], matrix, site.timezone, padded, tuple(events))


def weather_sensor(site: Site) -> Sensor | None:
    """The site's first weather sensor, or None."""
    return next((s for s in site.sensors if s.kind is SensorKind.WEATHER), None)
