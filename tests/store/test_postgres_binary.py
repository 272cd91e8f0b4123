"""The binary COPY encoder against a real PostgreSQL: what goes in comes back the same."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import psycopg
import pyarrow as pa
import pytest
from psycopg import sql

from crowdsafety.store.postgres_binary import binary_copy
from crowdsafety.store.postgres_frames import copy_in, query_frame

if TYPE_CHECKING:
    from conftest import PgSchema

SCHEMA = pa.schema(
    [
        ("pos", pa.int64()),
        ("name", pa.string()),
        ("at", pa.timestamp("us", tz="UTC")),
        ("n", pa.int64()),
        ("x", pa.float64()),
        ("ok", pa.bool_()),
    ]
)


@pytest.fixture
def conn(pg_schema: PgSchema) -> Iterator[psycopg.Connection]:
    with psycopg.connect(pg_schema.server, connect_timeout=2) as connection:
        connection.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(pg_schema.name)))
        connection.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(pg_schema.name)))
        connection.execute("SET TimeZone TO 'UTC'")
        connection.execute(
            'CREATE TABLE t (pos bigint, name text COLLATE "C", "at" timestamptz, n bigint, x double precision, '
            "ok boolean)"
        )
        yield connection


def test_values_nulls_text_and_times_round_trip(conn: psycopg.Connection) -> None:
    names = ["cam-1", "", None, "ünïcode ✓", "a,\"b\"\nc", "cam-1", "x" * 300, "cam-22"]
    at = pd.to_datetime(
        ["2026-08-14 21:30:00.123456", "1999-12-31 23:59:59.999999", None, "2000-01-01", "2038-01-19 03:14:08",
         "2026-03-29 01:00", "1970-01-01", "2026-08-14 21:30"], utc=True, format="ISO8601",
    )
    frame = pd.DataFrame({
        "pos": np.arange(8), "name": pd.array(names, dtype=object), "at": at,
        "n": pd.array([0, -1, None, 2**62, 300, 7, 8, 9], dtype="Int64"),
        "x": [0.1, -0.0, np.nan, 1e308, 5e-324, 3.0, np.inf, -2.5],
        "ok": pd.array([True, False, None, True, True, False, False, True], dtype="boolean"),
    })
    table = pa.Table.from_pandas(frame, schema=SCHEMA, preserve_index=False)
    copy_in(conn, "t", table)
    back = query_frame(conn, 'SELECT pos, name, "at", n, x, ok FROM t ORDER BY pos', [], SCHEMA)
    assert back["name"].tolist() == ["cam-1", "", "", "ünïcode ✓", "a,\"b\"\nc", "cam-1", "x" * 300, "cam-22"]
    nulls = conn.execute('SELECT pos FROM t WHERE name IS NULL AND "at" IS NULL AND n IS NULL AND ok IS NULL').fetchall()
    assert nulls == [(2,)]  # NULL stays NULL (read back as "" only by the strings-never-null reader)
    assert back["at"].isna().tolist() == [False, False, True, False, False, False, False, False]
    assert back["at"].dropna().tolist() == at.dropna().tolist()
    assert back["n"].tolist()[:2] == [0, -1] and back["n"].tolist()[3] == 2**62
    x = back["x"].to_numpy()
    assert np.isnan(x[2]) and np.signbit(x[1]) and x[3] == 1e308 and x[4] == 5e-324 and np.isinf(x[6])
    assert back["ok"].tolist() == [True, False, None, True, True, False, False, True]


def test_empty_table_is_a_valid_copy(conn: psycopg.Connection) -> None:
    copy_in(conn, "t", SCHEMA.empty_table())
    assert conn.execute("SELECT count(*) FROM t").fetchone() == (0,)
    assert bytes(binary_copy(SCHEMA.empty_table())).startswith(b"PGCOPY\n\xff\r\n\x00")


def test_unsupported_type_is_refused() -> None:
    with pytest.raises(TypeError, match="not supported"):
        binary_copy(pa.table({"day": pa.array([0], pa.date32())}))
