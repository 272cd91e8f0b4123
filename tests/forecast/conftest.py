"""Small synthetic histories (daily and weekly rhythm, a level per zone, noise) and hourly zone
states of the mini site for the service and api tests."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest

from crowdsafety.domain import DataStatus, Site, ZoneState
from crowdsafety.forecast import GBMConfig, History
from crowdsafety.service.forecasting import ForecastSettings

START = pd.Timestamp("2026-01-05 00:00", tz="UTC")  # a Monday


def rhythm(hours: pd.DatetimeIndex, timezone: str = "Europe/Amsterdam") -> np.ndarray:
    """Busy afternoons, quiet nights, busier weekends (between 0.05 and ~1.3)."""
    local = hours.tz_convert(timezone)
    day = np.clip(np.sin(np.pi * (local.hour.to_numpy() - 6) / 16), 0.05, None)
    weekend = np.where(local.day_of_week.to_numpy() >= 5, 1.3, 1.0)
    return day * weekend


def synthetic(weeks: int = 14, levels: tuple[float, ...] = (300.0, 80.0, 1500.0), seed: int = 0,
              zone_ids: tuple[str, ...] | None = None, noise: float = 0.1) -> History:
    rng = np.random.default_rng(seed)
    hours = pd.date_range(START, periods=weeks * 168, freq="h")
    shape = rhythm(hours)
    values = np.vstack([level * shape * np.exp(noise * rng.standard_normal(len(hours))) for level in levels])
    ids = zone_ids or tuple(f"z{i}" for i in range(len(levels)))
    return History(ids, hours[0], np.round(values), "Europe/Amsterdam")


@pytest.fixture(scope="module")
def history() -> History:
    return synthetic()


SERVICE_NOW = datetime(2026, 7, 5, 12, 20, tzinfo=UTC)
PEAK = {"beach": 4000.0, "square": 180.0}


@pytest.fixture
def now() -> datetime:
    return SERVICE_NOW


@pytest.fixture
def settings() -> ForecastSettings:
    """A small, quick model for the service tests."""
    return ForecastSettings(history_days=35, min_gbm_days=21, model=GBMConfig(
        max_rows=8_000, max_calibration_rows=4_000, rounds=30, leaves=15, min_data_in_leaf=20, calibration_days=7,
        threads=1, group_settings=()))


@pytest.fixture
def hourly_states() -> Callable[[Site, int], list[ZoneState]]:
    """``make(site, days)``: hourly states of the mini site's zones for ``days`` days before now."""

    def make(site: Site, days: int) -> list[ZoneState]:
        end = pd.Timestamp(SERVICE_NOW).floor("h")
        hours = pd.date_range(end - pd.Timedelta(days=days), end, freq="h", inclusive="left")
        rng = np.random.default_rng(0)
        out = []
        for zone in site.zones:
            people = PEAK[zone.id] * rhythm(hours) * np.exp(0.1 * rng.standard_normal(len(hours)))
            out += [ZoneState(zone.id, start.to_pydatetime(), 3600, float(p), float(p) / zone.area_m2,
                              zone.thresholds.level(float(p)), None, DataStatus.OK) for start, p in zip(hours, people)]
        return out

    return make
