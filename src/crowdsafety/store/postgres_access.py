"""SQL of the PostgreSQL store's dead letters and API keys (store schema version 2).

Functions take a pooled connection inside the store's transaction and error translation.
``dead_letters`` is append-only; ``api_keys`` holds one row per key id, replaced on put (a
revocation is a put with ``revoked_at`` set), and only ever the hash of a key's secret.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import psycopg

from crowdsafety.domain.access import ApiKey, Role
from crowdsafety.domain.dead_letter import DeadLetter

_KEY_COLUMNS = ("id", "name", "role", "secret_hash", "created_at", "sensor_ids", "party", "revoked_at")
_PUT_KEY = (
    f"INSERT INTO api_keys ({', '.join(_KEY_COLUMNS)}) VALUES ({', '.join(['%s'] * len(_KEY_COLUMNS))}) "
    f"ON CONFLICT (id) DO UPDATE SET {', '.join(f'{c} = excluded.{c}' for c in _KEY_COLUMNS[1:])}"
)


def append_dead_letters(conn: psycopg.Connection, letters: Sequence[DeadLetter]) -> None:
    rows = [(d.received_at, d.source, d.where, d.reason, d.payload) for d in letters]
    with conn.cursor() as cur:
        cur.executemany(
            'INSERT INTO dead_letters (received_at, source, "where", reason, payload) VALUES (%s, %s, %s, %s, %s)',
            rows,
        )


def dead_letters(conn: psycopg.Connection, limit: int) -> list[DeadLetter]:
    """The latest ``limit`` letters, newest first (ties: the later stored first)."""
    rows = conn.execute(
        'SELECT received_at, source, "where", reason, payload FROM dead_letters '
        "ORDER BY received_at DESC, seq DESC LIMIT %s",
        [max(0, int(limit))],
    ).fetchall()
    return [DeadLetter(_utc(at), source, where, reason, payload) for at, source, where, reason, payload in rows]


def put_api_key(conn: psycopg.Connection, key: ApiKey) -> None:
    conn.execute(
        _PUT_KEY,
        [key.id, key.name, key.role.value, key.secret_hash, key.created_at, list(key.sensor_ids), key.party,
         key.revoked_at],
    )


def api_keys(conn: psycopg.Connection, key_id: str | None = None) -> list[ApiKey]:
    """Every key (or the one with ``key_id``), sorted by created_at, id."""
    where, params = ("WHERE id = %s", [key_id]) if key_id is not None else ("", [])
    rows = conn.execute(
        f"SELECT {', '.join(_KEY_COLUMNS)} FROM api_keys {where} ORDER BY created_at, id", params
    ).fetchall()
    return [_api_key(row) for row in rows]


def _api_key(row: Sequence[Any]) -> ApiKey:
    key_id, name, role, secret_hash, created_at, sensor_ids, party, revoked_at = row
    return ApiKey(id=key_id, name=name, role=Role(role), secret_hash=secret_hash, created_at=_utc(created_at),
                  sensor_ids=tuple(sensor_ids), party=party,
                  revoked_at=None if revoked_at is None else _utc(revoked_at))


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)
