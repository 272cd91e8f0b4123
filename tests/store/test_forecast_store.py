"""Issued forecasts in every store backend: stored with their issue time, latest wins on read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pytest

from crowdsafety.domain import StoreError
from crowdsafety.store import Store
from crowdsafety.store.forecast_rows import FORECAST_COLUMNS

if TYPE_CHECKING:
    from conftest import Backend

T0 = datetime(2026, 7, 5, 10, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def issue(issued_at: datetime, p50: float, hours: int = 3, zone: str = "pier", model: str = "lightgbm") -> pd.DataFrame:
    starts = pd.date_range(issued_at, periods=hours, freq="h")
    return pd.DataFrame({
        "zone_id": zone, "issued_at": pd.Timestamp(issued_at), "start": starts, "interval_s": 3600,
        "model": model, "quantity": "people", "p10": p50 * 0.8, "p50": p50 + np.arange(hours), "p90": p50 * 1.2,
        "p_green": 0.7, "p_yellow": 0.2, "p_orange": 0.1, "p_red": 0.0,
    })


def test_latest_issue_wins_and_older_issues_are_kept(store: Store) -> None:
    assert store.put_forecasts(issue(T0, 100.0)) == 3
    store.put_forecasts(issue(T0 + HOUR, 200.0))
    latest = store.forecasts(start=T0, end=T0 + 5 * HOUR)
    assert list(latest.columns) == list(FORECAST_COLUMNS)
    assert latest["p50"].tolist() == [100.0, 200.0, 201.0, 202.0]
    assert latest["issued_at"].tolist() == [pd.Timestamp(T0)] + [pd.Timestamp(T0 + HOUR)] * 3
    every = store.forecasts(start=T0, end=T0 + 5 * HOUR, latest_only=False)
    assert len(every) == 6
    assert np.isnan(every["p25"]).all()  # a quantile the model did not issue stays NULL


def test_issued_by_gives_what_was_known_then(store: Store) -> None:
    store.put_forecasts(issue(T0, 100.0))
    store.put_forecasts(issue(T0 + HOUR, 200.0))
    then = store.forecasts(start=T0, end=T0 + 5 * HOUR, issued_by=T0 + timedelta(minutes=30))
    assert then["p50"].tolist() == [100.0, 101.0, 102.0]


def test_reissue_replaces_same_key_and_filters(store: Store) -> None:
    store.put_forecasts(issue(T0, 100.0))
    store.put_forecasts(issue(T0, 150.0))
    store.put_forecasts(issue(T0, 5.0, zone="beach"))
    store.put_forecasts(issue(T0, 7.0, model="seasonal_naive"))
    rows = store.forecasts(start=T0, end=T0 + 5 * HOUR, zone_ids=["pier"], model="lightgbm", latest_only=False)
    assert rows["p50"].tolist() == [150.0, 151.0, 152.0]
    assert set(store.forecasts(start=T0, end=T0 + 5 * HOUR)["zone_id"]) == {"pier", "beach"}


def test_empty_results_and_bad_frames(store: Store) -> None:
    assert store.forecasts(start=T0, end=T0 + HOUR).empty
    assert store.put_forecasts(issue(T0, 1.0).iloc[:0]) == 0
    with pytest.raises(StoreError, match="lacks columns"):
        store.put_forecasts(issue(T0, 1.0).drop(columns=["p50"]))
    naive = issue(T0, 1.0).assign(start=lambda f: f["start"].dt.tz_localize(None))
    with pytest.raises(StoreError, match="tz-aware"):
        store.put_forecasts(naive)
    with pytest.raises(StoreError, match="time zone"):
        store.forecasts(start=datetime(2026, 7, 5), end=T0)


def test_forecasts_survive_reopening(backend: Backend) -> None:
    if not backend.persistent:
        pytest.skip("in-memory store")
    first = backend.open()
    first.put_forecasts(issue(T0, 100.0))
    first.close()
    second = backend.open()
    try:
        assert second.forecasts(start=T0, end=T0 + 5 * HOUR)["p50"].tolist() == [100.0, 101.0, 102.0]
    finally:
        second.close()
