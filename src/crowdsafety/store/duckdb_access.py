"""SQL of the DuckDB store's access and dead-letter tables (added in store schema version 2).

Functions take the store's connection, held under its lock and inside its error translation.
``dead_letters`` is append-only; ``api_keys`` holds one row per key id, replaced on put (a
revocation is a put with ``revoked_at`` set), and only ever the hash of a key's secret.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import duckdb

from crowdsafety.domain.access import ApiKey, Role
from crowdsafety.domain.dead_letter import DeadLetter

ACCESS_DDL: tuple[str, ...] = (
    "CREATE SEQUENCE IF NOT EXISTS dead_letter_seq",
    """
    CREATE TABLE IF NOT EXISTS dead_letters (
        seq BIGINT PRIMARY KEY DEFAULT nextval('dead_letter_seq'),
        received_at TIMESTAMPTZ NOT NULL,
        source VARCHAR NOT NULL,
        "where" VARCHAR NOT NULL,
        reason VARCHAR NOT NULL,
        payload VARCHAR NOT NULL
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS api_keys (
        id VARCHAR PRIMARY KEY,
        name VARCHAR NOT NULL,
        role VARCHAR NOT NULL,
        secret_hash VARCHAR NOT NULL,
        created_at TIMESTAMPTZ NOT NULL,
        sensor_ids VARCHAR[] NOT NULL,
        party VARCHAR,
        revoked_at TIMESTAMPTZ
    )
    """,
)

_KEY_COLUMNS = "id, name, role, secret_hash, created_at, sensor_ids, party, revoked_at"


def append_dead_letters(con: duckdb.DuckDBPyConnection, letters: Sequence[DeadLetter]) -> None:
    rows = [(d.received_at, d.source, d.where, d.reason, d.payload) for d in letters]
    con.executemany(
        'INSERT INTO dead_letters (received_at, source, "where", reason, payload) VALUES (?, ?, ?, ?, ?)', rows
    )
    con.complete()


def dead_letters(con: duckdb.DuckDBPyConnection, limit: int) -> list[DeadLetter]:
    rows = con.execute(
        'SELECT received_at, source, "where", reason, payload FROM dead_letters '
        "ORDER BY received_at DESC, seq DESC LIMIT ?",
        [max(0, int(limit))],
    ).fetchall()
    return [DeadLetter(_utc(at), source, where, reason, payload) for at, source, where, reason, payload in rows]


def put_api_key(con: duckdb.DuckDBPyConnection, key: ApiKey) -> None:
    con.execute(
        f"INSERT OR REPLACE INTO api_keys ({_KEY_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [key.id, key.name, key.role.value, key.secret_hash, key.created_at, list(key.sensor_ids), key.party,
         key.revoked_at],
    ).fetchall()


def api_keys(con: duckdb.DuckDBPyConnection, key_id: str | None = None) -> list[ApiKey]:
    where, params = ("WHERE id = ?", [key_id]) if key_id is not None else ("", [])
    rows = con.execute(f"SELECT {_KEY_COLUMNS} FROM api_keys {where} ORDER BY created_at, id", params).fetchall()
    return [_api_key(row) for row in rows]


def _api_key(row: tuple[Any, ...]) -> ApiKey:
    key_id, name, role, secret_hash, created_at, sensor_ids, party, revoked_at = row
    return ApiKey(id=key_id, name=name, role=Role(role), secret_hash=secret_hash, created_at=_utc(created_at),
                  sensor_ids=tuple(sensor_ids), party=party,
                  revoked_at=None if revoked_at is None else _utc(revoked_at))


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)
