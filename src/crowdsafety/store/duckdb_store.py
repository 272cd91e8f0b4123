"""The embedded DuckDB store: one file (or memory) holding raw observations and derived state.

Bulk appends never go row by row: the batch frame is scanned by DuckDB directly, collapsed to
distinct (key, value) rows, anti-joined against the stored rows of the batch's start range
(zone maps skip the rest when data arrives roughly in time order) and inserted in one statement.

An observation is an exact duplicate when a row with the same key and value is already stored
or came earlier in the batch: replaying old data is idempotent. Any other row is stored; it is a
correction when its key already had a value. The transaction that stores rows also lowers the
dirty-since mark (``picture_dirty``) to the earliest start it stored. Reads with ``latest_only`` take per key the highest
``received_at``, then the highest ``seq`` (the arrival order).

Threads: one DuckDB connection guarded by a lock, so calls from several threads run one at a
time. DuckDB parallelises each query itself, so little is lost, and the append's staging tables
and its sequence counter need no further coordination.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Any, TypeVar

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from crowdsafety.domain import (
    OBSERVATION_COLUMNS,
    DataStatus,
    HealthStatus,
    Level,
    SensorHealth,
    ServiceLevel,
    StoreError,
    ZoneState,
)
from crowdsafety.domain.access import ApiKey
from crowdsafety.domain.dead_letter import DeadLetter
from crowdsafety.domain.decision import AlertRecord, DecisionEntry
from crowdsafety.domain.flight import AerialObservation, Flight, FlightStatus
from crowdsafety.domain.incident import Incident, IncidentStatus, IncidentUpdate
from crowdsafety.store import duckdb_access as _access
from crowdsafety.store import duckdb_decisions as _decisions
from crowdsafety.store import duckdb_flights as _flights
from crowdsafety.store import duckdb_forecasts as _forecasts
from crowdsafety.store import duckdb_incidents as _incidents
from crowdsafety.store.base import AppendResult
from crowdsafety.store.schema import DDL, DIRTY_TABLE, META_TABLE, SCHEMA_VERSION, ZONE_STATE_COLUMNS

_R = TypeVar("_R")

_KEY = "sensor_id, start, interval_s, metric"
_MARK_DIRTY = (f"INSERT INTO {DIRTY_TABLE} VALUES (true, ?) "
               f"ON CONFLICT (one) DO UPDATE SET since = least({DIRTY_TABLE}.since, excluded.since)")
_OBS_SELECT = "sensor_id, start, interval_s, metric, value, quality, received_at"

_ZONE_STATE_SCHEMA = pa.schema(
    [
        ("zone_id", pa.string()),
        ("start", pa.timestamp("us", tz="UTC")),
        ("interval_s", pa.int64()),
        ("people", pa.float64()),
        ("density", pa.float64()),
        ("level", pa.string()),
        ("service_level", pa.string()),
        ("status", pa.string()),
        ("sources", pa.list_(pa.string())),
        ("inflow", pa.float64()),
        ("outflow", pa.float64()),
        ("flow", pa.float64()),
        ("drift", pa.float64()),
        ("uncertainty", pa.float64()),
    ]
)


class DuckDBStore:
    """:class:`~crowdsafety.store.Store` backed by DuckDB; ``path`` is a file or ``":memory:"``."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._lock = threading.RLock()
        self._con: duckdb.DuckDBPyConnection | None = None
        with _translated(f"cannot open DuckDB store {path!r}"):
            self._con = duckdb.connect(path)
        try:
            with self._session() as con:
                _run(con, "SET TimeZone = 'UTC'")
                self._prepare_schema(con)
                self._next_seq = int(
                    _one(con, "SELECT coalesce(max(seq) + 1, 0) FROM observations")[0]
                )
        except BaseException:
            self.close()
            raise

    # -- plumbing -------------------------------------------------------------------------------

    @contextmanager
    def _session(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """The connection, held under the lock, with DuckDB errors turned into StoreError."""
        with self._lock:
            if self._con is None:
                raise StoreError(f"DuckDB store {self.path!r} is closed")
            with _translated(f"DuckDB store {self.path!r}"):
                yield self._con

    def _prepare_schema(self, con: duckdb.DuckDBPyConnection) -> None:
        """Create the tables of a new store; refuse a file of another layout or version."""
        tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        if META_TABLE in tables:
            rows = con.execute(
                f"SELECT value FROM {META_TABLE} WHERE key = 'schema_version'"
            ).fetchall()
            version = int(rows[0][0]) if rows else None
            if version is not None and version > SCHEMA_VERSION:
                raise StoreError(
                    f"{self.path!r} has store schema version {version}, newer than version "
                    f"{SCHEMA_VERSION} that this crowdsafety knows: upgrade crowdsafety to open it"
                )
            if version is None or version < 1:
                raise StoreError(
                    f"{self.path!r} has unknown store schema version {version} "
                    f"(expected 1 to {SCHEMA_VERSION})"
                )
        elif tables:
            raise StoreError(
                f"{self.path!r} is a DuckDB database but not a crowdsafety store "
                f"(no {META_TABLE} table; found {', '.join(sorted(tables))})"
            )
        with _transaction(con):
            tables_ddl = (DDL + _decisions.DECISION_DDL + _forecasts.FORECAST_DDL + _access.ACCESS_DDL
                          + _incidents.INCIDENT_DDL + _flights.FLIGHT_DDL)
            for statement in tables_ddl:
                _run(con, statement)  # all IF NOT EXISTS: an older store gains the newer tables
            _run(
                con,
                f"INSERT OR REPLACE INTO {META_TABLE} VALUES ('schema_version', ?)",
                [str(SCHEMA_VERSION)],
            )

    def close(self) -> None:
        """Close the connection; later calls raise StoreError. Closing twice is harmless."""
        with self._lock:
            if self._con is not None:
                con, self._con = self._con, None
                with _translated(f"closing DuckDB store {self.path!r}"):
                    con.close()

    # -- observations ---------------------------------------------------------------------------

    def append_observations(self, frame: pd.DataFrame) -> AppendResult:
        """Append ``frame`` (``OBSERVATION_COLUMNS``) in one transaction; all or nothing."""
        missing = [c for c in OBSERVATION_COLUMNS if c not in frame.columns]
        if missing:
            raise StoreError(f"observation frame lacks columns {missing}")
        for column in ("start", "received_at"):
            if not isinstance(frame[column].dtype, pd.DatetimeTZDtype):
                raise StoreError(
                    f"observation column {column!r} must hold tz-aware datetimes, "
                    f"got dtype {frame[column].dtype}"
                )
        n = len(frame)
        if n == 0:
            return AppendResult(inserted=0, duplicates=0, corrections=0)
        batch = frame.loc[:, list(OBSERVATION_COLUMNS)].assign(pos=np.arange(n, dtype=np.int64))
        with self._session() as con:
            span = (batch["start"].min().to_pydatetime(), batch["start"].max().to_pydatetime())
            with _registered(con, "_frame", batch):
                new_rows, new_keys = self._insert_new(con, span)
            self._next_seq += n  # under the lock: the next batch's rows come after these
        return AppendResult(
            inserted=new_keys, duplicates=n - new_rows, corrections=new_rows - new_keys
        )

    def _insert_new(self, con: duckdb.DuckDBPyConnection, span: tuple[Any, Any]) -> tuple[int, int]:
        """Insert the rows of the registered ``_frame`` that are not exact duplicates.

        Two statements: one finds the new rows (flagging keys never stored before), one inserts
        them in a transaction that also lowers the dirty-since mark to their earliest start. Both
        run under the store's lock on its one connection, so nothing can be written in between.
        Returns (rows stored, keys stored for the first time).
        """
        new = con.sql(
            f"""
            WITH stored AS (
                SELECT {_KEY}, value FROM observations WHERE start BETWEEN ? AND ?
            ), batch AS (
                SELECT {_KEY}, value, min(pos) AS pos,
                       arg_min(quality, pos) AS quality, arg_min(received_at, pos) AS received_at
                FROM _frame GROUP BY {_KEY}, value
            ), fresh AS (
                SELECT * FROM batch ANTI JOIN stored USING ({_KEY}, value)
            )
            SELECT fresh.*, NOT EXISTS (
                SELECT 1 FROM stored s WHERE s.sensor_id = fresh.sensor_id AND s.start = fresh.start
                  AND s.interval_s = fresh.interval_s AND s.metric = fresh.metric
            ) AS new_key
            FROM fresh
            """,
            params=list(span),
        ).to_arrow_table()
        if new.num_rows == 0:
            return 0, 0
        keys = ["sensor_id", "start", "interval_s", "metric"]
        first_time = new.filter(new["new_key"]).select(keys)
        new_keys = first_time.group_by(keys).aggregate([]).num_rows if first_time.num_rows else 0
        earliest = pc.min(new["start"]).as_py()
        with _registered(con, "_new", new), _transaction(con):
            _run(con, f"INSERT INTO observations SELECT ? + pos, {_OBS_SELECT} FROM _new ORDER BY start",
                 [self._next_seq])
            _run(con, _MARK_DIRTY, [earliest])
        return new.num_rows, new_keys

    def take_dirty_since(self) -> datetime | None:
        """The earliest interval start stored by appends since the last take, and clear it."""
        with self._session() as con:
            rows = con.execute(f"DELETE FROM {DIRTY_TABLE} RETURNING since").fetchall()
        return _as_utc(rows[0][0]) if rows else None

    def observations(
        self,
        *,
        start: datetime,
        end: datetime,
        sensor_ids: Sequence[str] | None = None,
        latest_only: bool = True,
    ) -> pd.DataFrame:
        """Observations with ``start <= start < end``; sorted by sensor_id, start, metric."""
        where = "start >= ? AND start < ?"
        params: list[Any] = [_utc(start, "start"), _utc(end, "end")]
        if sensor_ids is not None:
            where += " AND list_contains(?, sensor_id)"
            params.append(list(sensor_ids))
        if latest_only:
            sql = f"""
                SELECT {_OBS_SELECT} FROM observations WHERE {where}
                QUALIFY row_number() OVER (
                    PARTITION BY {_KEY} ORDER BY received_at DESC, seq DESC) = 1
                ORDER BY sensor_id, start, metric, interval_s
            """
        else:
            sql = f"""
                SELECT {_OBS_SELECT} FROM observations WHERE {where}
                ORDER BY sensor_id, start, metric, interval_s, received_at, seq
            """
        with self._session() as con:
            frame = con.execute(sql, params).df()
        if frame.empty:  # comes back with object columns; give it the dtypes of a full one
            frame = frame.astype({"sensor_id": "str", "metric": "str", "quality": "str"})
        return frame

    def observation_span(self) -> tuple[datetime, datetime] | None:
        """Earliest and latest interval start stored, or None when empty."""
        with self._session() as con:
            row = _one(con, "SELECT min(start), max(start) FROM observations")
        if row[0] is None:
            return None
        return _as_utc(row[0]), _as_utc(row[1])

    def last_seen(self) -> dict[str, datetime]:
        """Latest interval start per sensor id."""
        with self._session() as con:
            rows = con.execute(
                "SELECT sensor_id, max(start) FROM observations GROUP BY sensor_id"
            ).fetchall()
        return {sensor_id: _as_utc(at) for sensor_id, at in rows}

    # -- zone states ----------------------------------------------------------------------------

    def put_zone_states(self, states: Sequence[ZoneState]) -> None:
        """Store ``states``, replacing any for the same (zone_id, start); the last given wins."""
        unique = {(s.zone_id, _utc(s.start, "ZoneState.start")): s for s in states}
        if not unique:
            return
        table = _zone_state_table(list(unique.values()))
        with self._session() as con, _registered(con, "_states", table):
            _run(con, "INSERT OR REPLACE INTO zone_states SELECT * FROM _states")

    def zone_states(
        self, *, start: datetime, end: datetime, zone_ids: Sequence[str] | None = None
    ) -> list[ZoneState]:
        """Stored states with ``start <= start < end``, sorted by zone_id, start."""
        where = "start >= ? AND start < ?"
        params: list[Any] = [_utc(start, "start"), _utc(end, "end")]
        if zone_ids is not None:
            where += " AND list_contains(?, zone_id)"
            params.append(list(zone_ids))
        columns = ", ".join(ZONE_STATE_COLUMNS)
        with self._session() as con:
            rows = con.execute(
                f"SELECT {columns} FROM zone_states WHERE {where} ORDER BY zone_id, start", params
            ).fetchall()
        return [_zone_state(row) for row in rows]

    def latest_zone_states(self, at: datetime | None = None) -> dict[str, ZoneState]:
        """Per zone, the latest stored state starting at or before ``at`` (default: any)."""
        where, params = ("WHERE start <= ?", [_utc(at, "at")]) if at is not None else ("", [])
        columns = ", ".join(ZONE_STATE_COLUMNS)
        with self._session() as con:
            rows = con.execute(
                f"""
                SELECT {columns} FROM zone_states {where}
                QUALIFY row_number() OVER (PARTITION BY zone_id ORDER BY start DESC) = 1
                """,
                params,
            ).fetchall()
        return {row[0]: _zone_state(row) for row in rows}

    # -- sensor health --------------------------------------------------------------------------

    def put_sensor_health(self, health: Sequence[SensorHealth]) -> None:
        """Replace the current health of the given sensors; the last given per sensor wins."""
        unique = {h.sensor_id: h for h in health}
        if not unique:
            return
        rows = [
            (
                h.sensor_id,
                _utc(h.at, "SensorHealth.at"),
                h.status.value,
                None if h.last_seen is None else _utc(h.last_seen, "SensorHealth.last_seen"),
                h.detail,
            )
            for h in unique.values()
        ]
        with self._session() as con, _transaction(con):
            con.executemany("INSERT OR REPLACE INTO sensor_health VALUES (?, ?, ?, ?, ?)", rows)
            con.complete()

    def sensor_health(self) -> dict[str, SensorHealth]:
        """Current health per sensor id."""
        with self._session() as con:
            rows = con.execute(
                'SELECT sensor_id, "at", status, last_seen, detail FROM sensor_health'
            ).fetchall()
        return {
            sensor_id: SensorHealth(
                sensor_id=sensor_id,
                at=_as_utc(at),
                status=HealthStatus(status),
                last_seen=None if last_seen is None else _as_utc(last_seen),
                detail=detail,
            )
            for sensor_id, at, status, last_seen, detail in rows
        }

    # -- decision support (SQL in duckdb_decisions) -----------------------------------------------

    def put_alert(self, alert: AlertRecord, entry: DecisionEntry | None = None) -> None:
        """Insert or replace ``alert`` and append ``entry`` (when given) in one transaction."""
        with self._session() as con, _transaction(con):
            _decisions.put_alert(con, alert, entry)

    def alerts(
        self,
        *,
        active: bool | None = None,
        closed: bool | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> list[AlertRecord]:
        """Alerts filtered by condition, closed or not, raised in [start, end); by raised_at, id."""
        with self._session() as con:
            return _decisions.alerts(
                con, active=active, closed=closed,
                start=None if start is None else _utc(start, "start"),
                end=None if end is None else _utc(end, "end"),
            )

    def alert(self, alert_id: str) -> AlertRecord | None:
        """One alert by id, or None."""
        with self._session() as con:
            found = _decisions.alerts(con, alert_id=alert_id)
        return found[0] if found else None

    def append_decision(self, entry: DecisionEntry) -> None:
        """Append a sealed entry if it extends the head; the log has no update or delete."""
        with self._session() as con, _transaction(con):
            _decisions.append_decision(con, entry)

    def decisions(
        self, *, alert_id: str | None = None, after_seq: int = 0, limit: int | None = None
    ) -> list[DecisionEntry]:
        """Log entries with seq > ``after_seq`` (of one alert when given), in seq order."""
        with self._session() as con:
            return _decisions.decisions(con, alert_id=alert_id, after_seq=after_seq, limit=limit)

    def decision_head(self) -> tuple[int, str] | None:
        """(seq, hash) of the last log entry, or None when empty."""
        with self._session() as con:
            return _decisions.decision_head(con)


    # -- issued forecasts (SQL in duckdb_forecasts) -----------------------------------------------

    def put_forecasts(self, frame: pd.DataFrame) -> int:
        """Store issued forecasts (``FORECAST_COLUMNS``), replacing rows of the same
        (zone_id, model, issued_at, start); returns the rows stored."""
        rows = _forecasts.checked(frame)
        if rows.empty:
            return 0
        with self._session() as con, _registered(con, "_forecasts", rows), _transaction(con):
            return _forecasts.put_forecasts(con)

    def forecasts(
        self,
        *,
        start: datetime,
        end: datetime,
        zone_ids: Sequence[str] | None = None,
        model: str | None = None,
        issued_by: datetime | None = None,
        latest_only: bool = True,
    ) -> pd.DataFrame:
        """Forecasts of targets starting in [start, end), issued at or before ``issued_by``;
        with ``latest_only`` the latest issued per zone, model and target."""
        with self._session() as con:
            return _forecasts.forecasts(
                con, start=_utc(start, "start"), end=_utc(end, "end"), zone_ids=zone_ids, model=model,
                issued_by=None if issued_by is None else _utc(issued_by, "issued_by"), latest_only=latest_only,
            )

    # -- dead letters and access (SQL in duckdb_access) ------------------------------------------

    def append_dead_letters(self, letters: Sequence[DeadLetter]) -> None:
        """Keep ``letters`` (append-only)."""
        if letters:
            with self._session() as con, _transaction(con):
                _access.append_dead_letters(con, letters)

    def dead_letters(self, *, limit: int = 100) -> list[DeadLetter]:
        """The latest ``limit`` dead letters, newest first."""
        with self._session() as con:
            return _access.dead_letters(con, limit)

    def put_api_key(self, key: ApiKey) -> None:
        """Insert ``key`` or replace the key with its id."""
        with self._session() as con, _transaction(con):
            _access.put_api_key(con, key)

    def api_key(self, key_id: str) -> ApiKey | None:
        """One key by id, or None."""
        with self._session() as con:
            found = _access.api_keys(con, key_id)
        return found[0] if found else None

    def api_keys(self) -> list[ApiKey]:
        """Every key, revoked ones included, sorted by created_at, id."""
        with self._session() as con:
            return _access.api_keys(con)

    def delete_observations_before(self, before: datetime) -> int:
        """Retention: delete raw observations starting before ``before``; returns rows deleted."""
        cutoff = _utc(before, "before")
        with self._session() as con, _transaction(con):
            (deleted,) = _one(con, "SELECT count(*) FROM observations WHERE start < ?", [cutoff])
            _run(con, "DELETE FROM observations WHERE start < ?", [cutoff])
        return int(deleted)

    # -- incidents and chat messages (SQL in duckdb_incidents) ----------------------------------

    def add_incident(self, incident: Incident, first: IncidentUpdate) -> None:
        """Store a new incident with the first step of its history; StoreError if its ref exists."""
        with self._session() as con, _transaction(con):
            _incidents.add_incident(con, incident, first)

    def update_incident(self, update: IncidentUpdate) -> Incident:
        """Append ``update`` to its incident's history and set its status; returns the incident."""
        with self._session() as con, _transaction(con):
            _incidents.update_incident(con, update)
            return _incidents.incidents(con, ref=update.ref)[0]

    def incident(self, ref: str) -> Incident | None:
        """One incident by reference code, or None."""
        with self._session() as con:
            found = _incidents.incidents(con, ref=ref, limit=1)
        return found[0] if found else None

    def incidents(self, *, start: datetime | None = None, end: datetime | None = None,
                  status: IncidentStatus | None = None, limit: int = 500) -> list[Incident]:
        """Incidents that happened in [start, end), with ``status``; the latest ``limit`` first."""
        with self._session() as con:
            return _incidents.incidents(con, start=start, end=end, status=status, limit=limit)

    def incident_history(self, ref: str) -> list[IncidentUpdate]:
        """An incident's history in order; empty for an unknown ref."""
        with self._session() as con:
            return _incidents.incident_history(con, ref)

    # -- flights and aerial observations (SQL in duckdb_flights) ---------------------------------

    def register_flight(self, flight: Flight, check: Callable[[list[Flight]], Sequence[_R]]) -> list[_R]:
        """Under the store's lock, in one transaction: ``check`` the flights of the site not ended
        whose window overlaps, store ``flight`` if it answers nothing; returns its answer."""
        with self._session() as con, _transaction(con):
            return _flights.register_flight(con, flight, check)

    def update_flight(self, flight: Flight, *, expected: FlightStatus | None = None) -> bool:
        """Set a stored flight's status, started_at and ended_at, only while its status is
        ``expected`` (when given); False when it is not. StoreError for an unknown id."""
        with self._session() as con, _transaction(con):
            return _flights.update_flight(con, flight, expected)

    def flight(self, flight_id: str) -> Flight | None:
        """One flight by id, or None."""
        with self._session() as con:
            found = _flights.flights(con, flight_id=flight_id, limit=1)
        return found[0] if found else None

    def flights(self, *, status: FlightStatus | None = None, start: datetime | None = None,
                end: datetime | None = None, limit: int = 500) -> list[Flight]:
        """Flights whose window overlaps [start, end), with ``status``; latest window start first."""
        with self._session() as con:
            return _flights.flights(con, status=status, start=start, end=end, limit=limit)

    def add_aerial_observations(self, rows: Sequence[AerialObservation]) -> int:
        """Store ``rows`` in one transaction, skipping ids already stored; returns rows stored."""
        with self._session() as con, _transaction(con):
            return _flights.add_aerial_observations(con, rows)

    def aerial_observations(self, *, flight_id: str | None = None, start: datetime | None = None,
                            end: datetime | None = None, limit: int = 1000) -> list[AerialObservation]:
        """Aerial observations (of ``flight_id``) with ``at`` in [start, end), by ``at``."""
        with self._session() as con:
            return _flights.aerial_observations(con, flight_id=flight_id, start=start, end=end, limit=limit)


def _one(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...]:
    """The single row a statement returns (fetched to the end, so the connection is free)."""
    rows = con.execute(sql, list(params)).fetchall()
    if len(rows) != 1:
        raise StoreError(f"expected one row, got {len(rows)} from: {sql.strip()[:80]}")
    return rows[0]


def _run(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] = ()) -> None:
    """Execute a statement whose result is not needed, to its end."""
    con.execute(sql, list(params))
    con.complete()


@contextmanager
def _transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Commit what the block did, or roll all of it back when it raises."""
    _run(con, "BEGIN TRANSACTION")
    try:
        yield
    except BaseException:
        _run(con, "ROLLBACK")
        raise
    _run(con, "COMMIT")


@contextmanager
def _registered(con: duckdb.DuckDBPyConnection, name: str, data: object) -> Iterator[None]:
    """``data`` (a DataFrame or Arrow table) visible to SQL as view ``name`` for the block."""
    con.register(name, data)
    try:
        yield
    finally:
        con.unregister(name)


@contextmanager
def _translated(context: str) -> Iterator[None]:
    """The one place where DuckDB's errors become the package's StoreError."""
    try:
        yield
    except duckdb.Error as exc:
        raise StoreError(f"{context}: {exc}") from exc


def _utc(moment: datetime, name: str) -> datetime:
    """``moment`` in UTC; a naive datetime is refused rather than guessed."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise StoreError(f"{name} must carry a time zone, got naive {moment.isoformat()}")
    return moment.astimezone(timezone.utc)


def _as_utc(moment: datetime) -> datetime:
    return moment.astimezone(timezone.utc)


def _zone_state_table(states: Sequence[ZoneState]) -> pa.Table:
    columns: dict[str, list[Any]] = {name: [] for name in ZONE_STATE_COLUMNS}
    for s in states:
        for name in ZONE_STATE_COLUMNS:
            value = getattr(s, name)
            if name == "start":
                value = _utc(value, "ZoneState.start")
            elif name in ("level", "service_level", "status"):
                value = None if value is None else value.value
            elif name == "sources":
                value = list(value)
            columns[name].append(value)
    return pa.table(columns, schema=_ZONE_STATE_SCHEMA)


def _zone_state(row: tuple[Any, ...]) -> ZoneState:
    fields = dict(zip(ZONE_STATE_COLUMNS, row))
    return ZoneState(
        **{
            **fields,
            "start": _as_utc(fields["start"]),
            "level": None if fields["level"] is None else Level(fields["level"]),
            "service_level": (
                None if fields["service_level"] is None else ServiceLevel(fields["service_level"])
            ),
            "status": DataStatus(fields["status"]),
            "sources": tuple(fields["sources"]),
        }
    )
