"""Tables of the DuckDB store and the version number of that layout.

``SCHEMA_VERSION`` is stored in ``meta`` and bumped whenever a table changes shape; a store
refuses to open a file written with a newer version than it knows.

- ``observations``: raw, append-only. ``seq`` orders rows of equal ``received_at``; no key
  constraint (corrections share a key), so bulk appends stay fast.
- ``zone_states``: derived, one row per (zone_id, start), replaced on put.
- ``sensor_health``: derived, one row per sensor, replaced on put.
- ``picture_dirty``: at most one row, the earliest interval start that appends stored since the
  refreshing process last took it (:data:`DIRTY_TABLE`); lowered by every append that stores
  rows, read and emptied by ``take_dirty_since``, so late data from any process is re-pictured.
- ``alerts`` and ``decision_log`` (append-only, hash-chained): defined with their SQL in
  :mod:`crowdsafety.store.duckdb_decisions` (``DECISION_DDL``).
- ``forecasts``: issued forecasts, one row per (zone_id, model, issued_at, start), kept for
  judging them later: :mod:`crowdsafety.store.duckdb_forecasts` (``FORECAST_DDL``).
- ``incidents`` and their append-only ``incident_updates``:
  :mod:`crowdsafety.store.duckdb_incidents` (``INCIDENT_DDL``).
- ``flights`` (the flight register) and ``aerial_observations`` (what flights saw, never
  imagery): :mod:`crowdsafety.store.duckdb_flights` (``FLIGHT_DDL``).
"""

from __future__ import annotations

SCHEMA_VERSION = 5  # 2: dead_letters and api_keys (crowdsafety.store.duckdb_access);
#                     3: incidents, incident_updates (crowdsafety.store.duckdb_incidents);
#                     4: flights, aerial_observations (crowdsafety.store.duckdb_flights);
#                     5: picture_dirty (the dirty-since mark of appends)

META_TABLE = "meta"
DIRTY_TABLE = "picture_dirty"

DDL: tuple[str, ...] = (
    f"CREATE TABLE IF NOT EXISTS {META_TABLE} (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)",
    """
    CREATE TABLE IF NOT EXISTS observations (
        seq BIGINT NOT NULL,
        sensor_id VARCHAR NOT NULL,
        start TIMESTAMPTZ NOT NULL,
        interval_s BIGINT NOT NULL,
        metric VARCHAR NOT NULL,
        value DOUBLE NOT NULL,
        quality VARCHAR NOT NULL,
        received_at TIMESTAMPTZ NOT NULL
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS zone_states (
        zone_id VARCHAR NOT NULL,
        start TIMESTAMPTZ NOT NULL,
        interval_s BIGINT NOT NULL,
        people DOUBLE,
        density DOUBLE,
        level VARCHAR,
        service_level VARCHAR,
        status VARCHAR NOT NULL,
        sources VARCHAR[] NOT NULL,
        inflow DOUBLE,
        outflow DOUBLE,
        flow DOUBLE,
        drift DOUBLE,
        uncertainty DOUBLE,
        PRIMARY KEY (zone_id, start)
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS sensor_health (
        sensor_id VARCHAR PRIMARY KEY,
        "at" TIMESTAMPTZ NOT NULL,
        status VARCHAR NOT NULL,
        last_seen TIMESTAMPTZ,
        detail VARCHAR NOT NULL
    )
    """,
    # -- schema version 5 -------------------------------------------------------------------------
    f"CREATE TABLE IF NOT EXISTS {DIRTY_TABLE} (one BOOLEAN PRIMARY KEY CHECK (one), since TIMESTAMPTZ NOT NULL)",
)

#: Columns of ``zone_states`` in the order of :class:`~crowdsafety.domain.ZoneState` fields.
ZONE_STATE_COLUMNS: tuple[str, ...] = (
    "zone_id",
    "start",
    "interval_s",
    "people",
    "density",
    "level",
    "service_level",
    "status",
    "sources",
    "inflow",
    "outflow",
    "flow",
    "drift",
    "uncertainty",
)
