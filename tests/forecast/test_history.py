"""Hourly zone series from observations and zone states; unit conversions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from crowdsafety.domain import (
    DataStatus,
    LevelThresholds,
    Sensor,
    SensorKind,
    Site,
    Zone,
    ZoneState,
)
from crowdsafety.forecast import (
    flow_values,
    hour_grid,
    quantity_of,
    state_values,
    to_basis,
    weather_values,
)
from crowdsafety.forecast.history import from_basis

SQUARE = {"type": "Polygon", "coordinates": [[[4.0, 52.0], [4.001, 52.0], [4.001, 52.001], [4.0, 52.0]]]}
T0 = datetime(2026, 7, 5, 10, 0, tzinfo=UTC)


def _site() -> Site:
    path = Zone("path", "Path", SQUARE, 600.0, LevelThresholds.fruin_flow(), width_m=4.0)
    plaza = Zone("plaza", "Plaza", SQUARE, 2000.0, LevelThresholds.fruin_density())
    sensors = (Sensor("lc-a", SensorKind.LINE_COUNT, ("path",)), Sensor("lc-b", SensorKind.LINE_COUNT, ("path",)),
               Sensor("cam", SensorKind.ZONE_COUNT, ("plaza",)), Sensor("wx", SensorKind.WEATHER))
    return Site("t", "T", "Europe/Amsterdam", 300, (path, plaza), sensors)


def _obs(sensor: str, metric: str, starts: pd.DatetimeIndex, values) -> pd.DataFrame:
    return pd.DataFrame({"sensor_id": sensor, "start": starts, "interval_s": 300, "metric": metric,
                         "value": np.broadcast_to(values, len(starts)).astype(float), "quality": "ok",
                         "received_at": starts + pd.Timedelta(minutes=5)})


def test_flow_zone_passes_per_hour_need_every_counter_and_interval() -> None:
    site = _site()
    starts = pd.date_range(T0, periods=36, freq="5min")  # three hours
    obs = pd.concat([_obs("lc-a", "passes", starts, 10), _obs("lc-b", "passes", starts.delete(20), 5),
                     _obs("lc-a", "in", starts, 99)])
    grid = hour_grid(T0, T0 + timedelta(hours=3))
    values = flow_values(site, obs, grid)
    assert set(values) == {"path"}
    np.testing.assert_array_equal(values["path"], [180.0, np.nan, 180.0])  # hour 2 misses one of lc-b's intervals


def test_state_values_are_hourly_means_and_flow_becomes_passes() -> None:
    site = _site()
    states = [ZoneState("plaza", T0 + timedelta(minutes=5 * i), 300, float(i), None, None, None, DataStatus.OK)
              for i in range(12)]
    states += [ZoneState("path", T0, 300, 3.0, None, None, None, DataStatus.OK, flow=2.0)]
    states += [ZoneState("plaza", T0 + timedelta(hours=1), 300, None, None, None, None, DataStatus.NO_DATA)]
    values = state_values(site, states, hour_grid(T0, T0 + timedelta(hours=2)))
    np.testing.assert_array_equal(values["plaza"], [5.5, np.nan])
    assert values["path"][0] == pytest.approx(2.0 * 60 * 4.0)


def test_weather_sums_rain_and_averages_temperature() -> None:
    site = _site()
    starts = pd.date_range(T0, periods=12, freq="5min")
    obs = pd.concat([_obs("wx", "precipitation_mm", starts, 0.5), _obs("wx", "temperature_c", starts, np.arange(12))])
    weather = weather_values(site, obs, hour_grid(T0, T0 + timedelta(hours=1)))
    assert weather["precipitation_mm"][0] == pytest.approx(6.0)
    assert weather["temperature_c"][0] == pytest.approx(5.5)
    assert "wind_ms" not in weather


def test_quantities_and_units() -> None:
    path, plaza = _site().zones
    assert (quantity_of(path), quantity_of(plaza)) == ("passes_per_hour", "people")
    assert to_basis(path, 960.0) == pytest.approx(4.0)  # 960 passes/h over 4 m: 4 persons/m/min
    assert to_basis(plaza, 1000.0) == pytest.approx(0.5)
    assert from_basis(path, to_basis(path, 123.0)) == pytest.approx(123.0)
