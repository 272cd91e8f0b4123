"""The weather ahead for the forecaster, from an Open-Meteo forecast URL or file, kept fresh.

The forecast is fetched on first use and again once it is ``max_age_s`` old. A fetch that fails
(network, malformed answer) is logged and the last good forecast kept; before any good fetch the
weather ahead is unknown (NaN), and the forecast model does without it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

import numpy as np
import pandas as pd

from crowdsafety.domain import CrowdSafetyError
from crowdsafety.sources.feed_fetch import fetch
from crowdsafety.sources.open_meteo import WEATHER_COLUMNS, HourlyWeatherForecast, read_forecast

log = logging.getLogger(__name__)

#: Open-Meteo updates its models hourly.
MAX_AGE_S = 3600.0


class FetchedWeatherForecast:
    """A ``WeatherForecast`` (see :mod:`crowdsafety.service.forecasting`) read from ``location``."""

    def __init__(self, location: str, *, max_age_s: float = MAX_AGE_S,
                 monotonic: Callable[[], float] = time.monotonic):
        self.location = location
        self.max_age_s = max_age_s
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._current: HourlyWeatherForecast | None = None
        self._fetched_at: float | None = None

    def __call__(self, hours: pd.DatetimeIndex) -> dict[str, np.ndarray]:
        with self._lock:
            now = self._monotonic()
            if self._fetched_at is None or now - self._fetched_at >= self.max_age_s:
                self._fetched_at = now  # also after a failure: retry in max_age_s, not every call
                try:
                    feed = read_forecast(fetch(self.location), file=self.location)
                    self._current = HourlyWeatherForecast(feed.hourly)
                    for problem in feed.problems:
                        log.warning("weather forecast: %s", problem)
                except (CrowdSafetyError, OSError, ValueError) as exc:
                    log.warning("weather forecast from %s not updated: %s", self.location, exc)
            current = self._current
        if current is None:
            return {metric: np.full(len(hours), np.nan) for metric in WEATHER_COLUMNS}
        return current(hours)
