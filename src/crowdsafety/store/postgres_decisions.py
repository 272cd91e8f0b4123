"""SQL of decision support in the PostgreSQL store: alerts and the append-only decision log.

Functions take a pooled connection inside the store's transaction and error translation. There
is no statement here that updates or deletes a log entry. ``append_decision`` takes the
schema's decision lock first, so of two writers (threads or processes) sealing on the same
head the second sees the first's entry and is refused: the log stays one chain, and the primary
key on ``seq`` would refuse a fork even without the lock. Alert rows are current state,
replaced on put.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import psycopg

from crowdsafety.domain import StoreError
from crowdsafety.domain.decision import GENESIS_HASH, AlertRecord, DecisionEntry
from crowdsafety.store.postgres_schema import LOCK_DECISIONS, lock
from crowdsafety.store.decision_rows import (
    ALERT_COLUMNS,
    LOG_COLUMNS,
    alert_from_row,
    alert_to_row,
    entry_from_row,
)

_PUT_ALERT = (
    f"INSERT INTO alerts ({', '.join(ALERT_COLUMNS)}) VALUES ({', '.join('%s' for _ in ALERT_COLUMNS)}) "
    f"ON CONFLICT (id) DO UPDATE SET {', '.join(f'{c} = excluded.{c}' for c in ALERT_COLUMNS[1:])}"
)


def put_alert(conn: psycopg.Connection, alert: AlertRecord, entry: DecisionEntry | None) -> None:
    """Insert or replace ``alert`` and append ``entry`` (when given): both or neither, as the
    caller's transaction ends."""
    row = alert_to_row(alert)
    conn.execute(_PUT_ALERT, row)
    if entry is not None:
        append_decision(conn, entry)


def alerts(
    conn: psycopg.Connection,
    *,
    active: bool | None = None,
    closed: bool | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    alert_id: str | None = None,
) -> list[AlertRecord]:
    """Alerts filtered by condition (``active``), by status closed or not, by ``start <=
    raised_at < end``; sorted by raised_at, id."""
    where: list[str] = ["TRUE"]
    params: list[Any] = []
    for clause, value in (
        ("active = %s", active),
        ("(status = 'closed') = %s", closed),
        ("raised_at >= %s", start),
        ("raised_at < %s", end),
        ("id = %s", alert_id),
    ):
        if value is not None:
            where.append(clause)
            params.append(value)
    rows = conn.execute(
        f"SELECT {', '.join(ALERT_COLUMNS)} FROM alerts WHERE {' AND '.join(where)} ORDER BY raised_at, id",
        params,
    ).fetchall()
    return [alert_from_row(r) for r in rows]


def append_decision(conn: psycopg.Connection, entry: DecisionEntry) -> None:
    """Append ``entry`` if it extends the head: ``seq`` = head seq + 1, ``prev_hash`` = head hash."""
    lock(conn, LOCK_DECISIONS)
    head = decision_head(conn)
    seq, prev = head if head is not None else (0, GENESIS_HASH)
    if entry.seq != seq + 1 or entry.prev_hash != prev:
        raise StoreError(
            f"decision entry {entry.seq} does not extend the log (head is entry {seq}): "
            "another writer appended first; seal it again on the new head"
        )
    details = json.dumps(entry.details, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    conn.execute(
        f"INSERT INTO decision_log ({', '.join(LOG_COLUMNS)}) VALUES ({', '.join(['%s'] * 12)})",
        [entry.seq, entry.at, entry.site_id, entry.who, entry.role, entry.action, entry.alert_id,
         entry.measure_id, entry.reason, details, entry.prev_hash, entry.hash],
    )


def decisions(
    conn: psycopg.Connection, *, alert_id: str | None = None, after_seq: int = 0, limit: int | None = None
) -> list[DecisionEntry]:
    """Log entries with ``seq > after_seq`` (of one alert when given), in seq order."""
    where, params = "seq > %s", [after_seq]  # type: tuple[str, list[Any]]
    if alert_id is not None:
        where += " AND alert_id = %s"
        params.append(alert_id)
    tail = ""
    if limit is not None:
        tail = " LIMIT %s"
        params.append(max(0, int(limit)))
    rows = conn.execute(
        f"SELECT {', '.join(LOG_COLUMNS)} FROM decision_log WHERE {where} ORDER BY seq{tail}", params
    ).fetchall()
    return [entry_from_row(r) for r in rows]


def decision_head(conn: psycopg.Connection) -> tuple[int, str] | None:
    """(seq, hash) of the last entry, or None for an empty log."""
    row = conn.execute("SELECT seq, hash FROM decision_log ORDER BY seq DESC LIMIT 1").fetchone()
    return (int(row[0]), str(row[1])) if row else None
