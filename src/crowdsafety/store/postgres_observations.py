"""SQL of raw observations in the PostgreSQL store: bulk append with duplicates and corrections,
reads, retention.

The rules are the DuckDB store's: a row is an exact duplicate when the same key and value is
stored or came earlier in the batch; any other row is stored, as a correction when its key
already had a value; a read with ``latest_only`` takes per key the highest ``received_at``, then
the highest ``seq``.

An append is one transaction. The client drops the batch's own exact duplicates (keeping the
first by position, as DuckDB does) and flags each key's first row, work that would otherwise
cost the shared server a sort; the rest goes by binary COPY into the connection's temporary
staging table (:data:`STAGING_DDL`). Then the store's observation lock is taken (appends from
every process and thread run one at a time, and each sees everything stored before it),
``seq`` numbers are drawn (position in the batch, so arrival order holds), and one
``INSERT ... SELECT`` stores the rows whose key and value are not stored yet. When it stored any,
the same transaction lowers the dirty-since mark (``picture_dirty``) to their earliest start;
:func:`take_dirty_since` reads and empties it in one statement.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
import psycopg
import pyarrow as pa
import pyarrow.compute as pc

from crowdsafety.domain import OBSERVATION_COLUMNS, StoreError
from crowdsafety.store.base import AppendResult
from crowdsafety.store.postgres_frames import arrow_table, copy_in, query_frame
from crowdsafety.store.postgres_schema import LOCK_OBSERVATIONS, lock
from crowdsafety.store.schema import DIRTY_TABLE

OBSERVATION_SCHEMA = pa.schema(
    [
        ("sensor_id", pa.string()),
        ("start", pa.timestamp("us", tz="UTC")),
        ("interval_s", pa.int64()),
        ("metric", pa.string()),
        ("value", pa.float64()),
        ("quality", pa.string()),
        ("received_at", pa.timestamp("us", tz="UTC")),
    ]
)

_COLUMNS = "sensor_id, start, interval_s, metric, value, quality, received_at"
_SAME_KEY = (
    "o.start = {r}.start AND o.sensor_id = {r}.sensor_id AND o.metric = {r}.metric "
    "AND o.interval_s = {r}.interval_s AND o.start BETWEEN %(lo)s AND %(hi)s"
)

#: Memory for one sort or hash (a read's, an append's) in the transaction, so it need not spill.
SORT_MEMORY = "256MB"

#: The staging table, created once per pooled connection; emptied when each transaction ends.
STAGING_DDL = """
    CREATE TEMPORARY TABLE _batch (
        sensor_id text COLLATE "C" NOT NULL,
        start timestamptz NOT NULL,
        interval_s bigint NOT NULL,
        metric text COLLATE "C" NOT NULL,
        value double precision NOT NULL,
        quality text NOT NULL,
        received_at timestamptz NOT NULL,
        pos bigint NOT NULL,
        first_of_key boolean NOT NULL
    ) ON COMMIT DELETE ROWS
"""

# Under the observation lock nothing is stored between the statements of an append. When no
# row is stored in the batch's start range (new data arriving in time order: the usual case),
# every staged row is new and the first rows of keys count the new keys: a plain INSERT.
# Otherwise one statement judges and inserts; all its parts see the table as it was before the
# INSERT (one snapshot). ``BETWEEN lo AND hi`` lets the planner read just that slice of the
# index. A key is new when no row of it is stored; then every batch row of it is fresh, so
# counting fresh first rows of keys counts the new keys.
_ANY_STORED = "SELECT EXISTS (SELECT 1 FROM observations WHERE start BETWEEN %(lo)s AND %(hi)s)"
_INSERT_ALL = f"INSERT INTO observations (seq, {_COLUMNS}) SELECT %(base)s + pos, {_COLUMNS} FROM _batch"
_INSERT_NEW = f"""
    WITH fresh AS (
        SELECT * FROM _batch b
        WHERE NOT EXISTS (
            SELECT 1 FROM observations o WHERE {_SAME_KEY.format(r="b")} AND o.value = b.value)
    ), stored AS (
        INSERT INTO observations (seq, {_COLUMNS}) SELECT %(base)s + pos, {_COLUMNS} FROM fresh
    )
    SELECT
        (SELECT count(*) FROM fresh),
        (SELECT count(*) FROM fresh f
         WHERE f.first_of_key AND NOT EXISTS (SELECT 1 FROM observations o WHERE {_SAME_KEY.format(r="f")})),
        (SELECT min(start) FROM fresh)
"""
_MARK_DIRTY = (f"INSERT INTO {DIRTY_TABLE} VALUES (true, %s) "
               f"ON CONFLICT (one) DO UPDATE SET since = least({DIRTY_TABLE}.since, excluded.since)")
_KEY_COLUMNS = ["sensor_id", "start", "interval_s", "metric"]


def append(conn: psycopg.Connection, frame: pd.DataFrame) -> AppendResult:
    """Append ``frame`` (``OBSERVATION_COLUMNS``) in the caller's transaction."""
    batch = checked(frame)
    n = batch.num_rows
    if n == 0:
        return AppendResult(inserted=0, duplicates=0, corrections=0)
    keys = frame[_KEY_COLUMNS]
    first_of_key = ~keys.duplicated().to_numpy()
    distinct = ~frame[[*_KEY_COLUMNS, "value"]].duplicated().to_numpy()
    staged = batch.append_column("pos", pa.array(np.arange(n, dtype=np.int64)))
    staged = staged.append_column("first_of_key", pa.array(first_of_key)).filter(pa.array(distinct))
    copy_in(conn, "_batch", staged)
    conn.execute(f"SET LOCAL work_mem = '{SORT_MEMORY}'")
    lock(conn, LOCK_OBSERVATIONS)
    last = conn.execute("SELECT setval('observation_seq', nextval('observation_seq') + %s - 1)", [n]).fetchone()
    base = int(_first(last)) - n + 1
    span = pc.min_max(batch.column("start"))
    params = {"base": base, "lo": span["min"].as_py(), "hi": span["max"].as_py()}
    if not _first(conn.execute(_ANY_STORED, params).fetchone()):
        new_rows = conn.execute(_INSERT_ALL, params).rowcount
        new_keys, earliest = int(first_of_key.sum()), params["lo"]
    else:
        counts = conn.execute(_INSERT_NEW, params).fetchone()
        new_rows, new_keys, earliest = int(_first(counts)), int(counts[1]), counts[2]  # type: ignore[index]
    if new_rows:
        conn.execute(_MARK_DIRTY, [earliest])
    return AppendResult(inserted=new_keys, duplicates=n - new_rows, corrections=new_rows - new_keys)


def take_dirty_since(conn: psycopg.Connection) -> datetime | None:
    """The dirty-since mark, emptied in the same statement (an append holding it is waited for)."""
    row = conn.execute(f"DELETE FROM {DIRTY_TABLE} RETURNING since").fetchone()
    return None if row is None else row[0]


def _first(row: tuple[Any, ...] | None) -> Any:
    """The first value of a row that a statement always returns."""
    if row is None:
        raise StoreError("PostgreSQL returned no row where one was due")
    return row[0]


def checked(frame: pd.DataFrame) -> pa.Table:
    """``frame``'s observation columns as Arrow; StoreError when a column is missing, holds
    naive times or missing values, or does not fit its type."""
    missing = [c for c in OBSERVATION_COLUMNS if c not in frame.columns]
    if missing:
        raise StoreError(f"observation frame lacks columns {missing}")
    for column in ("start", "received_at"):
        if not isinstance(frame[column].dtype, pd.DatetimeTZDtype):
            raise StoreError(
                f"observation column {column!r} must hold tz-aware datetimes, got dtype {frame[column].dtype}"
            )
    for column in OBSERVATION_COLUMNS:
        empty = np.flatnonzero(frame[column].isna().to_numpy())
        if len(empty):
            raise StoreError(
                f"observation column {column!r} has {len(empty)} missing values (first at row {int(empty[0])})"
            )
    return arrow_table(frame, OBSERVATION_SCHEMA, "observation")


def read(
    conn: psycopg.Connection,
    *,
    start: datetime,
    end: datetime,
    sensor_ids: Sequence[str] | None,
    latest_only: bool,
) -> pd.DataFrame:
    """Observations with ``start <= start < end``, sorted by sensor_id, start, metric."""
    where = "start >= %s AND start < %s"
    params: list[Any] = [start, end]
    if sensor_ids is not None:
        where += " AND sensor_id = ANY(%s::text[])"
        params.append(list(sensor_ids))
    if latest_only:
        query = f"""
            SELECT DISTINCT ON (sensor_id, start, metric, interval_s) {_COLUMNS}
            FROM observations WHERE {where}
            ORDER BY sensor_id, start, metric, interval_s, received_at DESC, seq DESC
        """
    else:
        query = f"""
            SELECT {_COLUMNS} FROM observations WHERE {where}
            ORDER BY sensor_id, start, metric, interval_s, received_at, seq
        """
    conn.execute(f"SET LOCAL work_mem = '{SORT_MEMORY}'")
    return query_frame(conn, query, params, OBSERVATION_SCHEMA)


def span(conn: psycopg.Connection) -> tuple[datetime, datetime] | None:
    """Earliest and latest interval start stored (two index lookups), or None when empty."""
    row = conn.execute("SELECT min(start), max(start) FROM observations").fetchone()
    return None if row is None or row[0] is None else (row[0], row[1])


def last_seen(conn: psycopg.Connection) -> dict[str, datetime]:
    """Latest interval start per sensor id."""
    rows = conn.execute("SELECT sensor_id, max(start) FROM observations GROUP BY sensor_id").fetchall()
    return {sensor_id: at for sensor_id, at in rows}


def delete_before(conn: psycopg.Connection, before: datetime) -> int:
    """Retention: delete raw rows starting before ``before`` (under the append lock, so no append
    judges duplicates against rows being deleted); returns the rows deleted."""
    lock(conn, LOCK_OBSERVATIONS)
    return conn.execute("DELETE FROM observations WHERE start < %s", [before]).rowcount
