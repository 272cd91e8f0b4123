"""The flight register in the running service: register, start and end drone flights.

A request is checked against the site's airspace, its ceiling and the other flights
(:func:`crowdsafety.service.flight_rules.check_flight`); a refused flight is not stored and
:class:`FlightRefused` carries every rule it breaks. A flight gets an id of unambiguous
characters (``FL-7KQ2M9``, the alphabet of incident reference codes). It may be started from
:data:`START_EARLY` before its window until the window's end, and ended at any time until it is.
Every action and every refusal goes into the decision log (``flight.registered`` / ``.refused``
/ ``.started`` / ``.ended``). Operator and aircraft are scrubbed of personal data; the permit
number is kept as given, so it may hold only letters, digits and ``-./`` and spaces.

Several service processes may share one store: a registration is checked and stored in one
atomic step of the store (:meth:`~crowdsafety.store.Store.register_flight`), so two overlapping
flights cannot both pass the overlap rule, and a start or end is a compare-and-set on the
stored status, so of two requests changing one flight at once the second gets
:class:`FlightConflict`.
"""

from __future__ import annotations

import math
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from crowdsafety.domain import CrowdSafetyError
from crowdsafety.domain.flight import Flight, FlightPurpose, FlightStatus, TimeWindow
from crowdsafety.domain.privacy import scrub
from crowdsafety.service import audit
from crowdsafety.service.flight_rules import Refusal, check_flight
from crowdsafety.service.incidents import REF_ALPHABET, REF_LENGTH
from crowdsafety.service.runtime import Runtime

#: A flight may be started this long before its window opens.
START_EARLY = timedelta(minutes=15)
#: Longest operator or aircraft text kept (characters, after scrubbing).
MAX_TEXT = 200
#: A permit or licence number: letters, digits, ``-``, ``.``, ``/`` and spaces, 2 to 40 characters.
PERMIT = re.compile(r"[A-Za-z0-9][A-Za-z0-9./ -]{0,38}[A-Za-z0-9]")


class FlightError(CrowdSafetyError):
    """A request or an action that cannot be accepted; the message says why."""


class UnknownFlight(FlightError):
    """No flight has this id."""


class FlightConflict(FlightError):
    """The action does not fit the flight's status or time (e.g. starting an ended flight)."""


class FlightRefused(FlightError):
    """The flight breaks the site's rules; ``refusals`` lists every rule broken and where."""

    def __init__(self, refusals: Sequence[Refusal]) -> None:
        self.refusals = tuple(refusals)
        super().__init__("flight refused: " + "; ".join(f"{r.rule} ({r.where}): {r.message}" for r in self.refusals))


@dataclass(frozen=True)
class FlightRequest:
    """What an operator asks to fly: ``area`` a GeoJSON Polygon (WGS84), ``start`` and ``end``
    of the window (tz-aware), ``max_altitude_m`` the highest it will fly, m above ground."""

    operator: str
    permit: str
    aircraft: str
    purpose: FlightPurpose
    area: dict[str, Any]
    start: datetime
    end: datetime
    max_altitude_m: float


def register(runtime: Runtime, req: FlightRequest, *, who: str, role: str) -> Flight:
    """Check ``req`` against the rules and store it as a registered flight; logs the outcome.
    FlightError for malformed input, FlightRefused listing every rule it breaks."""
    now = runtime.clock.now()
    start, end = _utc(req.start, "start"), _utc(req.end, "end")
    fields = _checked_fields(req)
    if not end > start:
        refusal = Refusal("window", "end", f"the window ends ({end.isoformat()}) before or when it starts "
                                           f"({start.isoformat()})")
        _refuse(runtime, [refusal], fields, who=who, role=role)
    flight = Flight(id=_free_id(runtime), site_id=runtime.site.id, window=TimeWindow(start, end),
                    registered_at=now, **fields)
    refusals = runtime.store.register_flight(flight, lambda others: check_flight(runtime.site, flight, others, now))
    if refusals:
        _refuse(runtime, refusals, fields, who=who, role=role)
    audit.record(runtime, who=who, role=role, action="flight.registered",
                 reason=f"{flight.purpose.value} by {flight.operator}, {_span(flight.window)}",
                 details=_details(flight))
    return flight


def start(runtime: Runtime, flight_id: str, *, who: str, role: str) -> Flight:
    """Mark a registered flight active (from :data:`START_EARLY` before its window until its end)."""
    now = runtime.clock.now()
    flight = _known(runtime, flight_id)
    if flight.status is not FlightStatus.REGISTERED:
        raise FlightConflict(f"flight {flight.id} is {flight.status.value}: only a registered flight starts")
    if now < flight.window.start - START_EARLY or now >= flight.window.end:
        raise FlightConflict(f"flight {flight.id} may start from {_iso(flight.window.start - START_EARLY)} "
                             f"until {_iso(flight.window.end)}; it is {_iso(now)}")
    after = replace(flight, status=FlightStatus.ACTIVE, started_at=now)
    _swap(runtime, flight, after)
    audit.record(runtime, who=who, role=role, action="flight.started",
                 reason=f"{after.purpose.value} by {after.operator}, {_span(after.window)}", details=_details(after))
    return after


def end(runtime: Runtime, flight_id: str, *, who: str, role: str) -> Flight:
    """Mark a registered or active flight ended (a registered one is thereby called off)."""
    now = runtime.clock.now()
    flight = _known(runtime, flight_id)
    if flight.status is FlightStatus.ENDED:
        raise FlightConflict(f"flight {flight.id} has already ended")
    after = replace(flight, status=FlightStatus.ENDED, ended_at=now)
    _swap(runtime, flight, after)
    reason = "landed" if flight.status is FlightStatus.ACTIVE else "called off before it started"
    audit.record(runtime, who=who, role=role, action="flight.ended", reason=f"{reason}: {after.operator}",
                 details=_details(after))
    return after


def _checked_fields(req: FlightRequest) -> dict[str, Any]:
    """The request's operator, permit, aircraft, purpose, area and altitude, checked and scrubbed."""
    operator, aircraft = _text(req.operator, "operator"), _text(req.aircraft, "aircraft")
    permit = req.permit.strip() if isinstance(req.permit, str) else ""
    if not PERMIT.fullmatch(permit):
        raise FlightError("permit: expected 2 to 40 letters, digits, '-', '.', '/' or spaces, e.g. NLD-UAS-0042")
    try:
        purpose = FlightPurpose(req.purpose)
    except ValueError:
        raise FlightError(f"purpose: {req.purpose!r} is none of {', '.join(p.value for p in FlightPurpose)}") \
            from None
    if not isinstance(req.area, dict):
        raise FlightError("area: expected a GeoJSON Polygon object")
    altitude = req.max_altitude_m
    if isinstance(altitude, bool) or not isinstance(altitude, (int, float)) or not math.isfinite(altitude) \
            or altitude <= 0:
        raise FlightError(f"max_altitude_m: expected a number of metres above 0, got {altitude!r}")
    return {"operator": operator, "permit": permit, "aircraft": aircraft, "purpose": purpose, "area": req.area,
            "max_altitude_m": float(altitude)}


def _refuse(runtime: Runtime, refusals: Sequence[Refusal], fields: dict[str, Any], *, who: str, role: str) -> None:
    """Log the refusal and raise :class:`FlightRefused`."""
    audit.record(runtime, who=who, role=role, action="flight.refused",
                 reason="; ".join(f"{r.rule}: {r.message}" for r in refusals),
                 details={"operator": fields["operator"], "permit": fields["permit"],
                          "purpose": fields["purpose"].value,
                          "refusals": [{"rule": r.rule, "where": r.where, "message": r.message} for r in refusals]})
    raise FlightRefused(refusals)


def _known(runtime: Runtime, flight_id: str) -> Flight:
    flight = runtime.store.flight(flight_id)
    if flight is None:
        raise UnknownFlight(f"no flight with id {flight_id!r}")
    return flight


def _swap(runtime: Runtime, before: Flight, after: Flight) -> None:
    """Store ``after`` if the flight's stored status is still ``before``'s; FlightConflict
    naming what it became when another request changed it since it was read."""
    if not runtime.store.update_flight(after, expected=before.status):
        now = _known(runtime, before.id).status.value
        raise FlightConflict(f"flight {before.id} changed from {before.status.value} to {now} while this request "
                             f"was making it {after.status.value}: another request came first")


def _free_id(runtime: Runtime) -> str:
    for _ in range(20):
        flight_id = "FL-" + "".join(secrets.choice(REF_ALPHABET) for _ in range(REF_LENGTH))
        if runtime.store.flight(flight_id) is None:
            return flight_id
    raise FlightError("no free flight id found")  # 30**6 ids: only with a full register


def _utc(moment: datetime, name: str) -> datetime:
    if not isinstance(moment, datetime) or moment.tzinfo is None or moment.utcoffset() is None:
        raise FlightError(f"{name}: expected a time with a time zone")
    try:
        return moment.astimezone(UTC)
    except (OverflowError, ValueError):
        raise FlightError(f"{name}: {moment.isoformat()} is out of range") from None


def _text(text: str, name: str) -> str:
    cleaned = scrub(text.strip())[:MAX_TEXT] if isinstance(text, str) else ""
    if not cleaned:
        raise FlightError(f"{name}: must not be empty")
    return cleaned


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="minutes").replace("+00:00", "Z")


def _span(window: TimeWindow) -> str:
    return f"{_iso(window.start)}–{_iso(window.end)}"


def _details(flight: Flight) -> dict[str, Any]:
    return {"flight_id": flight.id, "status": flight.status.value, "purpose": flight.purpose.value,
            "operator": flight.operator, "permit": flight.permit, "aircraft": flight.aircraft,
            "start": flight.window.start.isoformat(), "end": flight.window.end.isoformat(),
            "max_altitude_m": flight.max_altitude_m}
