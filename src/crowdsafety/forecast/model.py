"""The model interface: fit on a history, predict quantiles for (zone, origin, horizon) rows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import pandas as pd

from crowdsafety.forecast.history import History

#: Quantile levels the default model issues; P10-P90 is the 80 % interval.
QUANTILES: tuple[float, ...] = (0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95)
#: Columns of a forecast frame (quantiles in the zone's quantity, see ``history.quantity_of``).
FORECAST_COLUMNS: tuple[str, ...] = ("zone_id", "issued_at", "start", "horizon", "model")


@dataclass(frozen=True)
class Requests:
    """Rows to forecast: zone index, origin index (issue time = start of that hour) and horizon
    (1 = the hour starting at the origin); target index = origin + horizon - 1."""

    zone: np.ndarray
    origin: np.ndarray
    horizon: np.ndarray

    @property
    def target(self) -> np.ndarray:
        return self.origin + self.horizon - 1

    def __len__(self) -> int:
        return len(self.zone)

    def subset(self, mask: np.ndarray) -> Requests:
        return Requests(self.zone[mask], self.origin[mask], self.horizon[mask])

    @classmethod
    def grid(cls, n_zones: int, origins: Sequence[int] | np.ndarray, horizons: Sequence[int] | np.ndarray) -> Requests:
        """Every zone x origin x horizon."""
        z, o, h = np.meshgrid(np.arange(n_zones), np.asarray(origins), np.asarray(horizons), indexing="ij")
        return cls(z.ravel().astype(np.int64), o.ravel().astype(np.int64), h.ravel().astype(np.int64))


@dataclass(frozen=True)
class Forecasts:
    """Quantiles (rows x levels, non-decreasing along a row) for ``requests``; NaN where the
    model has nothing to say."""

    requests: Requests
    levels: tuple[float, ...]
    values: np.ndarray

    def quantile(self, level: float) -> np.ndarray:
        return self.values[:, self.levels.index(level)]

    @property
    def median(self) -> np.ndarray:
        return self.quantile(0.5)

    def frame(self, history: History, model: str) -> pd.DataFrame:
        """One row per request: ``FORECAST_COLUMNS`` then ``p05`` .. ``p95``."""
        r = self.requests
        out = pd.DataFrame({
            "zone_id": np.asarray(history.zone_ids, dtype=object)[r.zone],
            "issued_at": history.time_of(r.origin),
            "start": history.time_of(r.target),
            "horizon": r.horizon,
            "model": model,
        })
        for j, level in enumerate(self.levels):
            out[quantile_column(level)] = self.values[:, j]
        return out


def quantile_column(level: float) -> str:
    """``0.1`` -> ``"p10"``, ``0.05`` -> ``"p05"``."""
    return f"p{round(level * 100):02d}"


class ForecastModel(Protocol):
    """A forecaster: ``fit`` learns from the hours of ``history`` before ``end``; ``predict``
    uses, for each request, only hours before its origin."""

    name: str

    def fit(self, history: History, end: int) -> None:
        ...

    def predict(self, history: History, requests: Requests) -> Forecasts:
        ...
