"""SQL of the DuckDB store's incidents (added in store schema version 3).

Functions take the store's connection, held under its lock and inside its error translation.
``incidents`` holds one row per reference code (its ``status`` follows the history);
``incident_updates`` is the append-only history. Points are stored as ``x`` (lon) and ``y``
(lat) in WGS84. Chat conversations are not stored: the chatbot keeps them in memory only.
"""

from __future__ import annotations

from datetime import datetime

import duckdb

from crowdsafety.domain import StoreError
from crowdsafety.domain.incident import Incident, IncidentStatus, IncidentUpdate
from crowdsafety.store import incident_rows as _rows

INCIDENT_DDL: tuple[str, ...] = (
    """
    CREATE TABLE IF NOT EXISTS incidents (
        ref VARCHAR PRIMARY KEY,
        site_id VARCHAR NOT NULL,
        source VARCHAR NOT NULL,
        category VARCHAR NOT NULL,
        urgency VARCHAR NOT NULL,
        "at" TIMESTAMPTZ NOT NULL,
        reported_at TIMESTAMPTZ NOT NULL,
        status VARCHAR NOT NULL,
        x DOUBLE,
        y DOUBLE,
        line VARCHAR,
        direction VARCHAR,
        stop_id VARCHAR,
        vehicle VARCHAR,
        zone_ids VARCHAR[] NOT NULL,
        description VARCHAR NOT NULL
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS incident_updates (
        ref VARCHAR NOT NULL,
        seq BIGINT NOT NULL,
        "at" TIMESTAMPTZ NOT NULL,
        status VARCHAR NOT NULL,
        who VARCHAR NOT NULL,
        role VARCHAR NOT NULL,
        note VARCHAR NOT NULL,
        answer BOOLEAN NOT NULL,
        PRIMARY KEY (ref, seq)
    )
    """,
)

_COLUMNS = ", ".join(f'"{c}"' if c == "at" else c for c in _rows.INCIDENT_COLUMNS)
_UPDATE_COLUMNS = _rows.UPDATE_COLUMNS


def add_incident(con: duckdb.DuckDBPyConnection, incident: Incident, first: IncidentUpdate) -> None:
    _rows.check_first(incident, first)
    if con.execute("SELECT count(*) FROM incidents WHERE ref = ?", [incident.ref]).fetchall()[0][0]:
        raise StoreError(f"incident {incident.ref!r} already exists")
    marks = ", ".join("?" * len(_rows.INCIDENT_COLUMNS))
    con.execute(f"INSERT INTO incidents ({_COLUMNS}) VALUES ({marks})", _rows.incident_row(incident)).fetchall()
    con.execute(f"INSERT INTO incident_updates ({_UPDATE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                _rows.update_row(first)).fetchall()


def update_incident(con: duckdb.DuckDBPyConnection, update: IncidentUpdate) -> None:
    (last,) = con.execute("SELECT max(seq) FROM incident_updates WHERE ref = ?", [update.ref]).fetchall()[0]
    _rows.check_next(update, last)
    con.execute(f"INSERT INTO incident_updates ({_UPDATE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                _rows.update_row(update)).fetchall()
    con.execute("UPDATE incidents SET status = ? WHERE ref = ?", [update.status.value, update.ref]).fetchall()


def incidents(con: duckdb.DuckDBPyConnection, *, ref: str | None = None, start: datetime | None = None,
              end: datetime | None = None, status: IncidentStatus | None = None, limit: int = 500) -> list[Incident]:
    where, params = _rows.filters(ref=ref, start=start, end=end, status=status, mark="?")
    rows = con.execute(f'SELECT {_COLUMNS} FROM incidents {where} ORDER BY "at" DESC, ref LIMIT ?',
                       [*params, max(0, int(limit))]).fetchall()
    return [_rows.incident(row) for row in rows]


def incident_history(con: duckdb.DuckDBPyConnection, ref: str) -> list[IncidentUpdate]:
    rows = con.execute(f"SELECT {_UPDATE_COLUMNS} FROM incident_updates WHERE ref = ? ORDER BY seq",
                       [ref]).fetchall()
    return [_rows.update(row) for row in rows]

