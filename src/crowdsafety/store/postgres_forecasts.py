"""SQL of issued forecasts in the PostgreSQL store.

A put stages the rows by COPY and upserts them: a re-issue with the same (zone_id, model,
issued_at, start) replaces the earlier row; rows of other issue times are kept, so every
forecast can be judged later against what happened.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import pandas as pd
import psycopg
import pyarrow as pa

from crowdsafety.store.duckdb_forecasts import checked  # backend-neutral: the frame check both stores use
from crowdsafety.store.forecast_rows import FORECAST_COLUMNS, PROBABILITY_COLUMNS, QUANTILE_COLUMNS
from crowdsafety.store.postgres_frames import arrow_table, copy_in, query_frame

FORECAST_SCHEMA = pa.schema(
    [
        ("zone_id", pa.string()),
        ("issued_at", pa.timestamp("us", tz="UTC")),
        ("start", pa.timestamp("us", tz="UTC")),
        ("interval_s", pa.int64()),
        ("model", pa.string()),
        ("quantity", pa.string()),
        *((c, pa.float64()) for c in QUANTILE_COLUMNS + PROBABILITY_COLUMNS),
    ]
)
_SELECT = ", ".join(FORECAST_COLUMNS)
_KEY = ("zone_id", "model", "issued_at", "start")
_UPSERT = (
    f"INSERT INTO forecasts ({_SELECT}) SELECT {_SELECT} FROM _forecasts "
    f"ON CONFLICT ({', '.join(_KEY)}) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in FORECAST_COLUMNS if c not in _KEY)
)

__all__ = ["FORECAST_SCHEMA", "STAGING_DDL", "checked", "forecasts", "put_forecasts"]


#: The staging table, created once per pooled connection; emptied when each transaction ends.
STAGING_DDL = "CREATE TEMPORARY TABLE _forecasts (LIKE forecasts) ON COMMIT DELETE ROWS"


def put_forecasts(conn: psycopg.Connection, rows: pd.DataFrame) -> int:
    """Insert or replace ``rows`` (from :func:`checked`) in the caller's transaction; returns their number."""
    copy_in(conn, "_forecasts", arrow_table(rows, FORECAST_SCHEMA, "forecast"))
    return conn.execute(_UPSERT).rowcount


def forecasts(
    conn: psycopg.Connection,
    *,
    start: datetime,
    end: datetime,
    zone_ids: Sequence[str] | None,
    model: str | None,
    issued_by: datetime | None,
    latest_only: bool,
) -> pd.DataFrame:
    """Forecast rows for targets in [start, end) (see ``Store.forecasts``)."""
    where = "start >= %s AND start < %s"
    params: list[Any] = [start, end]
    for clause, value in (
        ("zone_id = ANY(%s::text[])", None if zone_ids is None else list(zone_ids)),
        ("model = %s", model),
        ("issued_at <= %s", issued_by),
    ):
        if value is not None:
            where += f" AND {clause}"
            params.append(value)
    distinct = "DISTINCT ON (zone_id, model, start)" if latest_only else ""
    order = "issued_at DESC" if latest_only else "issued_at"
    query = f"SELECT {distinct} {_SELECT} FROM forecasts WHERE {where} ORDER BY zone_id, model, start, {order}"
    return query_frame(conn, query, params, FORECAST_SCHEMA)
