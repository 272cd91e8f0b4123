"""Tables of the PostgreSQL store, its schema version and its advisory locks.

The layout mirrors the DuckDB store's (:mod:`crowdsafety.store.schema` and the ``duckdb_*``
modules) and shares its ``SCHEMA_VERSION``: the version numbers the logical layout, whatever the
backend. Times are ``timestamptz``; a session always runs in UTC. Text that is sorted or keyed
on is ``COLLATE "C"`` (byte order, as DuckDB sorts), whatever the database's locale.

Differences from DuckDB, all for several processes sharing one database:

- ``observations`` has a unique index on (start, sensor_id, metric, interval_s, value): it
  serves range reads and the duplicate check, and guarantees that an exact duplicate is never
  stored twice even by a writer that skipped the append lock. Its ``seq`` comes from the
  sequence ``observation_seq``, so arrival order holds across processes.
- Appends of observations and of decision-log entries, and flight registrations (read the
  flights in the way, check, insert), take a transaction-scoped advisory lock (:func:`lock`),
  keyed by the store's schema: writers to one store run one at a time, readers are never
  blocked, and stores in other schemas do not wait on each other.
"""

from __future__ import annotations

import psycopg
from psycopg import sql

from crowdsafety.domain import StoreError
from crowdsafety.store.forecast_rows import PROBABILITY_COLUMNS, QUANTILE_COLUMNS
from crowdsafety.store.postgres_connection import Target
from crowdsafety.store.postgres_flights import FLIGHT_DDL
from crowdsafety.store.postgres_incidents import INCIDENT_DDL
from crowdsafety.store.schema import DIRTY_TABLE, META_TABLE, SCHEMA_VERSION

#: First key of the two-key advisory locks (``pg_advisory_xact_lock(int, int)``); the second
#: is ``hashtext`` of the schema name.
LOCK_SCHEMA = 7_300_001
LOCK_OBSERVATIONS = 7_300_002
LOCK_DECISIONS = 7_300_003
LOCK_FLIGHTS = 7_300_004

DDL: tuple[str, ...] = (
    f"CREATE TABLE IF NOT EXISTS {META_TABLE} (key text PRIMARY KEY, value text NOT NULL)",
    "CREATE SEQUENCE IF NOT EXISTS observation_seq AS bigint MINVALUE 0 START 0",
    """
    CREATE TABLE IF NOT EXISTS observations (
        seq bigint NOT NULL,
        sensor_id text COLLATE "C" NOT NULL,
        start timestamptz NOT NULL,
        interval_s bigint NOT NULL,
        metric text COLLATE "C" NOT NULL,
        value double precision NOT NULL,
        quality text NOT NULL,
        received_at timestamptz NOT NULL
    )
    """,
    """
    CREATE UNIQUE INDEX IF NOT EXISTS observations_key_value
        ON observations (start, sensor_id, metric, interval_s, value)
    """,
    """
    CREATE TABLE IF NOT EXISTS zone_states (
        zone_id text COLLATE "C" NOT NULL,
        start timestamptz NOT NULL,
        interval_s bigint NOT NULL,
        people double precision,
        density double precision,
        level text,
        service_level text,
        status text NOT NULL,
        sources text[] NOT NULL,
        inflow double precision,
        outflow double precision,
        flow double precision,
        drift double precision,
        uncertainty double precision,
        PRIMARY KEY (zone_id, start)
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS sensor_health (
        sensor_id text COLLATE "C" PRIMARY KEY,
        "at" timestamptz NOT NULL,
        status text NOT NULL,
        last_seen timestamptz,
        detail text NOT NULL
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS alerts (
        id text COLLATE "C" PRIMARY KEY,
        site_id text NOT NULL,
        kind text NOT NULL,
        subject text NOT NULL,
        zone_ids text[] NOT NULL,
        level text NOT NULL,
        peak_level text NOT NULL,
        risk_level text NOT NULL,
        raised_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        reasons text[] NOT NULL,
        target_at timestamptz,
        probability double precision,
        status text NOT NULL,
        active boolean NOT NULL,
        cleared_at timestamptz,
        assignee text
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS decision_log (
        seq bigint PRIMARY KEY,
        "at" timestamptz NOT NULL,
        site_id text NOT NULL,
        who text NOT NULL,
        role text NOT NULL,
        action text NOT NULL,
        alert_id text,
        measure_id text,
        reason text NOT NULL,
        details text NOT NULL,
        prev_hash text NOT NULL,
        hash text NOT NULL
    )
    """,
    f"""
    CREATE TABLE IF NOT EXISTS forecasts (
        zone_id text COLLATE "C" NOT NULL,
        issued_at timestamptz NOT NULL,
        start timestamptz NOT NULL,
        interval_s bigint NOT NULL,
        model text COLLATE "C" NOT NULL,
        quantity text NOT NULL,
        {", ".join(f"{c} double precision" for c in QUANTILE_COLUMNS + PROBABILITY_COLUMNS)},
        PRIMARY KEY (zone_id, model, issued_at, start)
    )
    """,
    "CREATE INDEX IF NOT EXISTS forecasts_start ON forecasts (start)",
    # -- schema version 2 -------------------------------------------------------------------------
    """
    CREATE TABLE IF NOT EXISTS dead_letters (
        seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        received_at timestamptz NOT NULL,
        source text NOT NULL,
        "where" text NOT NULL,
        reason text NOT NULL,
        payload text NOT NULL
    )
    """,
    "CREATE INDEX IF NOT EXISTS dead_letters_received ON dead_letters (received_at, seq)",
    """
    CREATE TABLE IF NOT EXISTS api_keys (
        id text COLLATE "C" PRIMARY KEY,
        name text NOT NULL,
        role text NOT NULL,
        secret_hash text NOT NULL,
        created_at timestamptz NOT NULL,
        sensor_ids text[] NOT NULL,
        party text,
        revoked_at timestamptz
    )
    """,
    # -- schema version 3: incidents and chat messages ---------------------------------------------
    *INCIDENT_DDL,
    # -- schema version 4: the flight register and aerial observations ----------------------------
    *FLIGHT_DDL,
    # -- schema version 5: the dirty-since mark of appends (see crowdsafety.store.schema) ---------
    f"CREATE TABLE IF NOT EXISTS {DIRTY_TABLE} (one boolean PRIMARY KEY CHECK (one), since timestamptz NOT NULL)",
)


def lock(conn: psycopg.Connection, kind: int) -> None:
    """Wait for, then hold until the transaction ends, the ``kind`` lock of the current schema."""
    conn.execute("SELECT pg_advisory_xact_lock(%s, hashtext(current_schema()))", [kind])


def prepare(conn: psycopg.Connection, target: Target) -> None:
    """Create the tables of a new store, upgrade an older one; refuse a newer one or a schema
    that holds other tables. Runs in one transaction under the schema lock, so processes
    opening the same store at once do not trip over each other."""
    with conn.transaction():
        if target.schema is not None:
            conn.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", [LOCK_SCHEMA, target.schema])
            conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(target.schema)))
        (schema,) = _one(conn, "SELECT current_schema()")
        if schema is None:
            path = _one(conn, "SHOW search_path")[0]
            raise StoreError(
                f"{target.name}: no schema to create tables in (search_path {path!r} names no "
                "existing schema): create it, or add ?schema=NAME to the store URL"
            )
        if target.schema is None:
            lock(conn, LOCK_SCHEMA)
        version = _version(conn, target, schema)
        if version == SCHEMA_VERSION:
            return
        for statement in DDL:  # all IF NOT EXISTS: an older store gains the newer tables
            conn.execute(statement)
        conn.execute(
            f"INSERT INTO {META_TABLE} VALUES ('schema_version', %s) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [str(SCHEMA_VERSION)],
        )


def _version(conn: psycopg.Connection, target: Target, schema: str) -> int | None:
    """The stored schema version, None for an empty schema; StoreError when it cannot be opened."""
    tables = {r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = %s", [schema])}
    if META_TABLE not in tables:
        if tables:
            raise StoreError(
                f"{target.name}: schema {schema!r} holds tables but is not a crowdsafety store "
                f"(no {META_TABLE} table; found {', '.join(sorted(tables))})"
            )
        return None
    rows = conn.execute(f"SELECT value FROM {META_TABLE} WHERE key = 'schema_version'").fetchall()
    version = int(rows[0][0]) if rows and str(rows[0][0]).isdigit() else None
    if version is not None and version > SCHEMA_VERSION:
        raise StoreError(
            f"{target.name} has store schema version {version}, newer than version {SCHEMA_VERSION} "
            "that this crowdsafety knows: upgrade crowdsafety to open it"
        )
    if version is None or version < 1:
        raise StoreError(
            f"{target.name} has unknown store schema version {rows[0][0] if rows else None!r} "
            f"(expected 1 to {SCHEMA_VERSION})"
        )
    return version


def _one(conn: psycopg.Connection, query: str) -> tuple[object, ...]:
    row = conn.execute(query).fetchone()
    assert row is not None
    return tuple(row)
