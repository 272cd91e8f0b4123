"""SQL of decision support in the DuckDB store: the alerts table and the append-only decision log.

Functions take the store's connection (held under its lock, inside its error translation and,
for writes, inside its transaction). There is no statement here that updates or deletes a log
entry: ``append_decision`` only inserts, and only the entry that extends the chain's head, so a
concurrent writer cannot fork it. Alert rows are current state and are replaced on put.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import duckdb

from crowdsafety.domain import StoreError
from crowdsafety.domain.decision import GENESIS_HASH, AlertRecord, DecisionEntry
from crowdsafety.store.decision_rows import (
    ALERT_COLUMNS,
    LOG_COLUMNS,
    alert_from_row,
    alert_to_row,
    entry_from_row,
)

DECISION_DDL: tuple[str, ...] = (
    """
    CREATE TABLE IF NOT EXISTS alerts (
        id VARCHAR PRIMARY KEY,
        site_id VARCHAR NOT NULL,
        kind VARCHAR NOT NULL,
        subject VARCHAR NOT NULL,
        zone_ids VARCHAR[] NOT NULL,
        level VARCHAR NOT NULL,
        peak_level VARCHAR NOT NULL,
        risk_level VARCHAR NOT NULL,
        raised_at TIMESTAMPTZ NOT NULL,
        updated_at TIMESTAMPTZ NOT NULL,
        reasons VARCHAR[] NOT NULL,
        target_at TIMESTAMPTZ,
        probability DOUBLE,
        status VARCHAR NOT NULL,
        active BOOLEAN NOT NULL,
        cleared_at TIMESTAMPTZ,
        assignee VARCHAR
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS decision_log (
        seq BIGINT PRIMARY KEY,
        "at" TIMESTAMPTZ NOT NULL,
        site_id VARCHAR NOT NULL,
        who VARCHAR NOT NULL,
        role VARCHAR NOT NULL,
        action VARCHAR NOT NULL,
        alert_id VARCHAR,
        measure_id VARCHAR,
        reason VARCHAR NOT NULL,
        details VARCHAR NOT NULL,
        prev_hash VARCHAR NOT NULL,
        hash VARCHAR NOT NULL
    )
    """,
)



def put_alert(con: duckdb.DuckDBPyConnection, alert: AlertRecord, entry: DecisionEntry | None) -> None:
    """Insert or replace ``alert`` and append ``entry`` (when given); the caller's transaction
    makes both happen or neither."""
    row = alert_to_row(alert)
    marks = ", ".join("?" for _ in ALERT_COLUMNS)
    _exec(con, f"INSERT OR REPLACE INTO alerts ({', '.join(ALERT_COLUMNS)}) VALUES ({marks})", row)
    if entry is not None:
        append_decision(con, entry)


def alerts(
    con: duckdb.DuckDBPyConnection,
    *,
    active: bool | None = None,
    closed: bool | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    alert_id: str | None = None,
) -> list[AlertRecord]:
    """Alerts filtered by condition (``active``), by status closed or not, by ``start <=
    raised_at < end``; sorted by raised_at, id."""
    where, params = ["TRUE"], []  # type: tuple[list[str], list[Any]]
    if active is not None:
        where.append("active = ?")
        params.append(active)
    if closed is not None:
        where.append("(status = 'closed') = ?")
        params.append(closed)
    if start is not None:
        where.append("raised_at >= ?")
        params.append(start)
    if end is not None:
        where.append("raised_at < ?")
        params.append(end)
    if alert_id is not None:
        where.append("id = ?")
        params.append(alert_id)
    rows = _rows(con, f"SELECT {', '.join(ALERT_COLUMNS)} FROM alerts WHERE {' AND '.join(where)} "
                      "ORDER BY raised_at, id", params)
    return [alert_from_row(r) for r in rows]


def append_decision(con: duckdb.DuckDBPyConnection, entry: DecisionEntry) -> None:
    """Append ``entry`` if it extends the head: ``seq`` = head seq + 1, ``prev_hash`` = head hash."""
    head = decision_head(con)
    seq, prev = head if head is not None else (0, GENESIS_HASH)
    if entry.seq != seq + 1 or entry.prev_hash != prev:
        raise StoreError(
            f"decision entry {entry.seq} does not extend the log (head is entry {seq}): "
            "another writer appended first; seal it again on the new head"
        )
    details = json.dumps(entry.details, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    _exec(con, f"INSERT INTO decision_log ({', '.join(LOG_COLUMNS)}) VALUES ({', '.join('?' * 12)})",
          [entry.seq, entry.at, entry.site_id, entry.who, entry.role, entry.action, entry.alert_id,
           entry.measure_id, entry.reason, details, entry.prev_hash, entry.hash])


def decisions(
    con: duckdb.DuckDBPyConnection,
    *,
    alert_id: str | None = None,
    after_seq: int = 0,
    limit: int | None = None,
) -> list[DecisionEntry]:
    """Log entries with ``seq > after_seq`` (of one alert when given), in seq order."""
    where, params = "seq > ?", [after_seq]  # type: tuple[str, list[Any]]
    if alert_id is not None:
        where += " AND alert_id = ?"
        params.append(alert_id)
    tail = f" LIMIT {int(limit)}" if limit is not None else ""
    rows = _rows(con, f"SELECT {', '.join(LOG_COLUMNS)} FROM decision_log WHERE {where} ORDER BY seq{tail}",
                 params)
    return [entry_from_row(r) for r in rows]


def decision_head(con: duckdb.DuckDBPyConnection) -> tuple[int, str] | None:
    """(seq, hash) of the last entry, or None for an empty log."""
    rows = _rows(con, "SELECT seq, hash FROM decision_log ORDER BY seq DESC LIMIT 1")
    return (int(rows[0][0]), str(rows[0][1])) if rows else None


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    return con.execute(sql, list(params)).fetchall()


def _exec(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] = ()) -> None:
    con.execute(sql, list(params))
    con.complete()
