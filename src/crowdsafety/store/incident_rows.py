"""Incidents and their history as table rows, shared by the DuckDB and PostgreSQL stores."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from crowdsafety.domain import StoreError
from crowdsafety.domain.incident import (
    Incident,
    IncidentCategory,
    IncidentSource,
    IncidentStatus,
    IncidentUpdate,
    Urgency,
)

UPDATE_COLUMNS = 'ref, seq, "at", status, who, role, note, answer'
INCIDENT_COLUMNS: tuple[str, ...] = (
    "ref", "site_id", "source", "category", "urgency", "at", "reported_at", "status", "x", "y", "line",
    "direction", "stop_id", "vehicle", "zone_ids", "description",
)


def incident_row(i: Incident) -> list[Any]:
    x, y = i.point if i.point is not None else (None, None)
    return [i.ref, i.site_id, i.source.value, i.category.value, i.urgency.value, utc(i.at), utc(i.reported_at),
            i.status.value, x, y, i.line, i.direction, i.stop_id, i.vehicle, list(i.zone_ids), i.description]


def incident(row: Sequence[Any]) -> Incident:
    (ref, site_id, source, category, urgency, at, reported_at, status, x, y, line, direction, stop_id, vehicle,
     zone_ids, description) = row
    return Incident(ref=ref, site_id=site_id, source=IncidentSource(source), category=IncidentCategory(category),
                    urgency=Urgency(urgency), at=utc(at), reported_at=utc(reported_at),
                    status=IncidentStatus(status), point=None if x is None else (float(x), float(y)), line=line,
                    direction=direction, stop_id=stop_id, vehicle=vehicle, zone_ids=tuple(zone_ids),
                    description=description)


def update_row(u: IncidentUpdate) -> list[Any]:
    return [u.ref, u.seq, utc(u.at), u.status.value, u.who, u.role, u.note, u.answer]


def update(row: Sequence[Any]) -> IncidentUpdate:
    ref, seq, at, status, who, role, note, answer = row
    return IncidentUpdate(ref=ref, seq=int(seq), at=utc(at), status=IncidentStatus(status), who=who, role=role,
                          note=note, answer=bool(answer))


def check_first(incident: Incident, first: IncidentUpdate) -> None:
    """StoreError unless ``first`` is step 1 of ``incident``'s history."""
    if first.ref != incident.ref or first.seq != 1:
        raise StoreError(f"incident {incident.ref!r}: the first update must have its ref and seq 1, "
                         f"got ref {first.ref!r} seq {first.seq}")


def check_next(update: IncidentUpdate, last: int | None) -> None:
    """StoreError unless ``update`` follows step ``last`` of a known incident."""
    if last is None:
        raise StoreError(f"unknown incident {update.ref!r}")
    if update.seq != last + 1:
        raise StoreError(f"incident {update.ref!r}: update seq {update.seq} is not the next ({last + 1})")


def filters(*, ref: str | None, start: datetime | None, end: datetime | None, status: IncidentStatus | None,
            mark: str) -> tuple[str, list[Any]]:
    """A WHERE clause (``"at"`` in [start, end)) and its parameters, with ``mark`` placeholders."""
    clauses, params = [], []
    for sql, value in (("ref = ", ref), ('"at" >= ', start), ('"at" < ', end),
                       ("status = ", None if status is None else IncidentStatus(status).value)):
        if value is not None:
            clauses.append(sql + mark)
            params.append(utc(value) if isinstance(value, datetime) else value)
    return ("WHERE " + " AND ".join(clauses)) if clauses else "", params


def utc(moment: datetime) -> datetime:
    """``moment`` in UTC; a naive datetime is refused rather than guessed."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise StoreError(f"time must carry a time zone, got naive {moment.isoformat()}")
    return moment.astimezone(UTC)
