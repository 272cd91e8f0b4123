"""The alert engine: from the picture, the forecast and sensor health to alert changes.

One alert per episode and subject: it is raised when the condition starts, escalated or lowered
while it lasts, and cleared (``active`` false) when it ends; people close it. An escalation
past the episode's peak re-opens the alert, so it must be acknowledged again. The engine is a
pure function of what it is handed: the service stores and announces its changes, and a replay
(:func:`replay_alerts`) runs it over history with no store at all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from enum import Enum
from typing import cast
from zoneinfo import ZoneInfo

from crowdsafety.decide.expected import ZoneOutlook, expected_level, outlooks_by_zone
from crowdsafety.decide.observed import held_level, held_since
from crowdsafety.decide.playbook import Playbook
from crowdsafety.decide.risk import Conditions, Risk, assess_risk
from crowdsafety.domain import (
    DataStatus,
    HealthStatus,
    Level,
    LevelBasis,
    SensorHealth,
    Site,
    Zone,
    ZoneState,
)
from crowdsafety.domain.decision import AlertKind, AlertRecord, AlertStatus
from crowdsafety.domain.site import PEOPLE_KINDS

UNITS = {LevelBasis.DENSITY: "persons/m²", LevelBasis.COUNT: "persons", LevelBasis.FLOW: "persons/m/min"}


class Change(str, Enum):
    """What happened to an alert in one evaluation."""

    RAISED = "raised"
    ESCALATED = "escalated"
    LOWERED = "lowered"
    CLEARED = "cleared"
    UPDATED = "updated"  # reasons or probability moved; not logged, not announced


@dataclass(frozen=True)
class AlertChange:
    """The alert after the change, and one line saying what changed."""

    alert: AlertRecord
    change: Change
    summary: str


@dataclass(frozen=True)
class Situation:
    """What the engine looks at for interval ``at``: each zone's recent states (at least the
    longest alert window), current sensor health, forecast outlooks and other conditions."""

    at: datetime
    states: Mapping[str, Sequence[ZoneState]]
    health: Mapping[str, SensorHealth] = field(default_factory=dict)
    outlooks: Sequence[ZoneOutlook] = ()
    conditions: Conditions = field(default_factory=Conditions)


def alert_id(kind: AlertKind, subject: str, at: datetime) -> str:
    """Stable id of the episode of ``kind`` about ``subject`` that starts at ``at``."""
    return f"{kind.value}.{subject}.{at.astimezone(UTC):%Y%m%dT%H%MZ}"


def evaluate_alerts(site: Site, playbook: Playbook, situation: Situation,
                    active: Iterable[AlertRecord]) -> list[AlertChange]:
    """The changes to make at ``situation.at``, given the alerts whose condition is still active."""
    current = {(a.kind, a.subject): a for a in active if a.active}
    at = situation.at
    outages = {**_outages(site, situation), **situation.conditions.outages}
    conditions = replace(situation.conditions, outages=outages, timezone=site.timezone)
    local = ZoneInfo(site.timezone)
    outlooks = outlooks_by_zone(situation.outlooks)
    rules = playbook.alerts
    changes: list[AlertChange | None] = []
    held_now: dict[str, Level] = {}
    for zone in site.zones:
        states = situation.states.get(zone.id, ())
        prev = current.get((AlertKind.OBSERVED, zone.id))
        held = held_level(zone, states, prev.level if prev else Level.GREEN, at, rules, site.interval_s)
        held_now[zone.id] = held
        observed, reasons = None, cast(tuple[str, ...], ())
        if held.rank >= rules.observed_from.rank:
            observed = assess_risk(zone, held, at, conditions, playbook.risk)
            same = prev is not None and prev.level is held and prev.reasons  # keep "since" while it lasts
            first = prev.reasons[0] if same and prev else _observed_reason(zone, states, held, at, local)
            reasons = (first, *observed.reasons)
        changes.append(_transition(site.id, AlertKind.OBSERVED, zone.id, (zone.id,), prev, observed, reasons, at))

        prev = current.get((AlertKind.EXPECTED, zone.id))
        expect = expected_level(zone.id, outlooks.get(zone.id, ()), at, playbook, prev.level if prev else None)
        risk, reasons = None, cast(tuple[str, ...], ())
        if expect is not None:
            risk = assess_risk(zone, expect.level, expect.target_at, conditions, playbook.risk)
            forecast = (f"forecast: {expect.probability:.0%} chance of {expect.level.value} or worse within "
                        f"{expect.lookahead_min} min, first at {expect.target_at.astimezone(local):%H:%M}")
            reasons = (forecast, *risk.reasons)
        changes.append(_transition(site.id, AlertKind.EXPECTED, zone.id, (zone.id,), prev, risk, reasons, at,
                                   target_at=expect.target_at if expect else None,
                                   probability=round(expect.probability, 4) if expect else None))
    if rules.sensor_alerts:
        changes += _sensor_changes(site, situation, current, held_now)
    return [c for c in changes if c is not None]


def _observed_reason(zone: Zone, states: Sequence[ZoneState], held: Level, at: datetime, local: ZoneInfo) -> str:
    """E.g. "orange observed since 14:05 (above 0.18 persons/m²)"; no live value, so the reason
    (and the stored alert) changes only when the situation does."""
    since = held_since(states, held, at)
    text = f"{held.value} observed" + (f" since {since.astimezone(local):%H:%M}" if since is not None else "")
    bound = getattr(zone.thresholds, held.value, None)
    return text + (f" (above {bound:g} {UNITS[zone.thresholds.basis]})" if bound is not None else "")


def _outages(site: Site, situation: Situation) -> dict[str, str]:
    """Per zone whose latest state runs on reduced or no data: which sensors are unhealthy."""
    out = {}
    for zone in site.zones:
        latest = next((s for s in situation.states.get(zone.id, ()) if s.start == situation.at), None)
        if latest is None or latest.status is DataStatus.OK:
            continue
        sick = [f"{h.sensor_id} {h.status.value}" for s in site.sensors_of_zone(zone.id)
                if (h := situation.health.get(s.id)) is not None and h.status is not HealthStatus.OK]
        out[zone.id] = (", ".join(sick) or "sensors missing") + f" ({latest.status.value.replace('_', ' ')})"
    return out


#: Health states that raise no sensor alert: fine, or one impossible value the picture dropped.
_NOT_ALERTED = frozenset({HealthStatus.OK, HealthStatus.SPIKE})


def _sensor_changes(site: Site, situation: Situation, current: Mapping[tuple[AlertKind, str], AlertRecord],
                    held: Mapping[str, Level]) -> list[AlertChange | None]:
    """Alerts for stale, frozen or silent people sensors: yellow when a zone they feed is busy
    (held yellow or worse), else green. A spike is not alerted: the picture drops that value."""
    out = []
    for sensor in site.sensors:
        if sensor.kind not in PEOPLE_KINDS:
            continue
        health = situation.health.get(sensor.id)
        sick = health is not None and health.status not in _NOT_ALERTED
        busy = any(held.get(z, Level.GREEN).rank >= Level.YELLOW.rank for z in sensor.zones)
        level = Level.YELLOW if busy else Level.GREEN
        risk = Risk(level, level, ()) if sick else None
        reasons: tuple[str, ...] = ()
        if sick and health is not None:
            reasons = (f"{sensor.name or sensor.id}: {health.status.value}: {health.detail}",)
            reasons += ("it feeds a busy zone",) if busy else ()
        prev = current.get((AlertKind.SENSOR, sensor.id))
        out.append(_transition(site.id, AlertKind.SENSOR, sensor.id, sensor.zones, prev, risk, reasons, situation.at))
    return out


def _transition(site_id: str, kind: AlertKind, subject: str, zone_ids: tuple[str, ...], prev: AlertRecord | None,
                risk: Risk | None, reasons: tuple[str, ...], at: datetime, *, target_at: datetime | None = None,
                probability: float | None = None) -> AlertChange | None:
    """The change from ``prev`` (the active alert, if any) to the condition ``risk`` (None: over)."""
    what = f"{kind.value} alert on {subject}"
    if risk is None:
        if prev is None:
            return None
        return AlertChange(replace(prev, active=False, cleared_at=at, updated_at=at), Change.CLEARED,
                           f"{what} cleared: the condition ended")
    level = risk.level
    if prev is None:
        record = AlertRecord(id=alert_id(kind, subject, at), site_id=site_id, kind=kind, subject=subject,
                             zone_ids=zone_ids, level=level, peak_level=level, risk_level=risk.risk_level,
                             raised_at=at, updated_at=at, reasons=reasons, target_at=target_at,
                             probability=probability)
        return AlertChange(record, Change.RAISED, f"{what} raised at {level.value}: {reasons[0] if reasons else ''}")
    if (level, risk.risk_level, reasons, target_at, probability) == (
            prev.level, prev.risk_level, prev.reasons, prev.target_at, prev.probability):
        return None
    peak = max(prev.peak_level, level, key=lambda lv: lv.rank)
    record = replace(prev, level=level, peak_level=peak, risk_level=risk.risk_level, reasons=reasons,
                     target_at=target_at, probability=probability, updated_at=at)
    if level.rank > prev.level.rank:
        if level.rank > prev.peak_level.rank:
            record = replace(record, status=AlertStatus.OPEN)
        return AlertChange(record, Change.ESCALATED, f"{what} escalated to {level.value}: {reasons[0]}")
    if level.rank < prev.level.rank:
        return AlertChange(record, Change.LOWERED, f"{what} lowered to {level.value}: {reasons[0]}")
    return AlertChange(record, Change.UPDATED, f"{what} updated")


def replay_alerts(site: Site, playbook: Playbook, states: Sequence[ZoneState], *, start: datetime, end: datetime,
                  outlooks: Callable[[datetime], Sequence[ZoneOutlook]] | None = None,
                  conditions: Callable[[datetime], Conditions] | None = None) -> list[AlertChange]:
    """Run the engine over every interval in [start, end) as the service would have, without a
    store: ``outlooks(at)``/``conditions(at)`` give what was known at interval ``at``."""
    step = timedelta(seconds=site.interval_s)
    window = timedelta(minutes=max(playbook.alerts.min_duration_min, playbook.alerts.clear_after_min)) + step
    by_zone: dict[str, list[ZoneState]] = {}
    for s in sorted(states, key=lambda s: s.start):
        by_zone.setdefault(s.zone_id, []).append(s)
    active: dict[str, AlertRecord] = {}
    changes: list[AlertChange] = []
    at = start
    first = {z: 0 for z in by_zone}  # per zone: [first, last) indexes the states in (at - window, at]
    last = dict(first)
    while at < end:
        recent = {}
        for zone_id, series in by_zone.items():
            while last[zone_id] < len(series) and series[last[zone_id]].start <= at:
                last[zone_id] += 1
            while first[zone_id] < last[zone_id] and series[first[zone_id]].start <= at - window:
                first[zone_id] += 1
            recent[zone_id] = series[first[zone_id]:last[zone_id]]
        situation = Situation(at, recent, outlooks=outlooks(at) if outlooks else (),
                              conditions=conditions(at) if conditions else Conditions())
        for change in evaluate_alerts(site, playbook, situation, active.values()):
            changes.append(change)
            if change.alert.active:
                active[change.alert.id] = change.alert
            else:
                active.pop(change.alert.id, None)
        at += step
    return changes
