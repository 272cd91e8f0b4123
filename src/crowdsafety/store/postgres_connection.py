"""Reaching PostgreSQL: the store URL, the connection pool and the one place where psycopg's
errors become the package's StoreError.

A store URL is a libpq URL (``postgresql://`` or ``postgres://``) with one extra, optional query
parameter, ``schema``: the PostgreSQL schema holding the store's tables (created when missing),
so several stores can share one database. Without it the tables live in the first schema of the
connection's ``search_path`` (usually ``public``), which libpq's ``options=-csearch_path=...``
can also set. Every pooled connection runs with ``TimeZone = 'UTC'``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict
from psycopg_pool import ConnectionPool, PoolTimeout

from crowdsafety.domain import StoreError

URL_FORM = (
    "postgresql://[user[:password]@]host[:port]/database[?schema=NAME][&other libpq parameters]"
)
SCHEMES = ("postgresql", "postgres")

#: Seconds to wait for the server when connecting (unless the URL sets ``connect_timeout``).
CONNECT_TIMEOUT_S = 10
#: Seconds a call waits for a free pooled connection before it fails.
POOL_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class Target:
    """Where a store lives: libpq connection string, optional schema, and a password-free name
    for messages."""

    conninfo: str
    schema: str | None
    name: str


def parse_url(url: str) -> Target:
    """Split a store URL into libpq's part and the ``schema`` parameter; StoreError if malformed."""
    if urlsplit(url).scheme not in SCHEMES:
        raise StoreError(f"not a PostgreSQL store URL: {_redacted(url)!r}; expected {URL_FORM}")
    base, query = _split(url)
    schemas = [value for key, value in query if key == "schema"]
    if len(schemas) > 1 or (schemas and not schemas[0]):
        raise StoreError(f"PostgreSQL store URL {_redacted(url)!r}: give one non-empty schema=NAME")
    conninfo = _join(base, [(k, v) for k, v in query if k != "schema"])
    try:
        params = conninfo_to_dict(conninfo)
    except psycopg.Error as exc:
        problem = " ".join(str(exc).split())
        raise StoreError(f"bad PostgreSQL store URL {_redacted(url)!r}: {problem}; expected {URL_FORM}") from exc
    database = params.get("dbname") or "(default database)"
    host = params.get("host")
    where = f"{host}:{params.get('port') or 5432}/{database}" if host else f"local socket/{database}"
    schema = schemas[0] if schemas else None
    name = f"PostgreSQL store {where}" + (f" schema {schema}" if schema else "")
    return Target(conninfo=conninfo, schema=schema, name=name)


def connect(target: Target) -> psycopg.Connection:
    """One configured connection, outside the pool (used to prepare the schema)."""
    with translated(f"cannot connect to {target.name}"):
        conn = psycopg.connect(target.conninfo, **_connect_kwargs(target))
    try:
        with translated(f"cannot configure a connection to {target.name}"):
            configure(conn, target.schema)
    except BaseException:
        conn.close()
        raise
    return conn


def open_pool(target: Target, *, max_size: int, session_sql: Sequence[str] = ()) -> ConnectionPool:
    """A pool of 1 to ``max_size`` connections, opened and ready; each new connection is
    configured, then runs ``session_sql`` once (for example to create its temporary tables)."""
    pool = ConnectionPool(
        target.conninfo,
        kwargs=_connect_kwargs(target),
        min_size=1,
        max_size=max_size,
        open=False,
        configure=lambda conn: configure(conn, target.schema, session_sql),
        check=ConnectionPool.check_connection,
        timeout=POOL_TIMEOUT_S,
        name=target.name,
    )
    try:
        with translated(f"cannot open a connection pool to {target.name}"):
            pool.open(wait=True, timeout=CONNECT_TIMEOUT_S)
    except BaseException:
        pool.close()
        raise
    return pool


def configure(conn: psycopg.Connection, schema: str | None, session_sql: Sequence[str] = ()) -> None:
    """Session settings every connection needs (UTC, ISO dates, the store's schema), then
    ``session_sql``."""
    conn.execute("SET TimeZone TO 'UTC'")
    conn.execute("SET DateStyle TO 'ISO, YMD'")
    if schema is not None:
        conn.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(schema)))
    for statement in session_sql:
        conn.execute(statement)  # type: ignore[arg-type]
    conn.commit()


@contextmanager
def translated(context: str) -> Iterator[None]:
    """The one place where psycopg's (and its pool's) errors become StoreError."""
    try:
        yield
    except PoolTimeout as exc:
        raise StoreError(f"{context}: no database connection within the time limit ({exc})") from exc
    except psycopg.Error as exc:
        raise StoreError(f"{context}: {type(exc).__name__}: {' '.join(str(exc).split())}") from exc


def _connect_kwargs(target: Target) -> dict[str, object]:
    params = conninfo_to_dict(target.conninfo)
    return {} if "connect_timeout" in params else {"connect_timeout": CONNECT_TIMEOUT_S}


def _split(url: str) -> tuple[str, list[tuple[str, str]]]:
    """``url`` before its query, and the query's parameters (decoded)."""
    base, _, query = url.partition("?")
    return base, parse_qsl(query, keep_blank_values=True)


def _join(base: str, query: list[tuple[str, str]]) -> str:
    return f"{base}?{urlencode(query, safe='*')}" if query else base


def _redacted(url: str) -> str:
    """``url`` with any password (in the user part or as a parameter) replaced by ``***``."""
    base, query = _split(url)
    password = urlsplit(base).password
    if password is not None:
        base = base.replace(f":{password}@", ":***@", 1)
    return _join(base, [(k, "***" if k == "password" else v) for k, v in query])
