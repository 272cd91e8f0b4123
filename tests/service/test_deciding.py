"""Decision support in the service: evaluate after a refresh, store + log + notify, act, advise."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd
import pytest

from crowdsafety.decide import (
    Action,
    ActionRequest,
    Change,
    ZoneOutlook,
    load_playbook,
)
from crowdsafety.domain import DataStatus, Level, Site, ZoneState
from crowdsafety.domain.decision import AlertStatus
from crowdsafety.domain.incident import Incident as StoredIncident
from crowdsafety.domain.incident import IncidentCategory, IncidentSource, IncidentStatus, IncidentUpdate, Urgency
from crowdsafety.service import ReplayClock, Runtime
from crowdsafety.service.deciding import Decider
from crowdsafety.store import open_store

T0 = datetime(2026, 7, 5, 12, 0, tzinfo=UTC)
STEP = timedelta(minutes=5)


class Captured:
    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []

    def send(self, message: dict[str, Any]) -> None:
        self.messages.append(message)

    def close(self, timeout_s: float = 5.0) -> None:
        pass


def square(n: int, people: float) -> ZoneState:
    """The mini site's square (graded by count: orange above 200 persons) at interval n."""
    level = Level.ORANGE if people > 200 else Level.GREEN
    return ZoneState("square", T0 + n * STEP, 300, people, people / 500, level, None, DataStatus.OK)


@pytest.fixture
def runtime(mini_site: Site) -> Iterator[Runtime]:
    rt = Runtime(mini_site, open_store("duckdb://:memory:"), ReplayClock(T0))
    yield rt
    rt.store.close()


def decider(runtime: Runtime, **kw: Any) -> Decider:
    return Decider(runtime, load_playbook(runtime.site), **kw)


def advance(runtime: Runtime, n: int, people: float) -> None:
    runtime.store.put_zone_states([square(n, people)])
    runtime.clock.advance(300)  # type: ignore[attr-defined]


def test_evaluate_stores_logs_and_announces(runtime: Runtime):
    captured = Captured()
    d = decider(runtime, notifier=captured)
    assert d.evaluate() == []
    changes = []
    for n in range(3):
        advance(runtime, n, 250)
        changes += d.evaluate()
    [raised] = [c for c in changes if c.change is not Change.UPDATED]
    assert raised.change is Change.RAISED and raised.alert.subject == "square"
    assert runtime.store.alert(raised.alert.id) == raised.alert
    [entry] = runtime.store.decisions()
    assert (entry.who, entry.role, entry.action, entry.alert_id) == ("system", "decision support", "raised",
                                                                     raised.alert.id)
    [message] = captured.messages
    assert message["type"] == "alert.raised" and message["alert"]["id"] == raised.alert.id
    assert message["alert"]["raised_at"] == "2026-07-05T12:10:00+00:00"
    assert d.evaluate() == []  # same interval again: nothing new

    view = d.act(raised.alert.id, ActionRequest(Action.ACKNOWLEDGE, "JdV", "coordinator", "seen"))
    assert view.alert.status is AlertStatus.ACKNOWLEDGED
    assert [e.action for e in d.decisions()] == ["raised", "acknowledged"]
    assert d.verify().intact and d.verify().entries == 2
    assert [v.alert.id for v in d.alerts()] == [raised.alert.id]


def test_public_advice_follows_held_levels_and_goes_unknown_when_stale(runtime: Runtime):
    d = decider(runtime)
    for n in range(3):
        advance(runtime, n, 250)
        d.evaluate()
    groups = {a.group: a for a in d.advice()}
    assert groups["square"].level is Level.ORANGE and groups["coast"].level is None  # the beach has no data
    runtime.clock.advance(3600)  # type: ignore[attr-defined]
    assert {a.group: a.level for a in d.advice()}["square"] is None


def test_weather_incidents_and_forecast_feed_the_alerts(runtime: Runtime):
    weather = pd.DataFrame({
        "sensor_id": "weather", "start": [T0 + n * STEP for n in range(3)], "interval_s": 300,
        "metric": "temperature_c", "value": [28.0, 29.0, 30.5], "quality": "ok", "received_at": T0})
    weather["start"] = pd.to_datetime(weather["start"], utc=True)
    weather["received_at"] = pd.to_datetime(weather["received_at"], utc=True)
    runtime.store.append_observations(weather)
    outlook = [ZoneOutlook("beach", T0 + timedelta(hours=2), {Level.ORANGE: 0.8, Level.RED: 0.1})]
    d = decider(runtime, outlooks=lambda at: outlook)
    runtime.store.add_incident(  # a stored incident is an aggravating factor for its zone
        StoredIncident("CS-TEST22", runtime.site.id, IncidentSource.CHATBOT, IncidentCategory.AGGRESSION,
                       Urgency.HIGH, T0, T0, zone_ids=("square",), description="fight reported via the chatbot"),
        IncidentUpdate("CS-TEST22", 1, T0, IncidentStatus.NEW, "system", "chatbot"))
    for n in range(3):
        advance(runtime, n, 250)
        d.evaluate()
    alerts = {(v.alert.kind.value, v.alert.subject): v.alert for v in d.alerts()}
    square_alert = alerts[("observed", "square")]
    assert square_alert.risk_level is Level.RED
    assert any(r.startswith("heat: 30.5 °C") for r in square_alert.reasons)
    assert any("fight reported via the chatbot" in r for r in square_alert.reasons)
    beach = alerts[("expected", "beach")]
    assert beach.level is Level.ORANGE and beach.probability == 0.8 and beach.target_at == T0 + timedelta(hours=2)



def test_stored_forecasts_raise_expected_alerts(runtime: Runtime):
    from crowdsafety.service.deciding import build_decider

    issued = T0 - timedelta(minutes=30)
    rows = pd.DataFrame({
        "zone_id": ["beach", "beach", "beach", "square"],
        "issued_at": [issued, issued, issued - timedelta(hours=1), issued],
        "start": [T0 + timedelta(hours=1), T0 + timedelta(hours=2), T0 + timedelta(hours=2), T0 + timedelta(hours=1)],
        "interval_s": 3600, "model": "gbm", "quantity": "people", "p50": 1.0,
        "p_green": [0.2, 0.1, 0.9, 0.9], "p_yellow": [0.2, 0.2, 0.1, 0.1],
        "p_orange": [0.5, 0.4, 0.0, 0.0], "p_red": [0.1, 0.3, 0.0, 0.0]})
    for column in ("issued_at", "start"):
        rows[column] = pd.to_datetime(rows[column], utc=True)
    runtime.store.put_forecasts(rows)
    d = build_decider(runtime, env={})
    advance(runtime, 0, 50)
    [change] = [c for c in d.evaluate() if c.alert.kind.value == "expected"]
    alert = change.alert
    assert (alert.subject, alert.level, alert.target_at) == ("beach", Level.ORANGE, T0 + timedelta(hours=1))
    assert alert.probability == 0.7  # 16:00 local: the latest issue says 40 % orange + 30 % red, an older 0 %
    assert alert.reasons[0] == "forecast: 70% chance of orange or worse within 180 min, first at 15:00"
