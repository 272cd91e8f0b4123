"""SQL of derived state in the PostgreSQL store: zone states and sensor health, both replaced on
put (upserts, so concurrent writers of the same rows never fail; the last one wins).

Functions take a pooled connection inside the store's transaction and error translation, and
times already checked to be tz-aware.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import psycopg

from crowdsafety.domain import DataStatus, HealthStatus, Level, SensorHealth, ServiceLevel, ZoneState
from crowdsafety.store.schema import ZONE_STATE_COLUMNS

_STATE_SELECT = ", ".join(ZONE_STATE_COLUMNS)
_PUT_STATE = (
    f"INSERT INTO zone_states ({_STATE_SELECT}) VALUES ({', '.join(['%s'] * len(ZONE_STATE_COLUMNS))}) "
    "ON CONFLICT (zone_id, start) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in ZONE_STATE_COLUMNS if c not in ("zone_id", "start"))
)
_PUT_HEALTH = (
    'INSERT INTO sensor_health (sensor_id, "at", status, last_seen, detail) VALUES (%s, %s, %s, %s, %s) '
    'ON CONFLICT (sensor_id) DO UPDATE SET "at" = excluded."at", status = excluded.status, '
    "last_seen = excluded.last_seen, detail = excluded.detail"
)


def put_zone_states(conn: psycopg.Connection, states: Sequence[ZoneState]) -> None:
    """Upsert ``states`` (one per (zone_id, start)), sorted so that concurrent writers lock rows
    in the same order."""
    rows = sorted((_state_row(s) for s in states), key=lambda r: (r[0], r[1]))
    with conn.cursor() as cur:
        cur.executemany(_PUT_STATE, rows)


def zone_states(
    conn: psycopg.Connection, *, start: datetime, end: datetime, zone_ids: Sequence[str] | None
) -> list[ZoneState]:
    """Stored states with ``start <= start < end``, sorted by zone_id, start."""
    where = "start >= %s AND start < %s"
    params: list[Any] = [start, end]
    if zone_ids is not None:
        where += " AND zone_id = ANY(%s::text[])"
        params.append(list(zone_ids))
    rows = conn.execute(
        f"SELECT {_STATE_SELECT} FROM zone_states WHERE {where} ORDER BY zone_id, start", params
    ).fetchall()
    return [_zone_state(row) for row in rows]


def latest_zone_states(conn: psycopg.Connection, at: datetime | None) -> dict[str, ZoneState]:
    """Per zone, the latest stored state starting at or before ``at`` (None: any)."""
    where, params = ("WHERE start <= %s", [at]) if at is not None else ("", [])
    rows = conn.execute(
        f"SELECT DISTINCT ON (zone_id) {_STATE_SELECT} FROM zone_states {where} ORDER BY zone_id, start DESC",
        params,
    ).fetchall()
    return {row[0]: _zone_state(row) for row in rows}


def put_sensor_health(conn: psycopg.Connection, health: Sequence[SensorHealth]) -> None:
    """Upsert ``health`` (one per sensor), in sensor order."""
    rows = sorted((h.sensor_id, h.at, h.status.value, h.last_seen, h.detail) for h in health)
    with conn.cursor() as cur:
        cur.executemany(_PUT_HEALTH, rows)


def sensor_health(conn: psycopg.Connection) -> dict[str, SensorHealth]:
    """Current health per sensor id."""
    rows = conn.execute('SELECT sensor_id, "at", status, last_seen, detail FROM sensor_health').fetchall()
    return {
        sensor_id: SensorHealth(
            sensor_id=sensor_id,
            at=at.astimezone(UTC),
            status=HealthStatus(status),
            last_seen=None if last_seen is None else last_seen.astimezone(UTC),
            detail=detail,
        )
        for sensor_id, at, status, last_seen, detail in rows
    }


def _state_row(state: ZoneState) -> tuple[Any, ...]:
    values = []
    for name in ZONE_STATE_COLUMNS:
        value = getattr(state, name)
        if name in ("level", "service_level", "status"):
            value = None if value is None else value.value
        elif name == "sources":
            value = list(value)
        values.append(value)
    return tuple(values)


def _zone_state(row: Sequence[Any]) -> ZoneState:
    fields = dict(zip(ZONE_STATE_COLUMNS, row))
    return ZoneState(
        **{
            **fields,
            "start": fields["start"].astimezone(UTC),
            "level": None if fields["level"] is None else Level(fields["level"]),
            "service_level": None if fields["service_level"] is None else ServiceLevel(fields["service_level"]),
            "status": DataStatus(fields["status"]),
            "sources": tuple(fields["sources"]),
        }
    )
