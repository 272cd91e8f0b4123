"""SQL of the DuckDB store's flight register and aerial observations (store schema version 4).

Functions take the store's connection, held under its lock and inside its error translation.
``flights`` holds one row per registered flight (its status, started and ended times change);
``aerial_observations`` what flights saw, append-only, keyed by a deterministic id so that an
upload sent twice is stored once. No imagery: geometries, counts and scrubbed text only.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TypeVar

import duckdb

from crowdsafety.domain import StoreError
from crowdsafety.domain.flight import AerialObservation, Flight, FlightStatus
from crowdsafety.store import flight_rows as _rows

FLIGHT_DDL: tuple[str, ...] = (
    """
    CREATE TABLE IF NOT EXISTS flights (
        id VARCHAR PRIMARY KEY,
        site_id VARCHAR NOT NULL,
        operator VARCHAR NOT NULL,
        permit VARCHAR NOT NULL,
        aircraft VARCHAR NOT NULL,
        purpose VARCHAR NOT NULL,
        area VARCHAR NOT NULL,
        window_start TIMESTAMPTZ NOT NULL,
        window_end TIMESTAMPTZ NOT NULL,
        max_altitude_m DOUBLE NOT NULL,
        registered_at TIMESTAMPTZ NOT NULL,
        status VARCHAR NOT NULL,
        started_at TIMESTAMPTZ,
        ended_at TIMESTAMPTZ
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS aerial_observations (
        id VARCHAR PRIMARY KEY,
        flight_id VARCHAR NOT NULL,
        site_id VARCHAR NOT NULL,
        category VARCHAR NOT NULL,
        geometry VARCHAR NOT NULL,
        "at" TIMESTAMPTZ NOT NULL,
        received_at TIMESTAMPTZ NOT NULL,
        people BIGINT,
        description VARCHAR NOT NULL,
        incident_ref VARCHAR,
        zone_ids VARCHAR[] NOT NULL
    )
    """,
)

_FLIGHT = _rows.columns(_rows.FLIGHT_COLUMNS)
_AERIAL = _rows.columns(_rows.AERIAL_COLUMNS)
_R = TypeVar("_R")


def put_flight(con: duckdb.DuckDBPyConnection, flight: Flight) -> None:
    if con.execute("SELECT count(*) FROM flights WHERE id = ?", [flight.id]).fetchall()[0][0]:
        raise StoreError(f"flight {flight.id!r} already exists")
    marks = ", ".join("?" * len(_rows.FLIGHT_COLUMNS))
    con.execute(f"INSERT INTO flights ({_FLIGHT}) VALUES ({marks})", _rows.flight_row(flight)).fetchall()


def register_flight(con: duckdb.DuckDBPyConnection, flight: Flight,
                    check: Callable[[list[Flight]], Sequence[_R]]) -> list[_R]:
    """``check`` the flights in the way of ``flight`` and store it when it answers nothing; the
    caller holds the store's lock and a transaction, so no flight gets in between."""
    where, params = _rows.flight_filters(status=None, start=flight.window.start, end=flight.window.end, mark="?")
    rows = con.execute(f"SELECT {_FLIGHT} FROM flights {where} AND site_id = ? AND status <> ? "
                       "ORDER BY window_start, id", [*params, flight.site_id, FlightStatus.ENDED.value]).fetchall()
    refusals = list(check([_rows.flight(row) for row in rows]))
    if not refusals:
        put_flight(con, flight)
    return refusals


def update_flight(con: duckdb.DuckDBPyConnection, flight: Flight, expected: FlightStatus | None = None) -> bool:
    found = con.execute("SELECT status FROM flights WHERE id = ?", [flight.id]).fetchall()
    if not found:
        raise StoreError(f"unknown flight {flight.id!r}")
    if expected is not None and found[0][0] != FlightStatus(expected).value:
        return False
    row = dict(zip(_rows.FLIGHT_COLUMNS, _rows.flight_row(flight)))
    con.execute("UPDATE flights SET status = ?, started_at = ?, ended_at = ? WHERE id = ?",
                [row["status"], row["started_at"], row["ended_at"], flight.id]).fetchall()
    return True


def flights(con: duckdb.DuckDBPyConnection, *, flight_id: str | None = None, status: FlightStatus | None = None,
            start: datetime | None = None, end: datetime | None = None, limit: int = 500) -> list[Flight]:
    where, params = _rows.flight_filters(status=status, start=start, end=end, mark="?")
    if flight_id is not None:
        where, params = (f"{where} AND id = ?" if where else "WHERE id = ?"), [*params, flight_id]
    rows = con.execute(f"SELECT {_FLIGHT} FROM flights {where} ORDER BY window_start DESC, id LIMIT ?",
                       [*params, max(0, int(limit))]).fetchall()
    return [_rows.flight(row) for row in rows]


def add_aerial_observations(con: duckdb.DuckDBPyConnection, rows: Sequence[AerialObservation]) -> int:
    if not rows:
        return 0
    flight_ids = {r.flight_id for r in rows}
    known = {r[0] for r in con.execute("SELECT id FROM flights WHERE list_contains(?, id)",
                                       [sorted(flight_ids)]).fetchall()}
    _rows.check_flights_known(flight_ids, known)
    stored = {r[0] for r in con.execute("SELECT id FROM aerial_observations WHERE list_contains(?, id)",
                                        [sorted({r.id for r in rows})]).fetchall()}
    fresh = _rows.distinct_new(rows, stored)
    marks = ", ".join("?" * len(_rows.AERIAL_COLUMNS))
    for row in fresh:
        con.execute(f"INSERT INTO aerial_observations ({_AERIAL}) VALUES ({marks})", _rows.aerial_row(row)).fetchall()
    return len(fresh)


def aerial_observations(con: duckdb.DuckDBPyConnection, *, flight_id: str | None = None,
                        start: datetime | None = None, end: datetime | None = None,
                        limit: int = 1000) -> list[AerialObservation]:
    where, params = _rows.aerial_filters(flight_id=flight_id, start=start, end=end, mark="?")
    rows = con.execute(f'SELECT {_AERIAL} FROM aerial_observations {where} ORDER BY "at", id LIMIT ?',
                       [*params, max(0, int(limit))]).fetchall()
    return [_rows.aerial(row) for row in rows]
