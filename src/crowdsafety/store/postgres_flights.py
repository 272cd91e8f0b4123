"""SQL of the PostgreSQL store's flight register and aerial observations (store schema version 4).

Functions take a pooled connection inside the store's transaction and error translation. The
tables mirror :mod:`crowdsafety.store.duckdb_flights`; aerial observations are inserted with
``ON CONFLICT DO NOTHING``, so two processes storing the same upload store it once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import psycopg

from crowdsafety.domain import StoreError
from crowdsafety.domain.flight import AerialObservation, Flight, FlightStatus
from crowdsafety.store import flight_rows as _rows

FLIGHT_DDL: tuple[str, ...] = (
    """
    CREATE TABLE IF NOT EXISTS flights (
        id text COLLATE "C" PRIMARY KEY,
        site_id text NOT NULL,
        operator text NOT NULL,
        permit text NOT NULL,
        aircraft text NOT NULL,
        purpose text NOT NULL,
        area text NOT NULL,
        window_start timestamptz NOT NULL,
        window_end timestamptz NOT NULL,
        max_altitude_m double precision NOT NULL,
        registered_at timestamptz NOT NULL,
        status text NOT NULL,
        started_at timestamptz,
        ended_at timestamptz
    )
    """,
    "CREATE INDEX IF NOT EXISTS flights_window ON flights (window_start, window_end)",
    """
    CREATE TABLE IF NOT EXISTS aerial_observations (
        id text COLLATE "C" PRIMARY KEY,
        flight_id text COLLATE "C" NOT NULL,
        site_id text NOT NULL,
        category text NOT NULL,
        geometry text NOT NULL,
        "at" timestamptz NOT NULL,
        received_at timestamptz NOT NULL,
        people bigint,
        description text NOT NULL,
        incident_ref text,
        zone_ids text[] NOT NULL
    )
    """,
    'CREATE INDEX IF NOT EXISTS aerial_observations_flight_at ON aerial_observations (flight_id, "at")',
)

_FLIGHT = _rows.columns(_rows.FLIGHT_COLUMNS)
_AERIAL = _rows.columns(_rows.AERIAL_COLUMNS)


def put_flight(conn: psycopg.Connection, flight: Flight) -> None:
    marks = ", ".join(["%s"] * len(_rows.FLIGHT_COLUMNS))
    inserted = conn.execute(f"INSERT INTO flights ({_FLIGHT}) VALUES ({marks}) ON CONFLICT (id) DO NOTHING",
                            _rows.flight_row(flight)).rowcount
    if inserted != 1:
        raise StoreError(f"flight {flight.id!r} already exists")


def update_flight(conn: psycopg.Connection, flight: Flight) -> None:
    row = dict(zip(_rows.FLIGHT_COLUMNS, _rows.flight_row(flight)))
    updated = conn.execute("UPDATE flights SET status = %s, started_at = %s, ended_at = %s WHERE id = %s",
                           [row["status"], row["started_at"], row["ended_at"], flight.id]).rowcount
    if updated != 1:
        raise StoreError(f"unknown flight {flight.id!r}")


def flights(conn: psycopg.Connection, *, flight_id: str | None = None, status: FlightStatus | None = None,
            start: datetime | None = None, end: datetime | None = None, limit: int = 500) -> list[Flight]:
    where, params = _rows.flight_filters(status=status, start=start, end=end, mark="%s")
    if flight_id is not None:
        where, params = (f"{where} AND id = %s" if where else "WHERE id = %s"), [*params, flight_id]
    rows = conn.execute(f"SELECT {_FLIGHT} FROM flights {where} ORDER BY window_start DESC, id LIMIT %s",
                        [*params, max(0, int(limit))]).fetchall()
    return [_rows.flight(row) for row in rows]


def add_aerial_observations(conn: psycopg.Connection, rows: Sequence[AerialObservation]) -> int:
    if not rows:
        return 0
    flight_ids = {r.flight_id for r in rows}
    known = {r[0] for r in conn.execute("SELECT id FROM flights WHERE id = ANY(%s)", [sorted(flight_ids)])}
    _rows.check_flights_known(flight_ids, known)
    marks = ", ".join(["%s"] * len(_rows.AERIAL_COLUMNS))
    inserted = 0
    for row in _rows.distinct_new(rows, set()):
        inserted += conn.execute(f"INSERT INTO aerial_observations ({_AERIAL}) VALUES ({marks}) "
                                 "ON CONFLICT (id) DO NOTHING", _rows.aerial_row(row)).rowcount
    return inserted


def aerial_observations(conn: psycopg.Connection, *, flight_id: str | None = None, start: datetime | None = None,
                        end: datetime | None = None, limit: int = 1000) -> list[AerialObservation]:
    where, params = _rows.aerial_filters(flight_id=flight_id, start=start, end=end, mark="%s")
    rows = conn.execute(f'SELECT {_AERIAL} FROM aerial_observations {where} ORDER BY "at", id LIMIT %s',
                        [*params, max(0, int(limit))]).fetchall()
    return [_rows.aerial(row) for row in rows]
