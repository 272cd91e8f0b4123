import numpy as np
import pandas as pd
import pytest

from crowdsafety.picture.grid import NEVER, build_grid, to_ns
from crowdsafety.picture.index import site_index

from .builders import INTERVAL_S, at, frame


def _grid(site_, rows, *, first=0, n=2, until=None):
    return build_grid(site_index(site_), frame(rows), origin_ns=to_ns(at(first)), n_intervals=n,
                      until_ns=None if until is None else to_ns(at(until)))


def test_rows_land_on_interval_and_column(beach):
    grid = _grid(beach, [("cam", 0, "count", 5), ("wifi", 1, "devices", 7), ("weather", 1, "wind_ms", 3)])
    np.testing.assert_array_equal(grid.values, [[5.0, np.nan], [np.nan, 7.0]])
    assert grid.reported.tolist() == [[True, False, False], [False, True, True]]
    assert grid.starts_ns.tolist() == [to_ns(at(0)), to_ns(at(1))]


def test_unknown_sensors_metrics_and_other_interval_lengths_are_ignored(beach):
    rows = frame([("ghost", 0, "count", 5), ("cam", 0, "wind_ms", 1), ("wifi", 0, "devices", 2)])
    rows.loc[2, "interval_s"] = INTERVAL_S * 2
    grid = build_grid(site_index(beach), rows, origin_ns=to_ns(at(0)), n_intervals=1)
    assert np.isnan(grid.values).all()
    assert grid.reported.tolist() == [[True, False, False]]  # cam is alive, though its metric is unknown


def test_history_before_the_origin_is_remembered_and_data_after_until_dropped(beach):
    grid = _grid(beach, [("cam", -5, "count", 1), ("cam", -2, "count", 1), ("wifi", 1, "devices", 1)], until=1)
    assert grid.seen_before_ns.tolist() == [to_ns(at(-2)), NEVER, NEVER]
    assert not grid.reported.any()


def test_suspect_and_non_finite_values_are_not_usable(beach):
    grid = _grid(beach, [("cam", 0, "count", 5, "suspect"), ("wifi", 0, "devices", float("inf"))], n=1)
    assert grid.usable.tolist() == [[False, False]]
    assert grid.values[0, 0] == 5.0


def test_naive_times_are_refused(beach):
    naive = frame([("cam", 0, "count", 5)])
    naive["start"] = naive["start"].dt.tz_localize(None)
    with pytest.raises(ValueError, match="tz-aware"):
        build_grid(site_index(beach), naive, origin_ns=to_ns(at(0)), n_intervals=1)
    with pytest.raises(ValueError, match="time zone"):
        to_ns(pd.Timestamp("2024-07-01"))
