"""The forecaster's weather ahead from an Open-Meteo file: read, refreshed when old, kept on failure."""

import logging
import shutil
from pathlib import Path

import numpy as np
import pandas as pd

from crowdsafety.service.weather_feed import FetchedWeatherForecast

SAMPLE = Path(__file__).parents[1] / "sources" / "fixtures" / "open_meteo" / "forecast_subset__frenck-python-open-meteo.json"


def test_reads_refreshes_and_keeps_the_last_good_forecast(tmp_path, caplog):
    path = tmp_path / "forecast.json"
    shutil.copy(SAMPLE, path)
    clock = [0.0]
    weather = FetchedWeatherForecast(str(path), max_age_s=60, monotonic=lambda: clock[0])
    assert weather._current is None
    probe = weather(pd.date_range("2000-01-01", periods=2, freq="h", tz="UTC"))
    assert all(np.isnan(v).all() for v in probe.values())  # hours the forecast does not cover
    hours = weather._current.hourly.index[1:4]  # the first hour has no start value to average
    good = weather(hours)
    assert np.isfinite(good["temperature_c"]).all()
    path.write_text("{ not json")
    clock[0] = 61.0
    with caplog.at_level(logging.WARNING):
        again = weather(hours)
    assert "not updated" in caplog.text
    np.testing.assert_array_equal(again["temperature_c"], good["temperature_c"])


def test_unknown_before_any_good_fetch(tmp_path):
    weather = FetchedWeatherForecast(str(tmp_path / "missing.json"))
    out = weather(pd.date_range("2026-07-01", periods=4, freq="h", tz="UTC"))
    assert set(out) >= {"temperature_c", "precipitation_mm", "sunshine_min", "wind_ms"}
    assert all(np.isnan(v).all() and len(v) == 4 for v in out.values())
