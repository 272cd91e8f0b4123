"""Risk: the crowding level, raised one step by aggravating factors, always with the reasons.

As in the bow-tie view of the Hague system, crowding is the central event and the factors are
threats that make it worse: heat, rain on the way (everyone leaves at once), a large planned
event, a sensor outage in the zone (the picture is less sure), an incident nearby. A factor is
reported whenever it applies; it raises the risk only when the zone is at least yellow (a quiet
zone stays green), and several factors raise it one step, not more, capped at red.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from crowdsafety.decide.playbook import RiskRules
from crowdsafety.domain import Level, Zone
from crowdsafety.domain.events import PlannedEvent
from crowdsafety.domain.privacy import scrub

#: Hours before a planned event starts from which it counts as a factor.
EVENT_LEAD_H = 2


@dataclass(frozen=True)
class Incident:
    """A reported incident in or next to ``zone_id`` (chatbot, control room, drone), at ``at``.
    ``description`` is scrubbed of personal data on construction: it reaches alert reasons."""

    zone_id: str
    at: datetime
    description: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "description", scrub(self.description))


@dataclass(frozen=True)
class Conditions:
    """What besides crowding is known: temperature in °C, rain in mm/h (``rain_source`` says
    whether it is observed or forecast), planned events, incidents, and per zone id why its
    picture runs on reduced data (``outages``). Times in reasons are shown in ``timezone``."""

    temperature_c: float | None = None
    rain_mm_per_h: float | None = None
    rain_source: str = "observed"
    events: Sequence[PlannedEvent] = ()
    incidents: Sequence[Incident] = ()
    outages: Mapping[str, str] = field(default_factory=dict)
    timezone: str = "UTC"

    def local(self, moment: datetime) -> str:
        """``moment`` as HH:MM in the site's time zone."""
        return f"{moment.astimezone(ZoneInfo(self.timezone)):%H:%M}"


@dataclass(frozen=True)
class Factor:
    """An aggravating factor that applies, and why (shown to people, so in words)."""

    name: str
    reason: str


@dataclass(frozen=True)
class Risk:
    """``level``: from crowding; ``risk_level``: raised by ``factors``."""

    level: Level
    risk_level: Level
    factors: tuple[Factor, ...]

    @property
    def reasons(self) -> tuple[str, ...]:
        return tuple(f.reason for f in self.factors)


_Rule = Callable[[Zone, datetime, Conditions, RiskRules], "str | None"]


def _heat(zone: Zone, when: datetime, c: Conditions, r: RiskRules) -> str | None:
    if c.temperature_c is None or c.temperature_c < r.heat_c:
        return None
    return f"heat: {c.temperature_c:.1f} °C (from {r.heat_c:g} °C visitors stay longer and suffer sooner in a crowd)"


def _rain(zone: Zone, when: datetime, c: Conditions, r: RiskRules) -> str | None:
    if c.rain_mm_per_h is None or c.rain_mm_per_h < r.rain_mm_per_h:
        return None
    return (f"rain {c.rain_source} ({c.rain_mm_per_h:.1f} mm/h): visitors leave at once towards trams, "
            "garages and exits")


def _event(zone: Zone, when: datetime, c: Conditions, r: RiskRules) -> str | None:
    for e in c.events:
        near = e.start - timedelta(hours=EVENT_LEAD_H) <= when < e.end
        if near and zone.id in e.zones and e.expected_visitors >= r.event_visitors:
            return (f"planned event: {e.name} ({e.expected_visitors:,} visitors expected, "
                    f"{c.local(e.start)}-{c.local(e.end)})")
    return None


def _outage(zone: Zone, when: datetime, c: Conditions, r: RiskRules) -> str | None:
    why = c.outages.get(zone.id)
    return f"sensor outage: {why} (the picture of this zone is less sure)" if why else None


def _incident(zone: Zone, when: datetime, c: Conditions, r: RiskRules) -> str | None:
    recent = [i for i in c.incidents if i.zone_id == zone.id
              and when - timedelta(minutes=r.incident_window_min) <= i.at <= when]
    if not recent:
        return None
    latest = max(recent, key=lambda i: i.at)
    return f"incident nearby: {latest.description} ({c.local(latest.at)})"


#: The aggravating factors, in the order they are shown.
FACTORS: tuple[tuple[str, _Rule], ...] = (
    ("heat", _heat),
    ("rain", _rain),
    ("event", _event),
    ("sensor_outage", _outage),
    ("incident", _incident),
)


def assess_risk(zone: Zone, level: Level, when: datetime, conditions: Conditions, rules: RiskRules) -> Risk:
    """The risk of ``zone`` at ``level`` at time ``when`` (now, or the forecast's target time)."""
    factors = []
    for name, rule in FACTORS:
        reason = rule(zone, when, conditions, rules)
        if reason:
            factors.append(Factor(name, reason))
    raised = level
    if factors and level.rank >= Level.YELLOW.rank:
        raised = list(Level)[min(level.rank + 1, Level.RED.rank)]
    return Risk(level, raised, tuple(factors))
