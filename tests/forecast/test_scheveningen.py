"""On the simulated Scheveningen summer the forecast reacts to the weather forecast and to events.

The model learns from the simulator's people per zone (hourly means) with the weather sensor's
observations as the weather and the site's planned events; then the same week ahead is forecast
under two weather forecasts, and with and without a planned event.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest

from crowdsafety.cli.settings import resolve_site_dir
from crowdsafety.domain.events import PlannedEvent
from crowdsafety.forecast import (
    GBMConfig,
    GlobalGBM,
    Requests,
    build_history,
    calendar_of,
    hour_grid,
    weather_values,
)
from crowdsafety.sites import load_site
from crowdsafety.sources.events_toml import load_events

# The history ends at midnight starting Wednesday 26 August 2026 (local time): the forecasts cover
# the rest of that week, with its Saturday and Sunday.
START, END = datetime(2026, 6, 1, tzinfo=UTC), datetime(2026, 8, 25, 22, tzinfo=UTC)
BEACH = ("noorderstrand", "strand_bad", "zuiderstrand")
CONFIG = GBMConfig(groups=((25, 168),), max_rows=40_000, max_calibration_rows=5_000, rounds=80, leaves=31,
                   min_data_in_leaf=20, calibration_days=7, threads=2)


@pytest.fixture(scope="module")
def season():
    sim = pytest.importorskip("crowdsafety.sources.scheveningen_simulator")
    site = load_site(resolve_site_dir("scheveningen"))
    events = load_events(site)
    run = sim.run(site, start=START, end=END, seed=3, events=events, faults=False)
    grid = hour_grid(START, END)
    truth = run.truth.assign(hour=run.truth["start"].dt.floor("h"))
    hourly = truth.groupby(["zone_id", "hour"])["people"].mean()
    values = {z: hourly.loc[z].reindex(grid).to_numpy() for z in hourly.index.levels[0]}
    weather = weather_values(site, run.observations, grid)
    history = build_history(site, grid, values, weather=weather, events=events, future_hours=168)
    model = GlobalGBM(calendar_of(site.timezone), CONFIG)
    model.fit(history, history.n_hours)
    return site, history, model


def _sunday_daytime(history, origin: int) -> np.ndarray:
    """Horizons of 10:00-19:00 local on the Sunday after the origin (30 August)."""
    h = np.arange(25, 169)
    local = history.time_of(origin + h - 1).tz_convert(history.timezone)
    return h[(local.day_of_week == 6) & (local.hour >= 10) & (local.hour < 19)]


def _weather(history, hot: bool) -> dict[str, np.ndarray]:
    n = history.n_hours
    out = {m: v.copy() for m, v in history.weather.items()}
    local_hour = history.time_of(np.arange(len(out["temperature_c"]))).tz_convert(history.timezone).hour.to_numpy()
    future = np.arange(len(out["temperature_c"])) >= n
    day = (local_hour >= 7) & (local_hour < 21)
    out["temperature_c"][future] = np.where(day[future], 29.0, 21.0) if hot else np.where(day[future], 15.0, 13.0)
    out["sunshine_min"][future] = np.where(day[future], 55.0 if hot else 0.0, 0.0)
    out["precipitation_mm"][future] = 0.0 if hot else 2.5
    out["wind_ms"][future] = 3.0 if hot else 9.0
    return out


def test_hot_sunny_sunday_beats_rainy_sunday_on_the_beach(season) -> None:
    _, history, model = season
    origin = history.n_hours
    h = _sunday_daytime(history, origin)
    zones = np.array([history.zone_ids.index(z) for z in BEACH])
    every = Requests.grid(len(history.zone_ids), [origin], h)
    requests = every.subset(np.isin(every.zone, zones))
    assert len(requests) == 3 * 9
    hot = model.predict(history.with_weather(_weather(history, hot=True)), requests).median
    rainy = model.predict(history.with_weather(_weather(history, hot=False)), requests).median
    assert hot.sum() > 1.5 * rainy.sum()
    for z in zones:
        mine = requests.zone == z
        assert hot[mine].sum() > rainy[mine].sum()


def test_a_planned_event_raises_its_zone_only_there_and_then(season) -> None:
    _, history, model = season
    origin = history.n_hours
    local_start = pd.Timestamp("2026-08-29 19:00", tz="Europe/Amsterdam")
    concert = PlannedEvent("beach-concert", "Beach concert (once)", local_start.to_pydatetime(),
                           (local_start + pd.Timedelta(hours=4)).to_pydatetime(),
                           ("noorderstrand",), 20_000)
    weather = _weather(history, hot=True)
    plain = history.with_weather(weather)
    with_event = replace(plain, events=plain.events + (concert,))
    requests = Requests.grid(len(history.zone_ids), [origin], np.arange(25, 169))
    before = model.predict(plain, requests).median
    after = model.predict(with_event, requests).median
    target = history.time_of(requests.target)
    during = (target >= concert.start) & (target < concert.end)
    beach = requests.zone == history.zone_ids.index("noorderstrand")
    assert after[beach & during].sum() > 1.3 * before[beach & during].sum()
    np.testing.assert_allclose(after[~beach], before[~beach])
