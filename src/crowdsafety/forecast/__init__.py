"""The forecast stage: per zone and hour, quantiles of what comes, hours to a week ahead.

Handed an hourly :class:`History` of the zones (built from observations or the picture), a
:class:`ForecastModel` fits on its past and predicts quantiles for (zone, origin, horizon)
requests, never looking at an hour at or after a request's origin. :class:`GlobalGBM` is the
default model; :mod:`.baselines` holds the seasonal naive, the Amsterdam-style linear nowcast and
MSTL; :mod:`.backtest` scores them with rolling origins; :mod:`.levels` turns quantiles into the
chance of each colour level.
"""

from crowdsafety.forecast.backtest import BacktestResult, ModelSpec, Plan, plan, run
from crowdsafety.forecast.baselines import LinearNowcast, MSTLBaseline, SeasonalNaive
from crowdsafety.forecast.calendar import HolidayCalendar, calendar_of
from crowdsafety.forecast.gbm import GBMConfig, GlobalGBM
from crowdsafety.forecast.history import (
    History,
    build_history,
    flow_values,
    hour_grid,
    quantity_of,
    state_values,
    to_basis,
    weather_values,
)
from crowdsafety.forecast.issue import PROBABILITY_COLUMNS, issue, issued_rows
from crowdsafety.forecast.levels import LEVELS, level_probabilities, zone_bounds
from crowdsafety.forecast.model import QUANTILES, ForecastModel, Forecasts, Requests

__all__ = [
    "LEVELS",
    "PROBABILITY_COLUMNS",
    "QUANTILES",
    "BacktestResult",
    "ForecastModel",
    "Forecasts",
    "GBMConfig",
    "GlobalGBM",
    "History",
    "HolidayCalendar",
    "LinearNowcast",
    "MSTLBaseline",
    "ModelSpec",
    "Plan",
    "Requests",
    "SeasonalNaive",
    "build_history",
    "calendar_of",
    "flow_values",
    "hour_grid",
    "issue",
    "issued_rows",
    "level_probabilities",
    "plan",
    "quantity_of",
    "run",
    "state_values",
    "to_basis",
    "weather_values",
    "zone_bounds",
]
