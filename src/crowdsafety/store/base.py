"""The Store interface that every backend implements.

Raw observations are append-only: an exact duplicate (same key and value) is ignored, a different
value for the same key (sensor_id, start, interval_s, metric) is stored as a correction, and reads
use the latest received. Derived data (zone states, sensor health) is recomputable and replaced.
Bulk data crosses this interface as pandas DataFrames with ``OBSERVATION_COLUMNS``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, Sequence, TypeVar

import pandas as pd

from crowdsafety.domain import SensorHealth, StoreError, ZoneState
from crowdsafety.domain.access import ApiKey
from crowdsafety.domain.dead_letter import DeadLetter
from crowdsafety.domain.decision import AlertRecord, DecisionEntry
from crowdsafety.domain.flight import AerialObservation, Flight, FlightStatus
from crowdsafety.domain.incident import Incident, IncidentStatus, IncidentUpdate

_R = TypeVar("_R")


@dataclass(frozen=True)
class AppendResult:
    """What an append did: rows newly stored, exact duplicates ignored, corrections stored."""

    inserted: int
    duplicates: int
    corrections: int


class Store(Protocol):
    """Narrow persistence interface used by ingest, picture wiring, api and cli."""

    def append_observations(self, frame: pd.DataFrame) -> AppendResult:
        """Append valid observations (``OBSERVATION_COLUMNS``); never overwrites or deletes.
        When it stores rows (new or corrections), the same transaction lowers the dirty-since
        mark to the earliest interval start it stored."""
        ...

    def take_dirty_since(self) -> datetime | None:
        """Read and clear, atomically, the dirty-since mark: the earliest interval start that any
        append (of any process sharing the store) stored since the last take; None when none
        did. The process that refreshes the picture takes it to recompute from there."""
        ...

    def observations(
        self,
        *,
        start: datetime,
        end: datetime,
        sensor_ids: Sequence[str] | None = None,
        latest_only: bool = True,
    ) -> pd.DataFrame:
        """Observations with ``start <= start < end``; with ``latest_only`` one row per key
        (the latest received), else every stored version. Sorted by sensor_id, start, metric."""
        ...

    def observation_span(self) -> tuple[datetime, datetime] | None:
        """Earliest and latest interval start stored, or None when empty."""
        ...

    def last_seen(self) -> dict[str, datetime]:
        """Latest interval start per sensor id."""
        ...

    def put_zone_states(self, states: Sequence[ZoneState]) -> None:
        """Store derived states, replacing any for the same (zone_id, start)."""
        ...

    def zone_states(
        self, *, start: datetime, end: datetime, zone_ids: Sequence[str] | None = None
    ) -> list[ZoneState]:
        """Stored states with ``start <= start < end``, sorted by zone_id, start."""
        ...

    def latest_zone_states(self, at: datetime | None = None) -> dict[str, ZoneState]:
        """Per zone, the latest stored state starting at or before ``at`` (default: any)."""
        ...

    def put_sensor_health(self, health: Sequence[SensorHealth]) -> None:
        """Replace the current health of the given sensors."""
        ...

    def sensor_health(self) -> dict[str, SensorHealth]:
        """Current health per sensor id."""
        ...

    # -- decision support: alerts (current state, replaced) and the append-only decision log --

    def put_alert(self, alert: AlertRecord, entry: DecisionEntry | None = None) -> None:
        """Insert or replace ``alert`` (by id) and append ``entry`` to the log, atomically."""
        ...

    def alerts(
        self,
        *,
        active: bool | None = None,
        closed: bool | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> list[AlertRecord]:
        """Alerts whose condition is ``active`` or not, whose status is closed or not, raised in
        [start, end) (None: any); sorted by raised_at, id."""
        ...

    def alert(self, alert_id: str) -> AlertRecord | None:
        """One alert by id, or None."""
        ...

    def append_decision(self, entry: DecisionEntry) -> None:
        """Append a sealed entry; StoreError unless it extends the head (seq + 1, prev_hash).
        The log has no update or delete: entries are permanent."""
        ...

    def decisions(
        self, *, alert_id: str | None = None, after_seq: int = 0, limit: int | None = None
    ) -> list[DecisionEntry]:
        """Log entries with seq > ``after_seq`` (of one alert when given), in seq order."""
        ...

    def decision_head(self) -> tuple[int, str] | None:
        """(seq, hash) of the log's last entry, or None when empty."""
        ...

    # -- issued forecasts (columns: crowdsafety.store.forecast_rows.FORECAST_COLUMNS) ----------

    def put_forecasts(self, frame: pd.DataFrame) -> int:
        """Store issued forecasts, replacing rows of the same (zone_id, model, issued_at,
        start); other issue times are kept. Returns the rows stored."""
        ...

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
        """Forecasts of targets starting in [start, end) issued at or before ``issued_by``
        (None: any); with ``latest_only`` only the latest issued per zone, model and target.
        Sorted by zone_id, model, start, issued_at."""
        ...

    # -- dead letters: messages that could not be ingested, with the reason --------------------

    def append_dead_letters(self, letters: Sequence[DeadLetter]) -> None:
        """Keep ``letters`` (append-only)."""
        ...

    def dead_letters(self, *, limit: int = 100) -> list[DeadLetter]:
        """The latest ``limit`` dead letters, newest first."""
        ...

    # -- access: API keys (hashed secrets) and retention ----------------------------------------

    def put_api_key(self, key: ApiKey) -> None:
        """Insert ``key`` or replace the key with its id (revocation sets ``revoked_at``)."""
        ...

    def api_key(self, key_id: str) -> ApiKey | None:
        """One key by id, or None."""
        ...

    def api_keys(self) -> list[ApiKey]:
        """Every key, revoked ones included, sorted by created_at, id."""
        ...

    def delete_observations_before(self, before: datetime) -> int:
        """Retention: delete raw observations starting before ``before``; derived zone states,
        forecasts and the logs are kept. Returns the rows deleted."""
        ...

    # -- incidents (append-only history) and chat messages (deleted by retention) --------------

    def add_incident(self, incident: Incident, first: IncidentUpdate) -> None:
        """Store a new incident with step 1 of its history; StoreError if its ref exists."""
        ...

    def update_incident(self, update: IncidentUpdate) -> Incident:
        """Append ``update`` to the history and set the incident's status; StoreError for an
        unknown ref or a ``seq`` that is not the next. Returns the updated incident."""
        ...

    def incident(self, ref: str) -> Incident | None:
        """One incident by reference code, or None."""
        ...

    def incidents(self, *, start: datetime | None = None, end: datetime | None = None,
                  status: IncidentStatus | None = None, limit: int = 500) -> list[Incident]:
        """Incidents whose ``at`` is in [start, end), optionally with ``status``, latest first."""
        ...

    def incident_history(self, ref: str) -> list[IncidentUpdate]:
        """An incident's history in ``seq`` order; empty for an unknown ref."""
        ...

    # -- the flight register and what flights saw (aerial observations, append-only) ------------

    def register_flight(self, flight: Flight, check: Callable[[list[Flight]], Sequence[_R]]) -> list[_R]:
        """Atomically, also against other processes sharing the store: read the flights of
        ``flight``'s site that have not ended and whose window overlaps its window, pass them to
        ``check``, and store ``flight`` only when ``check`` answers nothing. Returns the answer
        (its refusals; empty: stored). StoreError if the id exists; what ``check`` raises
        propagates, storing nothing."""
        ...

    def update_flight(self, flight: Flight, *, expected: FlightStatus | None = None) -> bool:
        """Set the status, ``started_at`` and ``ended_at`` of a stored flight to ``flight``'s;
        its other fields never change. With ``expected``, a compare-and-set: only while the
        stored status is ``expected``, else False and nothing changes (another process changed
        it first). True when set; StoreError for an unknown id."""
        ...

    def flight(self, flight_id: str) -> Flight | None:
        """One flight by id, or None."""
        ...

    def flights(self, *, status: FlightStatus | None = None, start: datetime | None = None,
                end: datetime | None = None, limit: int = 500) -> list[Flight]:
        """Flights whose window overlaps [start, end), optionally with ``status``; latest window
        start first (then by id)."""
        ...

    def add_aerial_observations(self, rows: Sequence[AerialObservation]) -> int:
        """Store ``rows`` in one transaction; an id already stored (or repeated in ``rows``) is
        skipped, so re-uploads are harmless. StoreError, storing nothing, when a row's flight is
        unknown. Returns the number of rows newly stored."""
        ...

    def aerial_observations(self, *, flight_id: str | None = None, start: datetime | None = None,
                            end: datetime | None = None, limit: int = 1000) -> list[AerialObservation]:
        """Aerial observations (of ``flight_id`` when given) whose ``at`` is in [start, end), by
        ``at`` then id, at most ``limit``."""
        ...

    def close(self) -> None:
        ...


def open_store(url: str) -> Store:
    """Open a store by URL: ``duckdb:///path/to/file.duckdb``, ``duckdb://:memory:``, or
    ``postgresql://[user[:password]@]host[:port]/database[?schema=NAME]`` (also ``postgres://``;
    see :mod:`crowdsafety.store.postgres_connection`)."""
    if url.startswith("duckdb://"):
        from crowdsafety.store.duckdb_store import DuckDBStore

        path = url[len("duckdb://"):]
        if path.startswith("/") and path != "/:memory:":
            path = path[1:] if path.startswith("//") else path
        return DuckDBStore(":memory:" if path in (":memory:", "/:memory:", "") else path)
    if url.startswith(("postgresql://", "postgres://")):
        from crowdsafety.store.postgres_store import PostgresStore

        return PostgresStore(url)
    raise StoreError(
        f"unknown store URL {url!r}: expected duckdb:///path, duckdb://:memory: "
        "or postgresql://host[:port]/database[?schema=NAME]"
    )
