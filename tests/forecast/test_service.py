"""The forecasting service on the mini site: issues, stores, reads back, runs in the background."""

from __future__ import annotations

import time
from datetime import timedelta

import pandas as pd
import pytest

from crowdsafety.domain import Level
from crowdsafety.service import ReplayClock, Runtime
from crowdsafety.service.forecasting import Forecaster, forecast_states_at, outlooks_at
from crowdsafety.store import open_store


@pytest.fixture
def runtime(mini_site, now):
    rt = Runtime(mini_site, open_store("duckdb://:memory:"), ReplayClock(now))
    yield rt
    rt.store.close()


def test_refresh_issues_nowcast_and_week_ahead_once_per_hour(runtime: Runtime, hourly_states, settings, now) -> None:
    runtime.store.put_zone_states(hourly_states(runtime.site, 30))
    forecaster = Forecaster(runtime, settings)
    assert forecaster.refresh() == 2 * (3 + 168)
    assert type(forecaster.model).__name__ == "GlobalGBM"
    assert forecaster.refresh() == 0  # same hour: nothing new to say
    runtime.clock.advance(3600)
    assert forecaster.refresh(ahead=False) == 2 * 3
    stored = runtime.store.forecasts(start=now - timedelta(hours=1), end=now + timedelta(days=8), latest_only=False)
    assert set(stored["issued_at"]) == {pd.Timestamp(now), pd.Timestamp(now + timedelta(hours=1))}


def test_forecast_states_for_a_future_hour(runtime: Runtime, hourly_states, settings, now) -> None:
    runtime.store.put_zone_states(hourly_states(runtime.site, 30))
    Forecaster(runtime, settings).refresh()
    states = forecast_states_at(runtime, now + timedelta(hours=5))
    assert set(states) == {"beach", "square"}
    square = states["square"]
    assert square.quantity == "people" and square.p10 <= square.p50 <= square.p90
    assert sum(square.probabilities.values()) == pytest.approx(1.0)
    assert square.level is max(square.probabilities, key=square.probabilities.get)
    beach = states["beach"]
    assert beach.p50_basis == pytest.approx(beach.p50 / runtime.site.zone("beach").area_m2)
    assert forecast_states_at(runtime, now + timedelta(days=30)) == {}
    outlooks = outlooks_at(runtime, now, hours=6)
    assert {o.zone_id for o in outlooks} == {"beach", "square"}
    assert all(o.start > now for o in outlooks)
    assert all(o.p(Level.RED) <= o.p(Level.ORANGE) <= o.p(Level.YELLOW) <= 1.0 for o in outlooks)


def test_short_history_falls_back_to_seasonal_naive(runtime: Runtime, hourly_states, settings, now) -> None:
    runtime.store.put_zone_states(hourly_states(runtime.site, 10))
    forecaster = Forecaster(runtime, settings)
    assert forecaster.refresh() > 0
    assert type(forecaster.model).__name__ == "SeasonalNaive"


def test_no_history_issues_nothing(runtime: Runtime, hourly_states, settings, now) -> None:
    assert Forecaster(runtime, settings).refresh() == 0


def test_background_thread_issues_and_stops(runtime: Runtime, hourly_states, settings, now) -> None:
    runtime.store.put_zone_states(hourly_states(runtime.site, 10))
    forecaster = Forecaster(runtime, settings)
    forecaster.start(nowcast_every_s=0.05, ahead_every_s=0.05)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and runtime.store.forecasts(start=now, end=now + timedelta(days=8)).empty:
        time.sleep(0.05)
    forecaster.stop()
    assert not runtime.store.forecasts(start=now, end=now + timedelta(days=8)).empty


def test_the_service_model_stays_small_in_every_horizon_group() -> None:
    """The live service retrains in seconds: no group takes the batch model's larger settings."""
    from crowdsafety.service.forecasting import ForecastSettings

    model = ForecastSettings().model
    assert {model.for_group(group) for group in model.groups} == {model}
    assert model.max_rows == 60_000
