"""Baselines: seasonal naive and the linear nowcast exactly as defined; MSTL gives ordered quantiles."""

from __future__ import annotations

import numpy as np

from crowdsafety.forecast import (
    History,
    LinearNowcast,
    MSTLBaseline,
    Requests,
    SeasonalNaive,
)
from crowdsafety.forecast.baselines import MSTLConfig


def test_seasonal_naive_is_exactly_the_value_168_hours_before(history: History) -> None:
    model = SeasonalNaive()
    model.fit(history, 12 * 168)
    requests = Requests.grid(3, [12 * 168, 12 * 168 + 5], range(1, 169))
    forecasts = model.predict(history, requests)
    np.testing.assert_array_equal(forecasts.median, history.values[requests.zone, requests.target - 168])
    assert (np.diff(forecasts.values, axis=1) >= 0).all()


def test_linear_nowcast_continues_a_straight_line() -> None:
    values = np.tile(np.arange(200, dtype=float) * 3.0 + 10.0, (1, 1))
    history = History(("a",), __import__("pandas").Timestamp("2026-01-01", tz="UTC"), values, "UTC")
    requests = Requests.grid(1, [150], [1, 2, 3])
    point = LinearNowcast().point(history.values, requests)
    np.testing.assert_allclose(point, values[0, [150, 151, 152]])


def test_linear_nowcast_needs_four_of_its_eight_hours(history: History) -> None:
    values = history.values.copy()
    values[0, 1000 - 8: 1000 - 3] = np.nan
    point = LinearNowcast().point(values, Requests.grid(3, [1000], [1]))
    assert np.isnan(point[0]) and np.isfinite(point[1:]).all()


def test_mstl_quantiles_are_ordered_and_track_the_rhythm(history: History) -> None:
    model = MSTLBaseline(MSTLConfig(workers=1))
    origin = 12 * 168
    requests = Requests(np.array([0, 0, 0, 0]), np.array([origin, origin, origin + 3, origin + 3]), np.array([1, 14, 1, 2]))
    forecasts = model.predict(history, requests)
    assert (np.diff(forecasts.values, axis=1) >= 0).all()
    actual = history.values[0, requests.target]
    assert np.all(np.abs(forecasts.median - actual) < 0.5 * actual + 30)
