"""PostgreSQL specifics of the store: URLs, schema versions, clear errors, the same frames as
DuckDB."""

from __future__ import annotations

import inspect
import socket
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import pandas as pd
import psycopg
import pytest
from psycopg import sql

from crowdsafety.domain import OBSERVATION_COLUMNS, StoreError
from crowdsafety.domain.dead_letter import DeadLetter
from crowdsafety.store import Store, open_store
from crowdsafety.store.duckdb_store import DuckDBStore
from crowdsafety.store.postgres_connection import parse_url
from crowdsafety.store.postgres_store import PostgresStore
from crowdsafety.store.schema import SCHEMA_VERSION

if TYPE_CHECKING:
    from conftest import PgSchema

T0 = datetime(2026, 8, 14, 20, 0, tzinfo=UTC)


@pytest.fixture
def admin(pg_schema: PgSchema) -> Iterator[psycopg.Connection]:
    """A plain connection with the test's schema first on its search_path (autocommit)."""
    with psycopg.connect(pg_schema.server, connect_timeout=2, autocommit=True) as conn:
        conn.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(pg_schema.name)))
        yield conn


def _frame(*values: float, sensor: str = "cam-1") -> pd.DataFrame:
    frame = pd.DataFrame(
        [(sensor, T0 + timedelta(minutes=5 * i), 300, "count", v, "ok", T0 + timedelta(hours=1))
         for i, v in enumerate(values)],
        columns=list(OBSERVATION_COLUMNS),
    )
    for column in ("start", "received_at"):
        frame[column] = pd.to_datetime(frame[column], utc=True)
    return frame


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# -- URLs -------------------------------------------------------------------------------------------


def test_open_store_takes_both_schemes(pg_schema: PgSchema) -> None:
    for url in (pg_schema.url, pg_schema.url.replace("postgresql://", "postgres://", 1)):
        store = open_store(url)
        try:
            assert isinstance(store, PostgresStore) and pg_schema.name in store.name
            store.append_observations(_frame(1.0))
            assert len(store.observations(start=T0, end=T0 + timedelta(hours=1))) == 1
        finally:
            store.close()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://127.0.0.1/test", "unknown store URL"),
        ("postgresql://127.0.0.1/test?schema=a&schema=b", "give one non-empty schema=NAME"),
        ("postgresql://127.0.0.1/test?schema=", "give one non-empty schema=NAME"),
        ("postgresql://127.0.0.1/test?bogus=1", r"bad PostgreSQL store URL.*expected postgresql://"),
    ],
)
def test_bad_urls_say_what_form_is_expected(url: str, message: str) -> None:
    with pytest.raises(StoreError, match=message):
        open_store(url)


def test_bad_url_error_hides_passwords() -> None:
    with pytest.raises(StoreError, match=r"u:\*\*\*@h/db\?password=\*\*\*&bogus=1") as caught:
        open_store("postgresql://u:pw1@h/db?password=pw2&bogus=1")
    assert "pw1" not in str(caught.value) and "pw2" not in str(caught.value)


def test_unreachable_server_is_a_clear_error_without_the_password() -> None:
    url = f"postgresql://crowd:s3cret@127.0.0.1:{_closed_port()}/test?connect_timeout=2&schema=x"
    began = time.monotonic()
    with pytest.raises(StoreError, match=r"cannot connect to PostgreSQL store 127\.0\.0\.1:\d+/test schema x") as caught:
        open_store(url)
    assert time.monotonic() - began < 10
    assert "s3cret" not in str(caught.value) and "\n" not in str(caught.value)
    assert "s3cret" not in parse_url(url).name


def test_search_path_in_libpq_options_also_works(pg_schema: PgSchema, admin: psycopg.Connection) -> None:
    via_options = f"{pg_schema.server}?options=-csearch_path%3D{pg_schema.name}"
    with pytest.raises(StoreError, match="no schema to create tables in"):
        PostgresStore(via_options)
    admin.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(pg_schema.name)))
    store = PostgresStore(via_options)
    try:
        store.append_observations(_frame(1.0, 2.0))
    finally:
        store.close()
    assert admin.execute("SELECT count(*) FROM observations").fetchone() == (2,)


# -- schema versions ---------------------------------------------------------------------------


def test_newer_schema_version_is_refused(pg_schema: PgSchema, admin: psycopg.Connection) -> None:
    PostgresStore(pg_schema.url).close()
    admin.execute("UPDATE meta SET value = %s WHERE key = 'schema_version'", [str(SCHEMA_VERSION + 1)])
    with pytest.raises(StoreError, match=f"schema version {SCHEMA_VERSION + 1}.*upgrade crowdsafety"):
        PostgresStore(pg_schema.url)


def test_unknown_schema_version_is_refused(pg_schema: PgSchema, admin: psycopg.Connection) -> None:
    PostgresStore(pg_schema.url).close()
    admin.execute("DELETE FROM meta")
    with pytest.raises(StoreError, match="unknown store schema version"):
        PostgresStore(pg_schema.url)


def test_schema_of_other_tables_is_refused(pg_schema: PgSchema, admin: psycopg.Connection) -> None:
    admin.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(pg_schema.name)))
    admin.execute("CREATE TABLE trips (id integer)")
    with pytest.raises(StoreError, match=r"not a crowdsafety store \(no meta table; found trips\)"):
        PostgresStore(pg_schema.url)
    assert admin.execute("SELECT count(*) FROM pg_tables WHERE schemaname = %s", [pg_schema.name]).fetchone() == (1,)


def test_version_1_schema_is_upgraded_in_place(pg_schema: PgSchema, admin: psycopg.Connection) -> None:
    store = PostgresStore(pg_schema.url)
    store.append_observations(_frame(7.0))
    store.close()
    admin.execute("DROP TABLE dead_letters, api_keys")
    admin.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    store = PostgresStore(pg_schema.url)
    try:
        letter = DeadLetter(T0, "mqtt", "topic", "why", "{}")
        store.append_dead_letters([letter])
        assert store.dead_letters() == [letter] and store.api_keys() == []
        assert store.observation_span() == (T0, T0)
    finally:
        store.close()
    assert admin.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == (str(SCHEMA_VERSION),)


# -- errors while running ----------------------------------------------------------------------


def test_database_errors_name_the_store_and_the_operation(pg_schema: PgSchema, admin: psycopg.Connection) -> None:
    store = PostgresStore(pg_schema.url)
    try:
        admin.execute("DROP TABLE observations")
        with pytest.raises(StoreError, match=f"schema {pg_schema.name}: reading when sensors were last seen: "
                                             "UndefinedTable"):
            store.last_seen()
        with pytest.raises(StoreError, match="appending observations"):
            store.append_observations(_frame(1.0))
        assert store.sensor_health() == {}  # the store keeps working after an error
    finally:
        store.close()


# -- the same frames as DuckDB -----------------------------------------------------------------


def _same_data(store: Store) -> None:
    store.append_observations(_frame(1.0, 2.0, 3.0))
    store.append_observations(_frame(5.0, sensor="wifi-ä"))
    store.append_observations(_frame(1.5))  # a correction
    store.put_forecasts(pd.DataFrame({
        "zone_id": "pier", "issued_at": pd.Timestamp(T0), "start": pd.date_range(T0, periods=2, freq="h"),
        "interval_s": 3600, "model": "lightgbm", "quantity": "people", "p50": [100.0, 110.0],
        "p_green": 1.0, "p_yellow": 0.0, "p_orange": 0.0, "p_red": 0.0,
    }))


@pytest.mark.parametrize("latest_only", [True, False])
def test_frames_have_duckdb_dtypes_and_values(pg_schema: PgSchema, latest_only: bool) -> None:
    duck, pg = DuckDBStore(":memory:"), PostgresStore(pg_schema.url)
    try:
        for store in (duck, pg):
            _same_data(store)
        for start, end in ((T0, T0 + timedelta(days=1)), (T0 - timedelta(days=2), T0 - timedelta(days=1))):
            expected = duck.observations(start=start, end=end, latest_only=latest_only)
            got = pg.observations(start=start, end=end, latest_only=latest_only)
            pd.testing.assert_frame_equal(got, expected)
            expected = duck.forecasts(start=start, end=end, latest_only=latest_only)
            got = pg.forecasts(start=start, end=end, latest_only=latest_only)
            pd.testing.assert_frame_equal(got, expected)
        assert pg.last_seen() == duck.last_seen() and pg.observation_span() == duck.observation_span()
    finally:
        duck.close()
        pg.close()


def test_every_store_method_has_the_protocols_signature() -> None:
    wanted = {n: inspect.signature(f) for n, f in vars(Store).items() if callable(f) and not n.startswith("_")}
    for cls in (DuckDBStore, PostgresStore):
        got = {n: inspect.signature(getattr(cls, n)) for n in wanted if hasattr(cls, n)}
        assert set(got) == set(wanted), f"{cls.__name__} lacks {sorted(set(wanted) - set(got))}"
        for name, signature in wanted.items():
            assert list(got[name].parameters) == list(signature.parameters), f"{cls.__name__}.{name}"
