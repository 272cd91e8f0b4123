"""Incidents in the running service: report, assign, answer, resolve, and read them for risk.

Every free text is scrubbed (:func:`crowdsafety.domain.privacy.scrub`) before it is stored, and
every step goes into the decision log (``incident.reported`` / ``.assigned`` / ``.answered`` /
``.resolved``). A report gets a reference code of unambiguous characters (``CS-7KQ2M9``: no 0/O,
1/I/L, U) and the site's zones within :data:`NEAR_M` metres of its place: the point, else the
position of its stop in the site's GTFS stops (``<site folder>/gtfs``), which then becomes its
point. A report made by a machine for something it may send again (a drone's observation) is
filed with a ``key``: its reference code is derived from the key, so filing it again, after a
failure or from another process at the same time, returns the incident filed before.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from enum import Enum
from functools import lru_cache
from pathlib import Path

import numpy as np
import shapely
from pyproj import CRS, Transformer
from shapely.geometry import Point, shape

from crowdsafety.decide.risk import Incident as RiskIncident
from crowdsafety.domain import CrowdSafetyError, Site, StoreError
from crowdsafety.domain.incident import (
    Incident,
    IncidentCategory,
    IncidentSource,
    IncidentStatus,
    IncidentUpdate,
    Urgency,
)
from crowdsafety.domain.privacy import scrub
from crowdsafety.service import audit
from crowdsafety.service.runtime import Runtime
from crowdsafety.sources.gtfs_stops import read_gtfs_stops
from crowdsafety.sources.line_problems import FeedError

#: Characters of reference codes: digits and capitals without 0/O, 1/I/L and U (read aloud or
#: typed on a phone, none is taken for another).
REF_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
REF_LENGTH = 6
#: Reference codes derived from a report's key that are tried before giving up (each is taken
#: by an unrelated incident with a chance of (incidents stored) / 30**6).
KEYED_TRIES = 8
#: A zone within this many metres of an incident's place counts as next to it.
NEAR_M = 150.0
#: Longest free text kept (characters, after scrubbing).
MAX_TEXT = 2000
#: Characters of an incident's text shown in a zone's risk reasons.
RISK_TEXT = 80

#: Orders this process's updates of incident histories; between processes (PostgreSQL) the store
#: refuses a step that is not the next, answered as :class:`IncidentConflict`.
_lock = threading.Lock()


class IncidentError(CrowdSafetyError):
    """A report or an action that cannot be accepted; the message says why."""


class UnknownIncident(IncidentError):
    """No incident has this reference code."""


class IncidentConflict(IncidentError):
    """The action does not fit the incident's status (e.g. acting on a resolved incident)."""


class IncidentAction(str, Enum):
    ASSIGN = "assign"
    ANSWER = "answer"
    RESOLVE = "resolve"


@dataclass(frozen=True)
class IncidentReport:
    """What a reporter says: ``at`` when it happened (default: now), the place as a ``point``
    (lon, lat) and/or a ``line``, ``direction``, ``stop_id`` (GTFS) and ``vehicle``."""

    source: IncidentSource
    category: IncidentCategory
    urgency: Urgency = Urgency.NORMAL
    description: str = ""
    at: datetime | None = None
    point: tuple[float, float] | None = None
    line: str | None = None
    direction: str | None = None
    stop_id: str | None = None
    vehicle: str | None = None


@dataclass(frozen=True)
class PublicStatus:
    """What the reporter sees with the reference code: the status and the latest answer."""

    ref: str
    status: IncidentStatus
    answer: str | None
    answered_at: datetime | None


def report(runtime: Runtime, rep: IncidentReport, *, who: str, role: str, key: str | None = None) -> Incident:
    """File ``rep`` as a new incident (status new), log it and return it. With ``key`` (what the
    report is about, e.g. an aerial observation's id), filing is idempotent: the incident filed
    before under ``key`` with the same source, category, urgency, time and place is returned
    as it is now, not filed or logged again."""
    now = runtime.clock.now()
    at = now if rep.at is None else rep.at
    if at.tzinfo is None or at.utcoffset() is None:
        raise IncidentError("at: must carry a time zone")
    try:
        at = at.astimezone(UTC)
    except (OverflowError, ValueError):
        raise IncidentError(f"at: {at.isoformat()} is out of range") from None
    if at > now + timedelta(seconds=runtime.site.max_future_s):
        raise IncidentError(f"at: {at.isoformat()} is in the future")
    point = rep.point
    if point is not None:
        _check_point(point)
    elif rep.stop_id is not None:
        point = stop_positions(runtime.site).get(rep.stop_id)
    if point is None and rep.stop_id is None and rep.line is None:
        raise IncidentError("place: give a point (lon, lat), a stop or a line")
    incident = Incident(  # with a key, the code is chosen when it is filed
        ref=_free_ref(runtime) if key is None else "", site_id=runtime.site.id, source=rep.source,
        category=rep.category, urgency=rep.urgency, at=at, reported_at=now, point=point, line=_text(rep.line),
        direction=_text(rep.direction), stop_id=rep.stop_id, vehicle=_text(rep.vehicle),
        zone_ids=() if point is None else zones_near(runtime.site, point), description=_text(rep.description) or "",
    )
    first = IncidentUpdate(ref=incident.ref, seq=1, at=now, status=IncidentStatus.NEW, who=who, role=role,
                           note=f"reported by {rep.source.value}")
    if key is None:
        runtime.store.add_incident(incident, first)
    else:
        incident, new = _file_once(runtime, incident, first, key)
        if not new:
            return incident
    audit.record(runtime, who=who, role=role, action="incident.reported",
                 reason=f"{incident.category.value}, {incident.urgency.value}: {incident.description}".rstrip(": "),
                 details=_details(incident))
    return incident


def act(runtime: Runtime, ref: str, action: IncidentAction, *, who: str, role: str, note: str) -> Incident:
    """Assign (to the team named in ``note``), answer the reporter (``note`` is shown with the
    reference code) or resolve an incident; logs the step and returns the incident after it."""
    text = _text(note)
    if not text:
        raise IncidentError("note: say why (assign: to whom; answer: the answer; resolve: how)")
    with _lock:
        incident = runtime.store.incident(ref)
        if incident is None:
            raise UnknownIncident(f"no incident with reference {ref!r}")
        if incident.status is IncidentStatus.RESOLVED:
            raise IncidentConflict(f"incident {ref} is resolved: it takes no further {action.value}")
        status = {IncidentAction.ASSIGN: IncidentStatus.ASSIGNED, IncidentAction.RESOLVE: IncidentStatus.RESOLVED,
                  IncidentAction.ANSWER: incident.status}[IncidentAction(action)]
        seq = len(runtime.store.incident_history(ref)) + 1
        try:
            after = runtime.store.update_incident(IncidentUpdate(
                ref=ref, seq=seq, at=runtime.clock.now(), status=status, who=who, role=role, note=text,
                answer=action is IncidentAction.ANSWER))
        except StoreError:
            if len(runtime.store.incident_history(ref)) >= seq:  # another process added a step first
                raise IncidentConflict(f"incident {ref} was changed meanwhile: read it again and retry") from None
            raise
    past = {IncidentAction.ASSIGN: "assigned", IncidentAction.ANSWER: "answered", IncidentAction.RESOLVE: "resolved"}
    audit.record(runtime, who=who, role=role, action=f"incident.{past[IncidentAction(action)]}", reason=text,
                 details=_details(after))
    return after


def public_status(runtime: Runtime, ref: str) -> PublicStatus | None:
    """The status and the control room's latest answer of ``ref``; None when unknown."""
    incident = runtime.store.incident(ref.strip().upper())
    if incident is None:
        return None
    answers = [u for u in runtime.store.incident_history(incident.ref) if u.answer]
    last = answers[-1] if answers else None
    return PublicStatus(incident.ref, incident.status, None if last is None else last.note,
                        None if last is None else last.at)


def risk_incidents(runtime: Runtime, at: datetime, window_min: int) -> tuple[RiskIncident, ...]:
    """Incidents of the ``window_min`` minutes up to ``at``, one per zone they are in or next to."""
    found = runtime.store.incidents(start=at - timedelta(minutes=window_min), end=at + timedelta(microseconds=1))
    return tuple(RiskIncident(zone_id, i.at, _risk_text(i)) for i in found for zone_id in i.zone_ids)


def zones_near(site: Site, point: tuple[float, float]) -> tuple[str, ...]:
    """Ids of the site's zones within :data:`NEAR_M` metres of ``point`` (lon, lat)."""
    lon, lat = point
    local = Transformer.from_crs(CRS.from_epsg(4326), CRS(proj="aeqd", lat_0=lat, lon_0=lon, datum="WGS84"),
                                 always_xy=True)

    def project(coords: np.ndarray) -> np.ndarray:
        x, y = local.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    here = Point(0.0, 0.0)
    return tuple(z.id for z in site.zones if shapely.transform(shape(z.geometry), project).distance(here) <= NEAR_M)


def stop_positions(site: Site) -> dict[str, tuple[float, float]]:
    """(lon, lat) per GTFS stop id of the site's ``gtfs`` folder; empty without one."""
    return dict(_stop_positions(site.folder))


@lru_cache(maxsize=8)
def _stop_positions(folder: str | None) -> tuple[tuple[str, tuple[float, float]], ...]:
    feed = Path(folder, "gtfs") if folder else None
    if feed is None or not feed.is_dir():
        return ()
    try:
        stops = read_gtfs_stops(feed).stops
    except FeedError as exc:
        raise IncidentError(f"the site's stops cannot be read: {exc}") from exc
    return tuple((s.stop_id, (s.lon, s.lat)) for s in stops if s.lon is not None and s.lat is not None)


def _free_ref(runtime: Runtime) -> str:
    for _ in range(20):
        ref = "CS-" + "".join(secrets.choice(REF_ALPHABET) for _ in range(REF_LENGTH))
        if runtime.store.incident(ref) is None:
            return ref
    raise IncidentError("no free reference code found")  # 30**6 codes: only with a full store


def keyed_refs(key: str) -> list[str]:
    """The reference codes an incident filed under ``key`` may get, in the order tried: each
    derived from a SHA-256 of the key and its position."""
    refs = []
    for n in range(KEYED_TRIES):
        number = int.from_bytes(hashlib.sha256(f"{key}#{n}".encode()).digest()[:8], "big")
        chars = []
        for _ in range(REF_LENGTH):
            number, digit = divmod(number, len(REF_ALPHABET))
            chars.append(REF_ALPHABET[digit])
        refs.append("CS-" + "".join(chars))
    return refs


def _file_once(runtime: Runtime, incident: Incident, first: IncidentUpdate, key: str) -> tuple[Incident, bool]:
    """``incident`` stored under the first of :func:`keyed_refs` that is free (True), or the
    incident of the same report already under one of them, filed before or by another process
    meanwhile (False)."""
    for ref in keyed_refs(key):
        stored = runtime.store.incident(ref)
        if stored is None:
            filed = replace(incident, ref=ref)
            try:
                runtime.store.add_incident(filed, replace(first, ref=ref))
                return filed, True
            except StoreError:
                stored = runtime.store.incident(ref)  # another process filed under this code first
                if stored is None:
                    raise
        if _same_report(stored, incident):
            return stored, False
    raise IncidentError(f"no free reference code found for {key!r}")  # KEYED_TRIES codes taken by others


def _same_report(a: Incident, b: Incident) -> bool:
    return (a.site_id, a.source, a.category, a.urgency, a.at, a.point, a.line, a.stop_id) == \
        (b.site_id, b.source, b.category, b.urgency, b.at, b.point, b.line, b.stop_id)


def _check_point(point: tuple[float, float]) -> None:
    lon, lat = point
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise IncidentError(f"point: ({lon}, {lat}) is not a WGS84 (lon, lat) in degrees")


def _text(text: str | None) -> str | None:
    return None if text is None else scrub(text.strip())[:MAX_TEXT]


def _risk_text(incident: Incident) -> str:
    text = f"{incident.category.value} {incident.ref}"
    if incident.description:
        cut = incident.description[:RISK_TEXT]
        text += f": {cut}{'…' if len(incident.description) > RISK_TEXT else ''}"
    return text


def _details(incident: Incident) -> dict[str, object]:
    return {"ref": incident.ref, "status": incident.status.value, "category": incident.category.value,
            "urgency": incident.urgency.value, "source": incident.source.value, "zone_ids": list(incident.zone_ids)}
