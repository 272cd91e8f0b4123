"""SQL of the PostgreSQL store's flight register and aerial observations (store schema version 4).

Functions take a pooled connection inside the store's transaction and error translation. The
tables mirror :mod:`crowdsafety.store.duckdb_flights`; aerial observations are inserted with
``ON CONFLICT DO NOTHING``, so two processes storing the same upload store it once. Between
processes a registration is serialised by an advisory lock, and a status change is a
compare-and-set on the stored status.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TypeVar

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
_R = TypeVar("_R")


def put_flight(conn: psycopg.Connection, flight: Flight) -> None:
    marks = ", ".join(["%s"] * len(_rows.FLIGHT_COLUMNS))
    inserted = conn.execute(f"INSERT INTO flights ({_FLIGHT}) VALUES ({marks}) ON CONFLICT (id) DO NOTHING",
                            _rows.flight_row(flight)).rowcount
    if inserted != 1:
        raise StoreError(f"flight {flight.id!r} already exists")


def register_flight(conn: psycopg.Connection, flight: Flight,
                    check: Callable[[list[Flight]], Sequence[_R]]) -> list[_R]:
    """``check`` the flights in the way of ``flight`` and store it when it answers nothing; the
    caller holds the store's flight lock (``LOCK_FLIGHTS``) until the transaction ends, so no
    other process registers a flight in between."""
    where, params = _rows.flight_filters(status=None, start=flight.window.start, end=flight.window.end, mark="%s")
    rows = conn.execute(f"SELECT {_FLIGHT} FROM flights {where} AND site_id = %s AND status <> %s "
                        "ORDER BY window_start, id", [*params, flight.site_id, FlightStatus.ENDED.value]).fetchall()
    refusals = list(check([_rows.flight(row) for row in rows]))
    if not refusals:
        put_flight(conn, flight)
    return refusals


def update_flight(conn: psycopg.Connection, flight: Flight, expected: FlightStatus | None = None) -> bool:
    row = dict(zip(_rows.FLIGHT_COLUMNS, _rows.flight_row(flight)))
    params = [row["status"], row["started_at"], row["ended_at"], flight.id]
    sql = "UPDATE flights SET status = %s, started_at = %s, ended_at = %s WHERE id = %s"
    if expected is not None:  # compare-and-set: a concurrent update waits for the row, then sees the new status
        sql, params = sql + " AND status = %s", [*params, FlightStatus(expected).value]
    if conn.execute(sql, params).rowcount == 1:
        return True
    if conn.execute("SELECT 1 FROM flights WHERE id = %s", [flight.id]).fetchone() is None:
        raise StoreError(f"unknown flight {flight.id!r}")
    return False


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
