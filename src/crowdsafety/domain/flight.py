"""Drone flights and what they observe: the flight register and aerial observations.

A :class:`Flight` is registered before it flies (operator, permit, aircraft, purpose, an area and
a time window, the highest altitude it will fly), checked against the site's airspace
(:class:`AirspaceZone`: no-fly and restricted areas, each possibly only in time windows, and the
site's own ceiling) and against overlapping flights. It is started and ended by its operator.
An :class:`AerialObservation` is what a flight saw: a category, a point or polygon, a time, and
for a crowd estimate a people count for that area. Imagery is never stored: only these fields.
Every time is tz-aware UTC; geometries are GeoJSON mappings in WGS84 (lon, lat).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any


class FlightPurpose(str, Enum):
    CROWD_OVERVIEW = "crowd_overview"
    ENVIRONMENTAL_ENFORCEMENT = "environmental_enforcement"  # e.g. illegal dumping
    SEARCH = "search"  # search for a missing person


class FlightStatus(str, Enum):
    """``registered`` → ``active`` (started) → ``ended``; a registered flight may also be ended."""

    REGISTERED = "registered"
    ACTIVE = "active"
    ENDED = "ended"


class AirspaceKind(str, Enum):
    NO_FLY = "no_fly"  # no flight may enter while the zone is in force
    RESTRICTED = "restricted"  # flights may enter below its ceiling, for its allowed purposes


class AerialCategory(str, Enum):
    ILLEGAL_DUMPING = "illegal_dumping"
    FIRE_OR_SMOKE = "fire_or_smoke"
    CROWD_ESTIMATE = "crowd_estimate"
    BLOCKED_ROUTE = "blocked_route"
    OTHER = "other"


def _require_utc(owner: str, **moments: datetime | None) -> None:
    for name, moment in moments.items():
        if moment is not None and (moment.tzinfo is None or moment.utcoffset() is None):
            raise ValueError(f"{owner}: {name} must carry a time zone")


@dataclass(frozen=True)
class TimeWindow:
    """[start, end) in UTC."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        _require_utc("time window", start=self.start, end=self.end)
        if not self.end > self.start:
            raise ValueError(f"time window ends ({self.end.isoformat()}) before it starts ({self.start.isoformat()})")

    def overlaps(self, other: TimeWindow) -> bool:
        return self.start < other.end and other.start < self.end


@dataclass(frozen=True)
class AirspaceZone:
    """A no-fly or restricted area of a site (``<site folder>/airspace.geojson``).

    ``windows``: when it is in force (empty: always). ``ceiling_m``: highest altitude allowed
    inside it, m above ground (restricted zones). ``purposes``: the purposes allowed inside it
    (restricted zones; empty: all).
    """

    id: str
    name: str
    kind: AirspaceKind
    geometry: dict[str, Any]
    windows: tuple[TimeWindow, ...] = ()
    ceiling_m: float | None = None
    purposes: tuple[FlightPurpose, ...] = ()

    def in_force(self, window: TimeWindow) -> bool:
        return not self.windows or any(w.overlaps(window) for w in self.windows)


@dataclass(frozen=True)
class Flight:
    """One registered flight. ``area``: GeoJSON Polygon it stays inside; ``window``: when it
    may fly; ``max_altitude_m``: the highest it will fly, m above ground; ``permit``: the
    operator's permit or licence number; ``aircraft``: type and registration of the drone."""

    id: str
    site_id: str
    operator: str
    permit: str
    aircraft: str
    purpose: FlightPurpose
    area: dict[str, Any]
    window: TimeWindow
    max_altitude_m: float
    registered_at: datetime
    status: FlightStatus = FlightStatus.REGISTERED
    started_at: datetime | None = None
    ended_at: datetime | None = None

    def __post_init__(self) -> None:
        _require_utc(f"flight {self.id}", registered_at=self.registered_at, started_at=self.started_at,
                     ended_at=self.ended_at)
        if not self.max_altitude_m > 0:
            raise ValueError(f"flight {self.id}: max_altitude_m must be positive, got {self.max_altitude_m}")


@dataclass(frozen=True)
class AerialObservation:
    """What a flight saw. ``geometry``: GeoJSON Point or Polygon; ``people``: persons in that
    area (crowd estimates only, and required there); ``description``: scrubbed free text;
    ``incident_ref``: the incident an offence became; ``zone_ids``: the zones a crowd estimate
    became observations of."""

    id: str
    flight_id: str
    site_id: str
    category: AerialCategory
    geometry: dict[str, Any]
    at: datetime
    received_at: datetime
    people: int | None = None
    description: str = ""
    incident_ref: str | None = None
    zone_ids: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _require_utc(f"aerial observation {self.id}", at=self.at, received_at=self.received_at)
        if self.category is AerialCategory.CROWD_ESTIMATE:
            if self.people is None or self.people < 0:
                raise ValueError(f"aerial observation {self.id}: a crowd estimate needs a people count >= 0")
        elif self.people is not None:
            raise ValueError(f"aerial observation {self.id}: only a crowd estimate carries a people count")
