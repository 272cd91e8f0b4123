"""SQL of issued forecasts in the DuckDB store.

Functions take the store's connection (held under its lock, inside its error translation). A
re-issue with the same (zone_id, model, issued_at, start) replaces the earlier row; rows of other
issue times are kept, so every forecast can be judged later against what happened.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import duckdb
import pandas as pd

from crowdsafety.domain import StoreError
from crowdsafety.store.forecast_rows import (
    FORECAST_COLUMNS,
    PROBABILITY_COLUMNS,
    QUANTILE_COLUMNS,
)

FORECAST_DDL: tuple[str, ...] = (
    f"""
    CREATE TABLE IF NOT EXISTS forecasts (
        zone_id VARCHAR NOT NULL,
        issued_at TIMESTAMPTZ NOT NULL,
        start TIMESTAMPTZ NOT NULL,
        interval_s BIGINT NOT NULL,
        model VARCHAR NOT NULL,
        quantity VARCHAR NOT NULL,
        {", ".join(f"{c} DOUBLE" for c in QUANTILE_COLUMNS + PROBABILITY_COLUMNS)},
        PRIMARY KEY (zone_id, model, issued_at, start)
    )
    """,
)

_SELECT = ", ".join(FORECAST_COLUMNS)


def checked(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with exactly ``FORECAST_COLUMNS`` (missing quantiles NULL), one row per key."""
    required = ("zone_id", "issued_at", "start", "interval_s", "model", "quantity", "p50", *PROBABILITY_COLUMNS)
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise StoreError(f"forecast frame lacks columns {missing}")
    for column in ("issued_at", "start"):
        if not isinstance(frame[column].dtype, pd.DatetimeTZDtype):
            raise StoreError(f"forecast column {column!r} must hold tz-aware datetimes, got dtype {frame[column].dtype}")
    out = frame.reindex(columns=list(FORECAST_COLUMNS))
    for column in ("issued_at", "start"):
        out[column] = out[column].dt.tz_convert("UTC")
    out = out.astype({"zone_id": str, "model": str, "quantity": str, "interval_s": "int64"})
    out[list(QUANTILE_COLUMNS + PROBABILITY_COLUMNS)] = out[list(QUANTILE_COLUMNS + PROBABILITY_COLUMNS)].astype(float)
    return out.drop_duplicates(["zone_id", "model", "issued_at", "start"], keep="last")


def put_forecasts(con: duckdb.DuckDBPyConnection) -> int:
    """Insert or replace the rows of the registered view ``_forecasts``; returns their number."""
    rows = con.execute(f"INSERT OR REPLACE INTO forecasts SELECT {_SELECT} FROM _forecasts").fetchall()
    return int(rows[0][0]) if rows else 0


def forecasts(
    con: duckdb.DuckDBPyConnection,
    *,
    start: datetime,
    end: datetime,
    zone_ids: Sequence[str] | None,
    model: str | None,
    issued_by: datetime | None,
    latest_only: bool,
) -> pd.DataFrame:
    """Forecast rows for targets in [start, end) (see ``Store.forecasts``)."""
    where = "start >= ? AND start < ?"
    params: list[Any] = [start, end]
    if zone_ids is not None:
        where += " AND list_contains(?, zone_id)"
        params.append(list(zone_ids))
    if model is not None:
        where += " AND model = ?"
        params.append(model)
    if issued_by is not None:
        where += " AND issued_at <= ?"
        params.append(issued_by)
    latest = (
        "QUALIFY row_number() OVER (PARTITION BY zone_id, model, start ORDER BY issued_at DESC) = 1"
        if latest_only else ""
    )
    frame = con.execute(
        f"SELECT {_SELECT} FROM forecasts WHERE {where} {latest} ORDER BY zone_id, model, start, issued_at",
        params,
    ).df()
    for column in ("issued_at", "start"):
        frame[column] = pd.to_datetime(frame[column], utc=True)
    if frame.empty:
        frame = frame.astype({"zone_id": "str", "model": "str", "quantity": "str"})
    return frame
