"""The alert engine: observed, expected and sensor alerts raised, escalated, lowered, cleared."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from crowdsafety.decide import (
    Change,
    Conditions,
    Playbook,
    Situation,
    ZoneOutlook,
    evaluate_alerts,
    replay_alerts,
)
from crowdsafety.domain import (
    DataStatus,
    HealthStatus,
    Level,
    SensorHealth,
    Site,
    ZoneState,
)
from crowdsafety.domain.decision import AlertKind, AlertRecord, AlertStatus

from .builders import STEP, T0, series


def step(site: Site, playbook: Playbook, states: dict[str, list[ZoneState]], at: datetime,
         active: list[AlertRecord], **kw: object) -> list:
    changes = evaluate_alerts(site, playbook, Situation(at, states, **kw), active)
    for c in changes:  # keep the active set as the service's store would
        active[:] = [a for a in active if a.id != c.alert.id] + ([c.alert] if c.alert.active else [])
    return changes


def test_observed_alert_lifecycle(site: Site, playbook: Playbook):
    densities = [0.2] * 3 + [0.35] * 3 + [0.12] * 7
    states = {"pier": series(site, "pier", densities)}
    active: list[AlertRecord] = []
    log = []
    for i in range(len(densities)):
        log += [(i, c.change, c.alert) for c in step(site, playbook, states, T0 + i * STEP, active)
                if c.alert.subject == "pier" and c.change is not Change.UPDATED]
    kinds = [(i, ch) for i, ch, _ in log]
    assert kinds == [(2, Change.RAISED), (5, Change.ESCALATED), (11, Change.LOWERED)]
    raised = log[0][2]
    assert raised.id == "observed.pier.20260705T1210Z" and raised.level is Level.ORANGE
    assert raised.kind is AlertKind.OBSERVED and raised.zone_ids == ("pier",)
    assert raised.reasons[0] == "orange observed since 14:00 (above 0.18 persons/m²)"
    escalated = log[1][2]
    assert escalated.id == raised.id and escalated.peak_level is Level.RED and escalated.status is AlertStatus.OPEN
    assert log[2][2].level is Level.YELLOW and log[2][2].peak_level is Level.RED


def test_escalation_past_the_peak_reopens(site: Site, playbook: Playbook):
    states = {"pier": series(site, "pier", [0.35] * 3)}
    prev = AlertRecord(id="observed.pier.x", site_id="scheveningen", kind=AlertKind.OBSERVED, subject="pier",
                       zone_ids=("pier",), level=Level.ORANGE, peak_level=Level.ORANGE, risk_level=Level.ORANGE,
                       raised_at=T0, updated_at=T0, status=AlertStatus.CLOSED)
    [change] = [c for c in evaluate_alerts(site, playbook, Situation(T0 + 2 * STEP, states), [prev])
                if c.alert.subject == "pier"]
    assert change.change is Change.ESCALATED and change.alert.status is AlertStatus.OPEN
    back = replace(prev, level=Level.YELLOW, peak_level=Level.RED, status=AlertStatus.ACKNOWLEDGED)
    [change] = [c for c in evaluate_alerts(site, playbook, Situation(T0 + 2 * STEP, states), [back])
                if c.alert.subject == "pier"]
    assert change.alert.status is AlertStatus.ACKNOWLEDGED  # back up to a level already seen


def test_clears_when_green_again(site: Site, playbook: Playbook):
    states = {"pier": series(site, "pier", [0.02] * 7)}
    prev = AlertRecord(id="observed.pier.x", site_id="scheveningen", kind=AlertKind.OBSERVED, subject="pier",
                       zone_ids=("pier",), level=Level.YELLOW, peak_level=Level.YELLOW, risk_level=Level.YELLOW,
                       raised_at=T0, updated_at=T0)
    [change] = evaluate_alerts(site, playbook, Situation(T0 + 6 * STEP, states), [prev])
    assert change.change is Change.CLEARED and not change.alert.active and change.alert.cleared_at == T0 + 6 * STEP


def test_expected_alert_with_risk(site: Site, playbook: Playbook):
    at = T0
    looks = [ZoneOutlook("noorderstrand", at + timedelta(hours=h), {Level.ORANGE: p})
             for h, p in ((1, 0.2), (2, 0.5), (3, 0.7), (5, 0.99))]
    [change] = evaluate_alerts(site, playbook, Situation(at, {}, outlooks=looks,
                                                          conditions=Conditions(temperature_c=29.0)), [])
    a = change.alert
    assert (change.change, a.kind, a.level, a.risk_level) == (Change.RAISED, AlertKind.EXPECTED, Level.ORANGE, Level.RED)
    assert a.target_at == at + timedelta(hours=3) and a.probability == 0.7
    assert a.reasons[0] == "forecast: 70% chance of orange or worse within 240 min, first at 17:00"
    assert a.reasons[1].startswith("heat: 29.0 °C")


def test_sensor_alert_matters_more_in_a_busy_zone(site: Site, playbook: Playbook):
    sick = {"cam-pier": SensorHealth("cam-pier", T0, HealthStatus.STALE, T0 - timedelta(minutes=20), "no data for 20 min")}
    quiet = {"pier": [replace(s, status=DataStatus.REDUCED) for s in series(site, "pier", [0.02] * 3)]}
    [change] = evaluate_alerts(site, playbook, Situation(T0 + 2 * STEP, quiet, health=sick), [])
    assert (change.alert.kind, change.alert.subject, change.alert.level) == (AlertKind.SENSOR, "cam-pier", Level.GREEN)
    assert change.alert.reasons == ("Camera Pier entrance and deck: stale: no data for 20 min",)
    busy = {"pier": [replace(s, status=DataStatus.REDUCED) for s in series(site, "pier", [0.2] * 3)]}
    changes = {c.alert.kind: c for c in evaluate_alerts(site, playbook, Situation(T0 + 2 * STEP, busy, health=sick),
                                                         [change.alert])}
    assert changes[AlertKind.SENSOR].change is Change.ESCALATED
    assert changes[AlertKind.SENSOR].alert.level is Level.YELLOW
    # the outage is an aggravating factor of the busy zone's observed alert
    observed = changes[AlertKind.OBSERVED].alert
    assert observed.risk_level is Level.RED
    assert "sensor outage: cam-pier stale (reduced)" in observed.reasons[1]


def test_replay_is_quiet_on_noise_and_stable(site: Site, playbook: Playbook):
    noisy = [0.19, 0.17, 0.185, 0.175] * 12 + [0.05] * 12
    states = series(site, "pier", noisy)
    changes = replay_alerts(site, playbook, states, start=T0, end=T0 + len(noisy) * STEP)
    # raw levels alternate orange / yellow every 5 min: one yellow alert, cleared 30 min after it calmed
    logged = [(c.change, c.alert.level, c.alert.updated_at) for c in changes if c.change is not Change.UPDATED]
    assert logged == [(Change.RAISED, Level.YELLOW, T0 + 2 * STEP), (Change.CLEARED, Level.YELLOW, T0 + 53 * STEP)]
    assert replay_alerts(site, playbook, states, start=T0, end=T0 + len(noisy) * STEP) == changes


def test_a_spike_is_not_alerted(site: Site, playbook: Playbook):
    spike = {"cam-pier": SensorHealth("cam-pier", T0, HealthStatus.SPIKE, T0, "count 90000 jumped from 400")}
    assert evaluate_alerts(site, playbook, Situation(T0, {}, health=spike), []) == []
