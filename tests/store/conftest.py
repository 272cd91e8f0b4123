"""Store backends the store test suite runs against.

Each backend gives ``open()``: a store on this test's own, initially empty storage. A
persistent backend's second ``open()`` (after ``close()``) sees what the first stored.

PostgreSQL: every test gets its own schema (``t_<random>``) in database ``test`` on
127.0.0.1:5432, dropped afterwards. ``CROWDSAFETY_TEST_PG`` overrides the server URL; the
backend's tests skip, saying why, only when no server answers within 2 s.
"""

from __future__ import annotations

import functools
import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from crowdsafety.store import Store
from crowdsafety.store.duckdb_store import DuckDBStore
from crowdsafety.store.postgres_store import PostgresStore

PG_URL_ENV = "CROWDSAFETY_TEST_PG"
PG_DEFAULT_URLS = ("postgresql://127.0.0.1:5432/test", "postgresql://postgres@127.0.0.1:5432/test")


@dataclass(frozen=True)
class Backend:
    """How to open stores on one test's storage; ``drop`` removes that storage afterwards."""

    name: str
    open: Callable[[], Store]
    persistent: bool
    url: str | None = None
    drop: Callable[[], None] | None = None


def _duckdb_memory(tmp_path: Path) -> Backend:
    return Backend("duckdb-memory", lambda: DuckDBStore(":memory:"), persistent=False)


def _duckdb_file(tmp_path: Path) -> Backend:
    path = str(tmp_path / "store.duckdb")
    return Backend("duckdb-file", lambda: DuckDBStore(path), persistent=True, url=f"duckdb://{path}")


@functools.cache
def pg_server() -> str:
    """URL of a PostgreSQL server that answers (cached for the session); skips when none does."""
    candidates = (os.environ[PG_URL_ENV],) if os.environ.get(PG_URL_ENV) else PG_DEFAULT_URLS
    problems = []
    for url in candidates:
        try:
            with psycopg.connect(url, connect_timeout=2) as conn:
                conn.execute("SELECT 1").fetchall()
            return url
        except psycopg.Error as exc:
            problems.append(f"{url}: {str(exc).strip()}")
    pytest.skip(f"no PostgreSQL server answered within 2 s ({'; '.join(problems)}); set {PG_URL_ENV}")


@dataclass(frozen=True)
class PgSchema:
    """A PostgreSQL schema of one test's own on ``server``; ``url`` opens a store in it."""

    server: str
    name: str

    @property
    def url(self) -> str:
        return f"{self.server}{'&' if '?' in self.server else '?'}schema={self.name}"

    def drop(self) -> None:
        with psycopg.connect(self.server, connect_timeout=2, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(self.name)))


def new_pg_schema() -> PgSchema:
    return PgSchema(pg_server(), f"t_{uuid.uuid4().hex[:16]}")


@pytest.fixture
def pg_schema() -> Iterator[PgSchema]:
    """A fresh schema name on the test server (skips without one), dropped afterwards."""
    schema = new_pg_schema()
    yield schema
    schema.drop()


def _postgres(tmp_path: Path) -> Backend:
    schema = new_pg_schema()
    url = schema.url
    return Backend("postgres", lambda: PostgresStore(url), persistent=True, url=url, drop=schema.drop)


BACKENDS: dict[str, Callable[[Path], Backend]] = {
    "duckdb-memory": _duckdb_memory,
    "duckdb-file": _duckdb_file,
    "postgres": _postgres,
}


@pytest.fixture(params=sorted(BACKENDS))
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    chosen = BACKENDS[request.param](tmp_path)
    yield chosen
    if chosen.drop is not None:
        chosen.drop()


@pytest.fixture
def store(backend: Backend) -> Iterator[Store]:
    opened = backend.open()
    yield opened
    opened.close()
