"""SQL of the PostgreSQL store's incidents (store schema version 3).

Functions take a pooled connection inside the store's transaction and error translation. The
tables mirror :mod:`crowdsafety.store.duckdb_incidents`; an update locks its incident's row, so
two processes cannot both append the same step.
"""

from __future__ import annotations

from datetime import datetime

import psycopg

from crowdsafety.domain import StoreError
from crowdsafety.domain.incident import Incident, IncidentStatus, IncidentUpdate
from crowdsafety.store import incident_rows as _rows

INCIDENT_DDL: tuple[str, ...] = (
    """
    CREATE TABLE IF NOT EXISTS incidents (
        ref text COLLATE "C" PRIMARY KEY,
        site_id text NOT NULL,
        source text NOT NULL,
        category text NOT NULL,
        urgency text NOT NULL,
        "at" timestamptz NOT NULL,
        reported_at timestamptz NOT NULL,
        status text NOT NULL,
        x double precision,
        y double precision,
        line text,
        direction text,
        stop_id text,
        vehicle text,
        zone_ids text[] NOT NULL,
        description text NOT NULL
    )
    """,
    'CREATE INDEX IF NOT EXISTS incidents_at ON incidents ("at")',
    """
    CREATE TABLE IF NOT EXISTS incident_updates (
        ref text COLLATE "C" NOT NULL,
        seq bigint NOT NULL,
        "at" timestamptz NOT NULL,
        status text NOT NULL,
        who text NOT NULL,
        role text NOT NULL,
        note text NOT NULL,
        answer boolean NOT NULL,
        PRIMARY KEY (ref, seq)
    )
    """,
)

_COLUMNS = ", ".join(f'"{c}"' if c == "at" else c for c in _rows.INCIDENT_COLUMNS)
_UPDATE_COLUMNS = _rows.UPDATE_COLUMNS


def add_incident(conn: psycopg.Connection, incident: Incident, first: IncidentUpdate) -> None:
    _rows.check_first(incident, first)
    marks = ", ".join(["%s"] * len(_rows.INCIDENT_COLUMNS))
    inserted = conn.execute(f"INSERT INTO incidents ({_COLUMNS}) VALUES ({marks}) ON CONFLICT (ref) DO NOTHING",
                            _rows.incident_row(incident)).rowcount
    if inserted != 1:
        raise StoreError(f"incident {incident.ref!r} already exists")
    conn.execute(f"INSERT INTO incident_updates ({_UPDATE_COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                 _rows.update_row(first))


def update_incident(conn: psycopg.Connection, update: IncidentUpdate) -> None:
    if conn.execute("SELECT 1 FROM incidents WHERE ref = %s FOR UPDATE", [update.ref]).fetchone() is None:
        raise StoreError(f"unknown incident {update.ref!r}")
    row = conn.execute("SELECT max(seq) FROM incident_updates WHERE ref = %s", [update.ref]).fetchone()
    _rows.check_next(update, None if row is None else row[0])
    conn.execute(f"INSERT INTO incident_updates ({_UPDATE_COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                 _rows.update_row(update))
    conn.execute("UPDATE incidents SET status = %s WHERE ref = %s", [update.status.value, update.ref])


def incidents(conn: psycopg.Connection, *, ref: str | None = None, start: datetime | None = None,
              end: datetime | None = None, status: IncidentStatus | None = None, limit: int = 500) -> list[Incident]:
    where, params = _rows.filters(ref=ref, start=start, end=end, status=status, mark="%s")
    rows = conn.execute(f'SELECT {_COLUMNS} FROM incidents {where} ORDER BY "at" DESC, ref LIMIT %s',
                        [*params, max(0, int(limit))]).fetchall()
    return [_rows.incident(row) for row in rows]


def incident_history(conn: psycopg.Connection, ref: str) -> list[IncidentUpdate]:
    rows = conn.execute(f"SELECT {_UPDATE_COLUMNS} FROM incident_updates WHERE ref = %s ORDER BY seq",
                        [ref]).fetchall()
    return [_rows.update(row) for row in rows]

