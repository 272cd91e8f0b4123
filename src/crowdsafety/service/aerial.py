"""Accept what a drone flight saw: aerial observations onto the shared picture.

An upload (drafts from :mod:`crowdsafety.sources.aerial_uploads`) is accepted as a whole or not
at all: every draft must lie in the flight's window (and not in the future) and inside its area
(:data:`TOLERANCE_M` of slack for GPS), and the flight must have been started. A refused upload
stores nothing; :class:`UploadRefused` lists every refused observation with where and why.

Accepted, each observation gets an id derived from its content (:func:`observation_id`), so an
upload sent twice stores nothing new and files no second incident. Descriptions are scrubbed.
An offence becomes an incident from the drone (:data:`OFFENCES`) at its point or its polygon's
centroid; a crowd estimate becomes observations of the ``aerial:<zone>`` sensors of the zones it
covers (:func:`crowdsafety.sources.aerial_estimates.zone_people`), in the site interval holding
its time (several estimates of one zone and interval in an upload: their mean). Each accepted
upload is logged once (``aerial.observations``).

Retries and several service processes are safe without a lock: each step repeats without
effect. An incident is filed under its observation's id (:func:`crowdsafety.service.incidents.report`
with a ``key``), so filing it again returns the one filed before; zone observations sent again
are exact duplicates; and the aerial observations, stored last, mark the upload as done. An
upload that failed part way is therefore completed by sending it again.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from shapely.geometry import shape

from crowdsafety.domain import (
    AERIAL_SENSOR_PREFIX,
    AerialCategory,
    AerialObservation,
    CrowdSafetyError,
    Flight,
    FlightStatus,
)
from crowdsafety.domain.incident import IncidentCategory, IncidentSource, Urgency
from crowdsafety.domain.privacy import scrub
from crowdsafety.service import audit, incidents
from crowdsafety.service.flights import UnknownFlight
from crowdsafety.service.runtime import Runtime
from crowdsafety.sites import geometry
from crowdsafety.sources.aerial_estimates import zone_people
from crowdsafety.sources.aerial_uploads import AerialDraft, UploadProblem

#: How far outside its flight's area an observation may lie (GPS and drawing slack), m.
TOLERANCE_M = 10.0
#: What each offence becomes as an incident.
OFFENCES: dict[AerialCategory, tuple[IncidentCategory, Urgency]] = {
    AerialCategory.ILLEGAL_DUMPING: (IncidentCategory.ENVIRONMENTAL, Urgency.NORMAL),
    AerialCategory.FIRE_OR_SMOKE: (IncidentCategory.OTHER, Urgency.HIGH),
    AerialCategory.BLOCKED_ROUTE: (IncidentCategory.OTHER, Urgency.HIGH),
    AerialCategory.OTHER: (IncidentCategory.OTHER, Urgency.NORMAL),
}
#: Most stored observations of a flight read back to find duplicates.
MAX_READ = 1_000_000


class UploadRefused(CrowdSafetyError):
    """An upload that cannot be accepted; ``problems`` names every refused observation."""

    def __init__(self, problems: Sequence[UploadProblem]):
        self.problems = list(problems)
        super().__init__("upload refused: " + "; ".join(str(p) for p in self.problems))


@dataclass(frozen=True)
class AcceptResult:
    """``accepted``: observations newly stored; ``duplicates``: those stored before (or twice in
    the upload); the incidents filed and the zones that got a drone estimate."""

    accepted: int
    duplicates: int
    incident_refs: tuple[str, ...]
    zone_ids: tuple[str, ...]


def accept(runtime: Runtime, flight_id: str, drafts: Sequence[AerialDraft], *, who: str, role: str) -> AcceptResult:
    """Store the observations of ``flight_id`` (started or ended) or none of them; UnknownFlight
    or UploadRefused naming every problem."""
    now = runtime.clock.now()
    flight = runtime.store.flight(flight_id)
    if flight is None or flight.site_id != runtime.site.id:
        raise UnknownFlight(f"no flight with id {flight_id!r}")
    if flight.status is FlightStatus.REGISTERED:
        raise UploadRefused([UploadProblem("flight", f"flight {flight.id} has not been started: its observations "
                                                     "are accepted once it is")])
    if not drafts:
        raise UploadRefused([UploadProblem("", "the upload holds no observations")])
    problems = _refusals(runtime, flight, drafts, now)
    if problems:
        raise UploadRefused(problems)
    fresh, duplicates = _fresh(runtime, flight, drafts)
    made = [_observation(runtime, flight, draft, oid, now, who=who, role=role) for oid, draft in fresh]
    report = runtime.ingest(_zone_rows(runtime, made))
    if report.rejected:  # drafts were checked: a rejection here is a fault of ours
        raise CrowdSafetyError(f"drone estimates not ingested: {report.rejected[0]}")
    rows = [row for row, _ in made]
    stored = runtime.store.add_aerial_observations(rows)  # last: what is stored is done
    result = AcceptResult(
        accepted=stored, duplicates=duplicates + len(rows) - stored,
        incident_refs=tuple(r.incident_ref for r in rows if r.incident_ref),
        zone_ids=tuple(sorted({z for r in rows for z in r.zone_ids})))
    audit.record(runtime, who=who, role=role, action="aerial.observations",
                 reason=f"{result.accepted} observations of flight {flight.id} ({result.duplicates} sent before)",
                 details={"flight_id": flight.id, "accepted": result.accepted, "duplicates": result.duplicates,
                          "incidents": list(result.incident_refs), "zones": list(result.zone_ids)})
    return result


def observation_id(flight_id: str, draft: AerialDraft) -> str:
    """``ao_`` + 16 hex digits of a SHA-256 over the flight, category, time, geometry and people."""
    content = json.dumps([flight_id, draft.category.value, draft.at.astimezone(UTC).isoformat(), draft.geometry,
                          draft.people], sort_keys=True, separators=(",", ":"))
    return "ao_" + hashlib.sha256(content.encode()).hexdigest()[:16]


def _refusals(runtime: Runtime, flight: Flight, drafts: Sequence[AerialDraft], now: datetime) -> list[UploadProblem]:
    """Every draft outside the flight's window or area, or in the future."""
    crs = geometry.utm_crs(*shape(flight.area).centroid.coords[0])
    transformer = geometry.to_metric(crs)
    area = geometry.metric_shape(flight.area, transformer)
    allowed = area.buffer(TOLERANCE_M)
    latest = now + timedelta(seconds=runtime.site.max_future_s)
    window = flight.window
    problems = []
    for draft in drafts:
        if not window.start <= draft.at <= window.end:
            problems.append(UploadProblem(draft.field("time"), f"{_iso(draft.at)} is outside flight {flight.id}'s "
                                                                 f"window {_iso(window.start)}–{_iso(window.end)}"))
        elif draft.at > latest:
            problems.append(UploadProblem(draft.field("time"), f"{_iso(draft.at)} is in the future"))
        seen = geometry.metric_shape(draft.geometry, transformer)
        if not allowed.covers(seen):
            if draft.geometry["type"] == "Point":
                beyond = f"lies {area.distance(seen):,.0f} m outside"
            else:
                beyond = f"reaches {area.hausdorff_distance(seen.union(area)):,.0f} m outside"
            problems.append(UploadProblem(draft.field("geometry"), f"the {draft.geometry['type'].lower()} {beyond} "
                                                                     f"flight {flight.id}'s area (tolerance "
                                                                     f"{TOLERANCE_M:g} m)"))
    return problems


def _fresh(runtime: Runtime, flight: Flight,
           drafts: Sequence[AerialDraft]) -> tuple[list[tuple[str, AerialDraft]], int]:
    """The drafts not stored before (first of each id), and how many were."""
    ids = [observation_id(flight.id, d) for d in drafts]
    first, last = min(d.at for d in drafts), max(d.at for d in drafts)
    stored = {o.id for o in runtime.store.aerial_observations(flight_id=flight.id, start=first,
                                                              end=last + timedelta(microseconds=1), limit=MAX_READ)}
    fresh: dict[str, AerialDraft] = {}
    for oid, draft in zip(ids, drafts, strict=True):
        if oid not in stored and oid not in fresh:
            fresh[oid] = draft
    return list(fresh.items()), len(drafts) - len(fresh)


def _observation(runtime: Runtime, flight: Flight, draft: AerialDraft, oid: str, now: datetime, *,
                 who: str, role: str) -> tuple[AerialObservation, dict[str, int]]:
    """The draft as stored (scrubbed, with the incident it became or the zones it covers), and
    a crowd estimate's people per zone."""
    description = scrub(draft.description)
    incident_ref, people = None, {}
    if draft.category is AerialCategory.CROWD_ESTIMATE:
        people = zone_people(runtime.site, draft.geometry, draft.people or 0)
    else:
        category, urgency = OFFENCES[draft.category]
        centre = shape(draft.geometry).centroid
        incident = incidents.report(runtime, incidents.IncidentReport(
            source=IncidentSource.DRONE, category=category, urgency=urgency, at=draft.at,
            point=(centre.x, centre.y),
            description=f"{draft.category.value.replace('_', ' ')} seen by drone flight {flight.id}"
                        + (f": {description}" if description else "")), who=who, role=role, key=oid)
        incident_ref = incident.ref
    return AerialObservation(id=oid, flight_id=flight.id, site_id=runtime.site.id, category=draft.category,
                             geometry=draft.geometry, at=draft.at, received_at=now, people=draft.people,
                             description=description, incident_ref=incident_ref, zone_ids=tuple(people)), people


def _zone_rows(runtime: Runtime, made: Sequence[tuple[AerialObservation, dict[str, int]]]) -> list[dict[str, Any]]:
    """Observation rows of the ``aerial:<zone>`` sensors: per zone and interval, the mean estimate."""
    estimates: dict[tuple[str, datetime], list[int]] = defaultdict(list)
    for row, people in made:
        for zone_id, count in people.items():
            estimates[zone_id, runtime.floor(row.at)].append(count)
    return [{"sensor_id": f"{AERIAL_SENSOR_PREFIX}{zone_id}", "start": start.isoformat(),
             "interval_s": runtime.site.interval_s, "metric": "count", "value": round(sum(v) / len(v))}
            for (zone_id, start), v in sorted(estimates.items())]


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
