"""Flights and aerial observations as table rows, shared by the DuckDB and PostgreSQL stores.

Geometries are stored as canonical GeoJSON text (keys sorted, no spaces); a flight's time
window as ``window_start`` and ``window_end`` (``window`` is an SQL keyword).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from crowdsafety.domain import StoreError
from crowdsafety.domain.flight import (
    AerialCategory,
    AerialObservation,
    Flight,
    FlightPurpose,
    FlightStatus,
    TimeWindow,
)
from crowdsafety.store.incident_rows import utc

FLIGHT_COLUMNS: tuple[str, ...] = (
    "id", "site_id", "operator", "permit", "aircraft", "purpose", "area", "window_start", "window_end",
    "max_altitude_m", "registered_at", "status", "started_at", "ended_at",
)
AERIAL_COLUMNS: tuple[str, ...] = (
    "id", "flight_id", "site_id", "category", "geometry", "at", "received_at", "people", "description",
    "incident_ref", "zone_ids",
)


def columns(names: Sequence[str]) -> str:
    """``names`` as an SQL column list (``"at"`` quoted)."""
    return ", ".join(f'"{c}"' if c == "at" else c for c in names)


def geojson_text(geometry: dict[str, Any]) -> str:
    """Canonical GeoJSON text of ``geometry``: equal mappings give equal text."""
    return json.dumps(geometry, sort_keys=True, separators=(",", ":"), allow_nan=False)


def flight_row(f: Flight) -> list[Any]:
    return [f.id, f.site_id, f.operator, f.permit, f.aircraft, f.purpose.value, geojson_text(f.area),
            utc(f.window.start), utc(f.window.end), float(f.max_altitude_m), utc(f.registered_at), f.status.value,
            _maybe_utc(f.started_at), _maybe_utc(f.ended_at)]


def flight(row: Sequence[Any]) -> Flight:
    (id_, site_id, operator, permit, aircraft, purpose, area, start, end, max_altitude_m, registered_at, status,
     started_at, ended_at) = row
    return Flight(id=id_, site_id=site_id, operator=operator, permit=permit, aircraft=aircraft,
                  purpose=FlightPurpose(purpose), area=json.loads(area), window=TimeWindow(utc(start), utc(end)),
                  max_altitude_m=float(max_altitude_m), registered_at=utc(registered_at),
                  status=FlightStatus(status), started_at=_maybe_utc(started_at), ended_at=_maybe_utc(ended_at))


def aerial_row(o: AerialObservation) -> list[Any]:
    return [o.id, o.flight_id, o.site_id, o.category.value, geojson_text(o.geometry), utc(o.at), utc(o.received_at),
            o.people, o.description, o.incident_ref, list(o.zone_ids)]


def aerial(row: Sequence[Any]) -> AerialObservation:
    id_, flight_id, site_id, category, geometry, at, received_at, people, description, incident_ref, zone_ids = row
    return AerialObservation(id=id_, flight_id=flight_id, site_id=site_id, category=AerialCategory(category),
                             geometry=json.loads(geometry), at=utc(at), received_at=utc(received_at),
                             people=None if people is None else int(people), description=description,
                             incident_ref=incident_ref, zone_ids=tuple(zone_ids))


def distinct_new(rows: Sequence[AerialObservation], stored: set[str]) -> list[AerialObservation]:
    """``rows`` whose id is not in ``stored``, each id once (the first)."""
    seen = set(stored)
    fresh = []
    for row in rows:
        if row.id not in seen:
            seen.add(row.id)
            fresh.append(row)
    return fresh


def check_flights_known(flight_ids: set[str], known: set[str]) -> None:
    """StoreError naming the flights of ``flight_ids`` that are not in ``known``."""
    unknown = sorted(flight_ids - known)
    if unknown:
        raise StoreError(f"aerial observations of unknown flights: {', '.join(unknown)}")


def flight_filters(*, status: FlightStatus | None, start: datetime | None, end: datetime | None,
                   mark: str) -> tuple[str, list[Any]]:
    """A WHERE clause (window overlapping [start, end), ``status``) and its parameters."""
    clauses, params = [], []
    for sql, value in (("status = ", None if status is None else FlightStatus(status).value),
                       ("window_end > ", start), ("window_start < ", end)):
        if value is not None:
            clauses.append(sql + mark)
            params.append(utc(value) if isinstance(value, datetime) else value)
    return ("WHERE " + " AND ".join(clauses)) if clauses else "", params


def aerial_filters(*, flight_id: str | None, start: datetime | None, end: datetime | None,
                   mark: str) -> tuple[str, list[Any]]:
    """A WHERE clause (``"at"`` in [start, end), of ``flight_id``) and its parameters."""
    clauses, params = [], []
    for sql, value in (("flight_id = ", flight_id), ('"at" >= ', start), ('"at" < ', end)):
        if value is not None:
            clauses.append(sql + mark)
            params.append(utc(value) if isinstance(value, datetime) else value)
    return ("WHERE " + " AND ".join(clauses)) if clauses else "", params


def _maybe_utc(moment: datetime | None) -> datetime | None:
    return None if moment is None else utc(moment)
