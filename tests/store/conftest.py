"""Store backends the store test suite runs against.

Each backend gives ``open()``: a store on this test's own, initially empty storage. A
persistent backend's second ``open()`` (after ``close()``) sees what the first stored. A server
backend (PostgreSQL) joins by adding an entry to ``BACKENDS`` that skips when no server is set.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from crowdsafety.store import Store
from crowdsafety.store.duckdb_store import DuckDBStore


@dataclass(frozen=True)
class Backend:
    """How to open stores on one test's storage."""

    name: str
    open: Callable[[], Store]
    persistent: bool


def _duckdb_memory(tmp_path: Path) -> Backend:
    return Backend("duckdb-memory", lambda: DuckDBStore(":memory:"), persistent=False)


def _duckdb_file(tmp_path: Path) -> Backend:
    path = str(tmp_path / "store.duckdb")
    return Backend("duckdb-file", lambda: DuckDBStore(path), persistent=True)


BACKENDS: dict[str, Callable[[Path], Backend]] = {
    "duckdb-memory": _duckdb_memory,
    "duckdb-file": _duckdb_file,
}


@pytest.fixture(params=sorted(BACKENDS))
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    return BACKENDS[request.param](tmp_path)


@pytest.fixture
def store(backend: Backend) -> Iterator[Store]:
    opened = backend.open()
    yield opened
    opened.close()
