"""The PostgreSQL store: the same :class:`~crowdsafety.store.Store` as DuckDB, for a city-wide
service where several processes (API workers, MQTT consumers, the CLI) share one database.

Threads: calls borrow a connection from a pool (1 to ``max_connections``), so reads run side by
side; each call is one transaction. Processes: appends of observations and of decision-log
entries are serialised per store by advisory locks (see :mod:`crowdsafety.store.postgres_schema`),
so duplicates are never stored twice and the log stays one chain. The SQL lives in the
``postgres_*`` modules, one per kind of data; this class checks arguments, holds the pool and
turns every psycopg error into StoreError naming the store and the operation.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import TypeVar

import pandas as pd
import psycopg
from psycopg_pool import ConnectionPool

from crowdsafety.domain import SensorHealth, StoreError, ZoneState
from crowdsafety.domain.access import ApiKey
from crowdsafety.domain.dead_letter import DeadLetter
from crowdsafety.domain.decision import AlertRecord, DecisionEntry
from crowdsafety.domain.flight import AerialObservation, Flight, FlightStatus
from crowdsafety.domain.incident import Incident, IncidentStatus, IncidentUpdate
from crowdsafety.store import postgres_access as _access
from crowdsafety.store import postgres_decisions as _decisions
from crowdsafety.store import postgres_derived as _derived
from crowdsafety.store import postgres_flights as _flights
from crowdsafety.store import postgres_forecasts as _forecasts
from crowdsafety.store import postgres_incidents as _incidents
from crowdsafety.store import postgres_observations as _observations
from crowdsafety.store.base import AppendResult
from crowdsafety.store.postgres_connection import connect, open_pool, parse_url, translated
from crowdsafety.store.postgres_schema import LOCK_FLIGHTS, lock, prepare

_R = TypeVar("_R")


class PostgresStore:
    """:class:`~crowdsafety.store.Store` on PostgreSQL; ``url`` as described in
    :mod:`crowdsafety.store.postgres_connection`."""

    def __init__(self, url: str, *, max_connections: int = 8) -> None:
        self.target = parse_url(url)
        self.name = self.target.name
        self._lock = threading.Lock()
        with connect(self.target) as conn, translated(f"{self.name}: cannot prepare the tables"):
            prepare(conn, self.target)
        self._pool: ConnectionPool | None = open_pool(
            self.target, max_size=max_connections,
            session_sql=(_observations.STAGING_DDL, _forecasts.STAGING_DDL),
        )

    # -- plumbing -------------------------------------------------------------------------------

    @contextmanager
    def _session(self, what: str) -> Iterator[psycopg.Connection]:
        """A pooled connection for one transaction (committed when the block ends, rolled back
        when it raises), with psycopg's errors turned into StoreError saying ``what`` failed."""
        with self._lock:
            pool = self._pool
        if pool is None:
            raise StoreError(f"{self.name} is closed")
        with translated(f"{self.name}: {what}"), pool.connection() as conn:
            yield conn

    def close(self) -> None:
        """Close the pool (waiting for calls in flight); later calls raise StoreError. Closing
        twice is harmless."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.close()

    # -- observations ---------------------------------------------------------------------------

    def append_observations(self, frame: pd.DataFrame) -> AppendResult:
        """Append ``frame`` (``OBSERVATION_COLUMNS``) in one transaction; all or nothing."""
        if len(frame) == 0:
            _observations.checked(frame)
            return AppendResult(inserted=0, duplicates=0, corrections=0)
        with self._session("appending observations") as conn:
            return _observations.append(conn, frame)

    def take_dirty_since(self) -> datetime | None:
        """The earliest interval start stored by appends (of any process) since the last take,
        and clear it, atomically."""
        with self._session("taking the dirty-since mark") as conn:
            found = _observations.take_dirty_since(conn)
        return None if found is None else _as_utc(found)

    def observations(
        self,
        *,
        start: datetime,
        end: datetime,
        sensor_ids: Sequence[str] | None = None,
        latest_only: bool = True,
    ) -> pd.DataFrame:
        """Observations with ``start <= start < end``; sorted by sensor_id, start, metric."""
        span = (_utc(start, "start"), _utc(end, "end"))
        with self._session("reading observations") as conn:
            return _observations.read(
                conn, start=span[0], end=span[1], sensor_ids=sensor_ids, latest_only=latest_only
            )

    def observation_span(self) -> tuple[datetime, datetime] | None:
        """Earliest and latest interval start stored, or None when empty."""
        with self._session("reading the observation span") as conn:
            found = _observations.span(conn)
        return None if found is None else (_as_utc(found[0]), _as_utc(found[1]))

    def last_seen(self) -> dict[str, datetime]:
        """Latest interval start per sensor id."""
        with self._session("reading when sensors were last seen") as conn:
            return {sensor_id: _as_utc(at) for sensor_id, at in _observations.last_seen(conn).items()}

    def delete_observations_before(self, before: datetime) -> int:
        """Retention: delete raw observations starting before ``before``; returns rows deleted."""
        cutoff = _utc(before, "before")
        with self._session("deleting old observations") as conn:
            return _observations.delete_before(conn, cutoff)

    # -- zone states and sensor health ----------------------------------------------------------

    def put_zone_states(self, states: Sequence[ZoneState]) -> None:
        """Store ``states``, replacing any for the same (zone_id, start); the last given wins."""
        unique = {(s.zone_id, _utc(s.start, "ZoneState.start")): s for s in states}
        if unique:
            with self._session("storing zone states") as conn:
                _derived.put_zone_states(conn, list(unique.values()))

    def zone_states(
        self, *, start: datetime, end: datetime, zone_ids: Sequence[str] | None = None
    ) -> list[ZoneState]:
        """Stored states with ``start <= start < end``, sorted by zone_id, start."""
        span = (_utc(start, "start"), _utc(end, "end"))
        with self._session("reading zone states") as conn:
            return _derived.zone_states(conn, start=span[0], end=span[1], zone_ids=zone_ids)

    def latest_zone_states(self, at: datetime | None = None) -> dict[str, ZoneState]:
        """Per zone, the latest stored state starting at or before ``at`` (default: any)."""
        moment = None if at is None else _utc(at, "at")
        with self._session("reading the latest zone states") as conn:
            return _derived.latest_zone_states(conn, moment)

    def put_sensor_health(self, health: Sequence[SensorHealth]) -> None:
        """Replace the current health of the given sensors; the last given per sensor wins."""
        unique = {h.sensor_id: h for h in health}
        for h in unique.values():
            _utc(h.at, "SensorHealth.at")
            if h.last_seen is not None:
                _utc(h.last_seen, "SensorHealth.last_seen")
        if unique:
            with self._session("storing sensor health") as conn:
                _derived.put_sensor_health(conn, list(unique.values()))

    def sensor_health(self) -> dict[str, SensorHealth]:
        """Current health per sensor id."""
        with self._session("reading sensor health") as conn:
            return _derived.sensor_health(conn)

    # -- decision support -----------------------------------------------------------------------

    def put_alert(self, alert: AlertRecord, entry: DecisionEntry | None = None) -> None:
        """Insert or replace ``alert`` and append ``entry`` (when given) in one transaction."""
        with self._session(f"storing alert {alert.id!r}") as conn:
            _decisions.put_alert(conn, alert, entry)

    def alerts(
        self,
        *,
        active: bool | None = None,
        closed: bool | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> list[AlertRecord]:
        """Alerts filtered by condition, closed or not, raised in [start, end); by raised_at, id."""
        with self._session("reading alerts") as conn:
            return _decisions.alerts(
                conn, active=active, closed=closed,
                start=None if start is None else _utc(start, "start"),
                end=None if end is None else _utc(end, "end"),
            )

    def alert(self, alert_id: str) -> AlertRecord | None:
        """One alert by id, or None."""
        with self._session(f"reading alert {alert_id!r}") as conn:
            found = _decisions.alerts(conn, alert_id=alert_id)
        return found[0] if found else None

    def append_decision(self, entry: DecisionEntry) -> None:
        """Append a sealed entry if it extends the head; the log has no update or delete."""
        with self._session(f"appending decision entry {entry.seq}") as conn:
            _decisions.append_decision(conn, entry)

    def decisions(
        self, *, alert_id: str | None = None, after_seq: int = 0, limit: int | None = None
    ) -> list[DecisionEntry]:
        """Log entries with seq > ``after_seq`` (of one alert when given), in seq order."""
        with self._session("reading the decision log") as conn:
            return _decisions.decisions(conn, alert_id=alert_id, after_seq=after_seq, limit=limit)

    def decision_head(self) -> tuple[int, str] | None:
        """(seq, hash) of the last log entry, or None when empty."""
        with self._session("reading the decision log's head") as conn:
            return _decisions.decision_head(conn)

    # -- issued forecasts -----------------------------------------------------------------------

    def put_forecasts(self, frame: pd.DataFrame) -> int:
        """Store issued forecasts (``FORECAST_COLUMNS``), replacing rows of the same
        (zone_id, model, issued_at, start); returns the rows stored."""
        rows = _forecasts.checked(frame)
        if rows.empty:
            return 0
        with self._session("storing forecasts") as conn:
            return _forecasts.put_forecasts(conn, rows)

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
        span = (_utc(start, "start"), _utc(end, "end"))
        by = None if issued_by is None else _utc(issued_by, "issued_by")
        with self._session("reading forecasts") as conn:
            return _forecasts.forecasts(
                conn, start=span[0], end=span[1], zone_ids=zone_ids, model=model, issued_by=by,
                latest_only=latest_only,
            )

    # -- dead letters and access ----------------------------------------------------------------

    def append_dead_letters(self, letters: Sequence[DeadLetter]) -> None:
        """Keep ``letters`` (append-only)."""
        if letters:
            with self._session("storing dead letters") as conn:
                _access.append_dead_letters(conn, letters)

    def dead_letters(self, *, limit: int = 100) -> list[DeadLetter]:
        """The latest ``limit`` dead letters, newest first."""
        with self._session("reading dead letters") as conn:
            return _access.dead_letters(conn, limit)

    def put_api_key(self, key: ApiKey) -> None:
        """Insert ``key`` or replace the key with its id."""
        with self._session(f"storing API key {key.id!r}") as conn:
            _access.put_api_key(conn, key)

    def api_key(self, key_id: str) -> ApiKey | None:
        """One key by id, or None."""
        with self._session(f"reading API key {key_id!r}") as conn:
            found = _access.api_keys(conn, key_id)
        return found[0] if found else None

    def api_keys(self) -> list[ApiKey]:
        """Every key, revoked ones included, sorted by created_at, id."""
        with self._session("reading API keys") as conn:
            return _access.api_keys(conn)

    # -- incidents and chat messages ------------------------------------------------------------

    def add_incident(self, incident: Incident, first: IncidentUpdate) -> None:
        """Store a new incident with the first step of its history; StoreError if its ref exists."""
        with self._session(f"storing incident {incident.ref!r}") as conn:
            _incidents.add_incident(conn, incident, first)

    def update_incident(self, update: IncidentUpdate) -> Incident:
        """Append ``update`` to its incident's history and set its status; returns the incident."""
        with self._session(f"updating incident {update.ref!r}") as conn:
            _incidents.update_incident(conn, update)
            return _incidents.incidents(conn, ref=update.ref)[0]

    def incident(self, ref: str) -> Incident | None:
        """One incident by reference code, or None."""
        with self._session(f"reading incident {ref!r}") as conn:
            found = _incidents.incidents(conn, ref=ref, limit=1)
        return found[0] if found else None

    def incidents(self, *, start: datetime | None = None, end: datetime | None = None,
                  status: IncidentStatus | None = None, limit: int = 500) -> list[Incident]:
        """Incidents that happened in [start, end), with ``status``; the latest ``limit`` first."""
        with self._session("reading incidents") as conn:
            return _incidents.incidents(conn, start=start, end=end, status=status, limit=limit)

    def incident_history(self, ref: str) -> list[IncidentUpdate]:
        """An incident's history in order; empty for an unknown ref."""
        with self._session(f"reading the history of incident {ref!r}") as conn:
            return _incidents.incident_history(conn, ref)

    # -- flights and aerial observations ---------------------------------------------------------

    def register_flight(self, flight: Flight, check: Callable[[list[Flight]], Sequence[_R]]) -> list[_R]:
        """Under the store's flight lock, in one transaction: ``check`` the flights of the site not
        ended whose window overlaps, store ``flight`` if it answers nothing; returns its answer."""
        with self._session(f"registering flight {flight.id!r}") as conn:
            lock(conn, LOCK_FLIGHTS)  # here: postgres_schema imports postgres_flights for its tables
            return _flights.register_flight(conn, flight, check)

    def update_flight(self, flight: Flight, *, expected: FlightStatus | None = None) -> bool:
        """Set a stored flight's status, started_at and ended_at, only while its status is
        ``expected`` (when given); False when it is not. StoreError for an unknown id."""
        with self._session(f"updating flight {flight.id!r}") as conn:
            return _flights.update_flight(conn, flight, expected)

    def flight(self, flight_id: str) -> Flight | None:
        """One flight by id, or None."""
        with self._session(f"reading flight {flight_id!r}") as conn:
            found = _flights.flights(conn, flight_id=flight_id, limit=1)
        return found[0] if found else None

    def flights(self, *, status: FlightStatus | None = None, start: datetime | None = None,
                end: datetime | None = None, limit: int = 500) -> list[Flight]:
        """Flights whose window overlaps [start, end), with ``status``; latest window start first."""
        with self._session("reading flights") as conn:
            return _flights.flights(conn, status=status, start=start, end=end, limit=limit)

    def add_aerial_observations(self, rows: Sequence[AerialObservation]) -> int:
        """Store ``rows`` in one transaction, skipping ids already stored; returns rows stored."""
        with self._session(f"storing {len(rows)} aerial observations") as conn:
            return _flights.add_aerial_observations(conn, rows)

    def aerial_observations(self, *, flight_id: str | None = None, start: datetime | None = None,
                            end: datetime | None = None, limit: int = 1000) -> list[AerialObservation]:
        """Aerial observations (of ``flight_id``) with ``at`` in [start, end), by ``at``."""
        with self._session("reading aerial observations") as conn:
            return _flights.aerial_observations(conn, flight_id=flight_id, start=start, end=end, limit=limit)


def _utc(moment: datetime, name: str) -> datetime:
    """``moment`` in UTC; a naive datetime is refused rather than guessed."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise StoreError(f"{name} must carry a time zone, got naive {moment.isoformat()}")
    return moment.astimezone(timezone.utc)


def _as_utc(moment: datetime) -> datetime:
    return moment.astimezone(timezone.utc)
