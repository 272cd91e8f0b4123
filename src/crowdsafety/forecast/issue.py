"""Issue forecasts: quantiles and colour-level chances per zone and target hour, as rows."""

from __future__ import annotations

import numpy as np
import pandas as pd

from crowdsafety.domain import Site
from crowdsafety.forecast.history import History, quantity_of
from crowdsafety.forecast.levels import LEVELS, level_probabilities, zone_bounds
from crowdsafety.forecast.model import ForecastModel, Forecasts, Requests

#: Columns of issued rows: the frame the store's ``put_forecasts`` takes (quantiles p05..p95).
PROBABILITY_COLUMNS = tuple(f"p_{level.value}" for level in LEVELS)


def issue(site: Site, history: History, model: ForecastModel, origin: int, horizons: range,
          issued_at: pd.Timestamp | None = None) -> pd.DataFrame:
    """Forecast every zone from ``origin`` (grid index) over ``horizons``; one row per zone and
    target hour with the quantiles, ``quantity`` and the chance of each level."""
    requests = Requests.grid(len(history.zone_ids), [origin], list(horizons))
    return issued_rows(site, history, model.predict(history, requests), model.name, issued_at)


def issued_rows(site: Site, history: History, forecasts: Forecasts, model: str,
                issued_at: pd.Timestamp | None = None) -> pd.DataFrame:
    """Rows of ``forecasts`` (see :func:`issue`); ``issued_at`` defaults to the origin hour.
    Zones without a forecast are left out."""
    frame = forecasts.frame(history, model)
    zones = [site.zone(z) for z in history.zone_ids]
    bounds = np.vstack([zone_bounds(z) for z in zones])[forecasts.requests.zone]
    probabilities = level_probabilities(forecasts.values, forecasts.levels, bounds)
    for j, column in enumerate(PROBABILITY_COLUMNS):
        frame[column] = probabilities[:, j]
    frame["quantity"] = [quantity_of(zones[z]) for z in forecasts.requests.zone]
    frame["interval_s"] = 3600
    if issued_at is not None:
        frame["issued_at"] = pd.Timestamp(issued_at).tz_convert("UTC")
    return frame[~np.isnan(forecasts.median)].reset_index(drop=True)
