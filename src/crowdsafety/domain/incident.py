"""Incidents: geo-located reports of unsafe situations (public transport, streets, from the air).

An incident is reported by a passenger through the chatbot, by the control room, by the police
or from a drone flight. Its free text is scrubbed of personal data before it is stored; its
status moves new → assigned → resolved with an append-only history (:class:`IncidentUpdate`).
Every time is tz-aware UTC; places are WGS84 (lon, lat).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum


class IncidentSource(str, Enum):
    CHATBOT = "chatbot"
    OPERATOR = "operator"  # control-room operator
    POLICE = "police"
    DRONE = "drone"


class IncidentCategory(str, Enum):
    HARASSMENT = "harassment"  # harassment / intimidation
    AGGRESSION = "aggression"  # aggression / violence
    THEFT = "theft"
    OVERCROWDING = "overcrowding"  # overcrowded vehicle or stop
    MEDICAL = "medical"
    VANDALISM = "vandalism"
    ENVIRONMENTAL = "environmental"  # environmental offence, e.g. illegal dumping
    OTHER = "other"


class Urgency(str, Enum):
    """``emergency``: a weapon, an attack happening now, someone hurt (call 112)."""

    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    EMERGENCY = "emergency"


class IncidentStatus(str, Enum):
    NEW = "new"
    ASSIGNED = "assigned"
    RESOLVED = "resolved"


@dataclass(frozen=True)
class Incident:
    """One incident. ``ref``: the reference code given to the reporter; ``point``: (lon, lat)
    where known; on public transport ``line``, ``direction``, ``stop_id`` (GTFS stop id) and
    ``vehicle`` (fleet number) where known; ``zone_ids``: the site's zones it is in or next to;
    ``description``: scrubbed free text; ``status``: the latest of its history."""

    ref: str
    site_id: str
    source: IncidentSource
    category: IncidentCategory
    urgency: Urgency
    at: datetime
    reported_at: datetime
    status: IncidentStatus = IncidentStatus.NEW
    point: tuple[float, float] | None = None
    line: str | None = None
    direction: str | None = None
    stop_id: str | None = None
    vehicle: str | None = None
    zone_ids: tuple[str, ...] = ()
    description: str = ""

    def __post_init__(self) -> None:
        for name in ("at", "reported_at"):
            moment = getattr(self, name)
            if moment.tzinfo is None or moment.utcoffset() is None:
                raise ValueError(f"incident {self.ref}: {name} must carry a time zone")
        if self.point is None and self.stop_id is None and self.line is None and not self.zone_ids:
            raise ValueError(f"incident {self.ref}: needs a place (a point, a stop, a line or a zone)")


@dataclass(frozen=True)
class IncidentUpdate:
    """One step of an incident's append-only history: ``status`` after it, who (person or
    ``system``) in which role, and the ``note`` (scrubbed). ``answer``: the note is the control
    room's answer to the reporter, shown with the reference code; other notes stay internal."""

    ref: str
    seq: int
    at: datetime
    status: IncidentStatus
    who: str
    role: str
    note: str = ""
    answer: bool = False
