"""DuckDB specifics of the store: file versions, foreign or unreadable files, store URLs."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from crowdsafety.domain import StoreError
from crowdsafety.store import open_store
from crowdsafety.store.duckdb_store import DuckDBStore
from crowdsafety.store.schema import SCHEMA_VERSION


def test_newer_schema_version_is_refused(tmp_path: Path) -> None:
    path = str(tmp_path / "future.duckdb")
    DuckDBStore(path).close()
    with duckdb.connect(path) as con:
        con.execute(
            "UPDATE meta SET value = ? WHERE key = 'schema_version'", [str(SCHEMA_VERSION + 1)]
        )
    with pytest.raises(StoreError, match=f"schema version {SCHEMA_VERSION + 1}.*upgrade"):
        DuckDBStore(path)


def test_foreign_duckdb_file_is_refused(tmp_path: Path) -> None:
    path = str(tmp_path / "other.duckdb")
    with duckdb.connect(path) as con:
        con.execute("CREATE TABLE trips (id INTEGER)")
    with pytest.raises(StoreError, match="not a crowdsafety store"):
        DuckDBStore(path)


def test_unreadable_file_becomes_store_error(tmp_path: Path) -> None:
    path = tmp_path / "garbage.duckdb"
    path.write_bytes(b"not a database at all" * 100)
    with pytest.raises(StoreError, match="cannot open"):
        DuckDBStore(str(path))


def test_open_store_urls(tmp_path: Path) -> None:
    memory = open_store("duckdb://:memory:")
    file_store = open_store(f"duckdb://{tmp_path}/via-url.duckdb")
    try:
        assert isinstance(memory, DuckDBStore) and memory.path == ":memory:"
        assert isinstance(file_store, DuckDBStore)
        assert file_store.path == f"{tmp_path}/via-url.duckdb"
    finally:
        memory.close()
        file_store.close()
    assert (tmp_path / "via-url.duckdb").exists()
