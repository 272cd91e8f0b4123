"""Issued forecasts as the store keeps them: one row per zone, model, issue time and target hour.

Quantiles are in the zone's forecast quantity (``quantity``: ``people`` = persons present, or
``passes_per_hour`` = persons passing per hour); a quantile the model does not issue is NULL.
``p_green`` .. ``p_red``: the chance of each colour level (sum 1).
"""

from __future__ import annotations

QUANTILE_COLUMNS: tuple[str, ...] = ("p05", "p10", "p25", "p50", "p75", "p90", "p95")
PROBABILITY_COLUMNS: tuple[str, ...] = ("p_green", "p_yellow", "p_orange", "p_red")
FORECAST_COLUMNS: tuple[str, ...] = (
    "zone_id", "issued_at", "start", "interval_s", "model", "quantity",
    *QUANTILE_COLUMNS, *PROBABILITY_COLUMNS,
)
