"""Privacy over HTTP: free text is scrubbed in the store, public outputs never show a raw count."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from crowdsafety.api import create_app
from crowdsafety.api.ratelimit import ClientLimiter
from crowdsafety.decide import load_playbook
from crowdsafety.domain import DataStatus, Level, ZoneState
from crowdsafety.domain.access import Role
from crowdsafety.service import Runtime
from crowdsafety.service.deciding import Decider

from .conftest import NOW, bearer

PEOPLE = {"beach": 3.0, "square": 1234.0}  # 3: suppressed below k = 10; 1234: shown as 1250
AREA = {"beach": 10_000.0, "square": 500.0}


@pytest.fixture
def app_and_decider(runtime: Runtime):
    decider = Decider(runtime, load_playbook(runtime.site))
    app = create_app(runtime, decider=decider)
    app.state.status_limiter = ClientLimiter(1000.0, 1000.0)  # the tests look up many unknown incident codes
    return app, decider


@pytest.fixture
def public(app_and_decider) -> Iterator[TestClient]:
    """A client without a key."""
    with TestClient(app_and_decider[0]) as client:
        yield client


def put_people(runtime: Runtime, minutes: int = 15) -> None:
    """``PEOPLE`` in each zone for the last ``minutes`` (the square is orange: above 200 persons)."""
    states = []
    for n in range(minutes // 5):
        start = NOW - timedelta(minutes=minutes) + timedelta(minutes=5 * n)
        for zone_id, people in PEOPLE.items():
            level = Level.ORANGE if zone_id == "square" else Level.GREEN
            states.append(ZoneState(zone_id, start, 300, people, people / AREA[zone_id], level, None, DataStatus.OK))
    runtime.store.put_zone_states(states)


def test_an_alert_action_with_a_phone_number_and_email_is_stored_scrubbed(runtime, app_and_decider, key_for):
    app, decider = app_and_decider
    put_people(runtime)
    [alert_id] = [c.alert.id for c in decider.evaluate() if c.alert.subject == "square"]
    reason = "Melder belde vanaf 06-12345678, mail terug naar j.jansen@example.nl; AB-12-CD op de nooduitgang"
    body = {"action": "assign", "who": "J. de Vries", "role": "coordinator", "reason": reason,
            "assignee": "Politie, tel. +31 70 123 4567"}
    with TestClient(app, headers=bearer(key_for(Role.OPERATOR))) as client:
        answer = client.post(f"/api/v1/alerts/{alert_id}/actions", json=body)
        assert answer.status_code == 200, answer.text
        assert answer.json()["assignee"] == "Politie, tel. [phone]"
        logged = client.get("/api/v1/decisions", params={"alert_id": alert_id}).json()
        assert client.get("/api/v1/decisions/verify").json()["intact"] is True
    [entry] = [e for e in runtime.store.decisions(alert_id=alert_id) if e.action == "assigned"]
    assert entry.reason == "Melder belde vanaf [phone], mail terug naar [e-mail]; [plate] op de nooduitgang"
    assert entry.details["assignee"] == "Politie, tel. [phone]"
    assert runtime.store.alert(alert_id).assignee == "Politie, tel. [phone]"  # type: ignore[union-attr]
    assert [e["reason"] for e in logged if e["action"] == "assigned"] == [entry.reason]
    for text in (str(runtime.store.decisions()), str(runtime.store.alerts())):
        assert "12345678" not in text and "example.nl" not in text and "AB-12-CD" not in text
        assert "123 4567" not in text


def test_public_zones_suppress_small_counts_and_round_the_rest(runtime, app_and_decider, public):
    put_people(runtime)
    app_and_decider[1].evaluate()  # the square's orange held 15 min: an observed alert
    answer = public.get("/api/v1/public/zones")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["site"], body["k"]) == ("mini", 10)
    zones = {z["id"]: z for z in body["zones"]}
    assert zones["beach"] == {"id": "beach", "name": "Beach", "group": "coast", "level": "green", "people": None}
    assert zones["square"] == {"id": "square", "name": "Square", "group": None, "level": "orange", "people": 1250}


def test_public_zones_without_fresh_data_show_nothing(runtime, public):
    put_people(runtime)
    runtime.clock.advance(3600)  # type: ignore[attr-defined]
    zones = public.get("/api/v1/public/zones").json()["zones"]
    assert [(z["level"], z["people"]) for z in zones] == [("unknown", None), ("unknown", None)]


def test_k_is_the_apps_setting(runtime, app_and_decider, public):
    put_people(runtime)
    app_and_decider[0].state.privacy_k = 2
    body = public.get("/api/v1/public/zones").json()
    assert body["k"] == 2 and {z["id"]: z["people"] for z in body["zones"]} == {"beach": 10, "square": 1250}
    app_and_decider[0].state.privacy_k = 2000
    assert [z["people"] for z in public.get("/api/v1/public/zones").json()["zones"]] == [None, None]


def test_no_public_endpoint_returns_an_unsuppressed_count(runtime, app_and_decider, public):
    """Every GET under /api/v1/public, without a key: the numbers that appear once the zones hold
    3 and 1234 people are only the suppressed ones (1250), never the counts, densities or flows."""
    app, decider = app_and_decider
    paths = public_get_paths(app)
    assert {"/api/v1/public/advice", "/api/v1/public/zones"} <= set(paths)
    before = numbers_of(public, paths)
    put_people(runtime)
    decider.evaluate()
    after = numbers_of(public, paths)
    raw = set(PEOPLE.values()) | {p / AREA[z] for z, p in PEOPLE.items()}
    assert not raw & after
    assert after - before <= {1250}
    assert 1250 in after


def public_get_paths(app) -> list[str]:
    """The public GET paths of the OpenAPI document, each path parameter filled by every zone id
    and layer name."""
    fillers = ["zones", "coast", "stops", "beach", "square"]
    paths = []
    for path, operations in app.openapi()["paths"].items():
        if path.startswith("/api/v1/public") and "get" in operations:
            params = re.findall(r"{(\w+)}", path)
            paths += [path] if not params else [re.sub(r"{\w+}", f, path) for f in fillers]
    return paths


def numbers_of(client: TestClient, paths: list[str]) -> set[float]:
    found: set[float] = set()
    for path in paths:
        answer = client.get(path)
        assert answer.status_code in (200, 404), (path, answer.status_code, answer.text)
        if answer.status_code == 200:
            found |= set(_numbers(answer.json()))
    return found


def _numbers(value: Any) -> Iterator[float]:
    if isinstance(value, bool):
        return
    if isinstance(value, (int, float)):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _numbers(item)
    elif isinstance(value, list):
        for item in value:
            yield from _numbers(item)
