"""The store's dirty-since mark, on every backend: each append that stores rows lowers it to the
earliest interval start it stored, ``take_dirty_since`` reads and clears it; and the upgrade of a
version-4 store, which gains the mark's table."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import duckdb
import pandas as pd
import psycopg
import pytest
from psycopg import sql

from crowdsafety.domain import OBSERVATION_COLUMNS
from crowdsafety.store import Store
from crowdsafety.store.duckdb_store import DuckDBStore
from crowdsafety.store.postgres_store import PostgresStore
from crowdsafety.store.schema import DIRTY_TABLE, SCHEMA_VERSION

if TYPE_CHECKING:
    from conftest import Backend, PgSchema

T0 = datetime(2024, 7, 1, 12, 0, tzinfo=UTC)
RECEIVED = T0 + timedelta(days=1)
FIVE_MIN = timedelta(minutes=5)


def obs(sensor: str, slot: int, value: float = 10.0, *, received: datetime = RECEIVED) -> tuple[object, ...]:
    """One people count, ``slot`` five-minute intervals after T0."""
    return (sensor, T0 + slot * FIVE_MIN, 300, "count", value, "ok", received)


def frame(*rows: tuple[object, ...]) -> pd.DataFrame:
    out = pd.DataFrame(list(rows), columns=list(OBSERVATION_COLUMNS))
    out["start"] = pd.to_datetime(out["start"], utc=True)
    out["received_at"] = pd.to_datetime(out["received_at"], utc=True)
    return out


def test_a_new_store_has_no_mark(store: Store) -> None:
    assert store.take_dirty_since() is None


def test_the_mark_is_the_earliest_start_across_appends_and_take_clears_it(store: Store) -> None:
    store.append_observations(frame(obs("cam-1", 10), obs("cam-1", 11)))
    store.append_observations(frame(obs("cam-2", 3), obs("cam-1", 12)))
    store.append_observations(frame(obs("cam-3", 8)))
    assert store.take_dirty_since() == T0 + 3 * FIVE_MIN
    assert store.take_dirty_since() is None
    store.append_observations(frame(obs("cam-1", 20)))
    assert store.take_dirty_since() == T0 + 20 * FIVE_MIN


def test_an_append_of_duplicates_only_does_not_mark(store: Store) -> None:
    rows = frame(obs("cam-1", 1), obs("cam-1", 2, 12.0))
    store.append_observations(rows)
    store.take_dirty_since()
    assert store.append_observations(rows).duplicates == 2
    assert store.take_dirty_since() is None


def test_a_correction_marks_from_its_own_interval_not_from_the_batchs_duplicates(store: Store) -> None:
    store.append_observations(frame(obs("cam-1", 2), obs("cam-1", 9)))
    store.take_dirty_since()
    later = RECEIVED + FIVE_MIN
    result = store.append_observations(frame(obs("cam-1", 2), obs("cam-1", 9, 99.0, received=later)))
    assert (result.duplicates, result.corrections) == (1, 1)
    assert store.take_dirty_since() == T0 + 9 * FIVE_MIN


def test_the_mark_outlives_the_process_that_appended(backend: Backend) -> None:
    if not backend.persistent:
        pytest.skip("an in-memory store ends with its process")
    first = backend.open()
    first.append_observations(frame(obs("cam-1", 4)))
    first.close()
    second = backend.open()
    try:
        assert second.take_dirty_since() == T0 + 4 * FIVE_MIN
    finally:
        second.close()


def test_a_take_waits_for_an_append_that_holds_the_mark(pg_schema: PgSchema) -> None:
    """PostgreSQL: while another transaction has lowered the mark and not committed, a take
    waits for it and then returns the lowered mark (nothing is lost between them)."""
    store = PostgresStore(pg_schema.url)
    taken: list[object] = []
    try:
        store.append_observations(frame(obs("cam-1", 6)))
        with psycopg.connect(pg_schema.server, connect_timeout=2) as appender:
            appender.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(pg_schema.name)))
            appender.execute(f"UPDATE {DIRTY_TABLE} SET since = %s", [T0 + FIVE_MIN])
            taker = threading.Thread(target=lambda: taken.append(store.take_dirty_since()))
            taker.start()
            time.sleep(0.3)
            assert taken == []  # still waiting for the uncommitted append
            appender.commit()
            taker.join(10)
        assert taken == [T0 + FIVE_MIN]
        assert store.take_dirty_since() is None
    finally:
        store.close()


def test_a_version_4_duckdb_file_gains_the_mark(tmp_path) -> None:
    path = str(tmp_path / "v4.duckdb")
    DuckDBStore(path).close()
    con = duckdb.connect(path)  # make it look like a version-4 file
    con.execute(f"DROP TABLE {DIRTY_TABLE}").fetchall()
    con.execute("UPDATE meta SET value = '4' WHERE key = 'schema_version'").fetchall()
    con.close()
    store = DuckDBStore(path)
    try:
        assert store.take_dirty_since() is None
        store.append_observations(frame(obs("cam-1", 5)))
        assert store.take_dirty_since() == T0 + 5 * FIVE_MIN
    finally:
        store.close()
    con = duckdb.connect(path)
    assert con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchall() == [(str(SCHEMA_VERSION),)]
    con.close()


def test_a_version_4_postgresql_schema_gains_the_mark(pg_schema: PgSchema) -> None:
    PostgresStore(pg_schema.url).close()
    with psycopg.connect(pg_schema.server, connect_timeout=2, autocommit=True) as admin:
        admin.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(pg_schema.name)))
        admin.execute(f"DROP TABLE {DIRTY_TABLE}")
        admin.execute("UPDATE meta SET value = '4' WHERE key = 'schema_version'")
        store = PostgresStore(pg_schema.url)
        try:
            assert store.take_dirty_since() is None
            store.append_observations(frame(obs("cam-1", 5)))
            assert store.take_dirty_since() == T0 + 5 * FIVE_MIN
        finally:
            store.close()
        assert admin.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == (str(SCHEMA_VERSION),)
