"""Alerts, actions, the decision log and public advice over HTTP (mini site, own playbook)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from importlib import resources
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from crowdsafety.api import create_app
from crowdsafety.decide import load_playbook
from crowdsafety.domain import DataStatus, Level, ZoneState
from crowdsafety.domain.access import Role
from crowdsafety.service import ReplayClock, Runtime
from crowdsafety.service.deciding import Decider, build_decider
from crowdsafety.service.keys import create_key
from crowdsafety.sites import load_site
from crowdsafety.store import open_store

from .conftest import NOW, bearer

PLAYBOOK = """
[owners]
police = "Police"
transit = "Transit operator"
[public.groups.coast]
nl = "het strand"
en = "the beach"
[[measure]]
id = "stewards"
level = "yellow"
owner = "police"
lead_time_minutes = 0
title = "Stewards at the square"
public_nl = "Volg de stewards."
public_en = "Follow the stewards."
[[measure]]
id = "extra-trams"
level = "orange"
owner = "transit"
lead_time_minutes = 120
title = "Extra trams"
"""


@pytest.fixture
def api(runtime: Runtime, tmp_path: Path, key_for) -> Iterator[tuple[TestClient, Decider]]:
    (tmp_path / "playbook.toml").write_text(PLAYBOOK)
    decider = Decider(runtime, load_playbook(runtime.site, tmp_path / "playbook.toml"))
    app = create_app(runtime, decider=decider)
    with TestClient(app, headers=bearer(key_for(Role.OPERATOR))) as client:
        yield client, decider


def raise_square_alert(runtime: Runtime, decider: Decider) -> str:
    """15 min with 250 persons on the square (orange above 200): an observed orange alert."""
    start = NOW - timedelta(minutes=15)
    runtime.store.put_zone_states([ZoneState("square", start + timedelta(minutes=5 * n), 300, 250.0, 0.5,
                                             Level.ORANGE, None, DataStatus.OK) for n in range(3)])
    [change] = [c for c in decider.evaluate() if c.alert.subject == "square"]
    return change.alert.id


def test_open_alerts_with_measures_due_and_owners(api, runtime: Runtime):
    client, decider = api
    assert client.get("/api/v1/alerts").json() == []
    alert_id = raise_square_alert(runtime, decider)
    [alert] = client.get("/api/v1/alerts").json()
    assert alert["id"] == alert_id == "observed.square.20260705T1155Z"
    assert (alert["kind"], alert["level"], alert["status"], alert["active"]) == ("observed", "orange", "open", True)
    assert [m["id"] for m in alert["measures"]] == ["stewards", "extra-trams"]
    trams = alert["measures"][1]
    assert (trams["owner"], trams["owner_name"], trams["lead_time_min"], trams["state"]) == (
        "transit", "Transit operator", 120, "pending")
    assert alert["measures_due_now"] == ["stewards", "extra-trams"]
    assert client.get(f"/api/v1/alerts/{alert_id}").json() == alert
    assert client.get("/api/v1/alerts/nope").status_code == 404


def test_actions_are_validated_and_logged(api, runtime: Runtime):
    client, decider = api
    alert_id = raise_square_alert(runtime, decider)
    url = f"/api/v1/alerts/{alert_id}/actions"
    person = {"who": "J. de Vries", "role": "coordinator"}

    r = client.post(url, json={"action": "acknowledge", **person, "reason": "seen on the map"})
    assert r.status_code == 200 and r.json()["status"] == "acknowledged"
    r = client.post(url, json={"action": "acknowledge", **person, "reason": "again"})
    assert r.status_code == 409 and "already acknowledged" in r.json()["detail"]
    r = client.post(url, json={"action": "measure-started", **person, "reason": "ordered", "measure_id": "extra-trams"})
    assert r.status_code == 200
    assert r.json()["measures"][1]["state"] == "started" and r.json()["measures"][1]["by"] == "J. de Vries"
    assert r.json()["measures_due_now"] == ["stewards", "extra-trams"]
    r = client.post(url, json={"action": "measure-done", **person, "reason": "running", "measure_id": "extra-trams"})
    assert r.json()["measures_due_now"] == ["stewards"]
    r = client.post(url, json={"action": "measure-done", **person, "reason": "x", "measure_id": "ghost"})
    assert r.status_code == 422 and "'ghost' is not one of this alert's measures" in r.json()["detail"]
    r = client.post(url, json={"action": "assign", **person, "reason": "police lead", "assignee": "Politie"})
    assert r.json()["assignee"] == "Politie"
    r = client.post(url, json={"action": "close", **person, "reason": "crowd dispersed"})
    assert r.json()["status"] == "closed"
    assert client.get("/api/v1/alerts").json() == []
    assert len(client.get("/api/v1/alerts", params={"include_closed": True}).json()) == 1
    r = client.post(url, json={"action": "acknowledge", **person, "reason": "late"})
    assert r.status_code == 409
    assert client.post("/api/v1/alerts/nope/actions", json={"action": "close", **person, "reason": "x"}).status_code == 404

    log = client.get("/api/v1/decisions").json()
    assert log[0]["action"] == "key.created"  # the test client's key, audited
    assert [e["action"] for e in log[1:]] == ["raised", "acknowledged", "measure-started", "measure-done",
                                              "assigned", "closed"]
    assert log[2]["who"] == "J. de Vries" and log[2]["role"] == "coordinator"
    assert log[2]["details"]["key_id"] == log[0]["details"]["key_id"]
    assert log[2]["reason"] == "seen on the map" and log[2]["prev_hash"] == log[1]["hash"]
    assert [e["seq"] for e in client.get("/api/v1/decisions", params={"after_seq": 4, "limit": 1}).json()] == [5]
    assert len(client.get("/api/v1/decisions", params={"alert_id": alert_id}).json()) == 6
    assert client.get("/api/v1/decisions/verify").json() == {
        "intact": True, "entries": 7, "head": log[-1]["hash"], "first_bad": None, "problem": None}


@pytest.mark.parametrize("body, words", [
    ({"action": "acknowledge", "who": False, "role": "r", "reason": "x"}, "body.who"),
    ({"action": "acknowledge", "who": "w", "role": "r", "reason": 1}, "body.reason"),
    ({"action": "acknowledge", "who": "w", "role": "r"}, "body.reason: Field required"),
    ({"action": "acknowledge", "who": "w", "role": "r", "reason": ""}, "body.reason"),
    ({"action": "approve", "who": "w", "role": "r", "reason": "x"}, "body.action"),
    ({"action": "acknowledge", "who": "w", "role": "r", "reason": "x", "level": "red"}, "body.level"),
    ({"action": "assign", "who": "w", "role": "r", "reason": "x"}, "assignee is needed"),
    ({"action": "acknowledge", "who": "w", "role": "r", "reason": "x", "measure_id": "stewards"}, "measure_id"),
])
def test_bad_action_requests_get_clear_422s(api, runtime: Runtime, body: dict, words: str):
    client, decider = api
    alert_id = raise_square_alert(runtime, decider)
    r = client.post(f"/api/v1/alerts/{alert_id}/actions", json=body)
    assert r.status_code == 422 and words in r.json()["detail"], r.json()
    assert [e["action"] for e in client.get("/api/v1/decisions").json()] == ["key.created", "raised"]


def test_public_advice_has_colours_and_no_counts(api, runtime: Runtime):
    client, decider = api
    raise_square_alert(runtime, decider)
    advice = client.get("/api/v1/public/advice").json()
    groups = {g["group"]: g for g in advice["groups"]}
    assert groups["square"]["colour"] == "orange" and groups["coast"]["colour"] == "unknown"
    assert groups["square"]["message_en"] == "Very busy at Square: come later or go elsewhere"
    assert groups["square"]["notices_en"] == ["Follow the stewards."]
    assert set(groups["square"]) == {"group", "name_nl", "name_en", "colour", "message_nl", "message_en",
                                     "alternative", "notices_nl", "notices_en"}
    assert "250" not in str(advice)


def test_stable_operation_ids(api):
    client, _ = api
    ops = {op["operationId"] for path in client.get("/openapi.json").json()["paths"].values() for op in path.values()}
    assert {"list_alerts", "get_alert", "post_alert_action", "list_decisions", "verify_decisions",
            "get_public_advice", "get_emergency_routes"} <= ops


def test_a_bare_app_gets_a_decider_on_first_use(runtime: Runtime, key_for):
    app = create_app(runtime)
    with TestClient(app, headers=bearer(key_for(Role.OPERATOR))) as client:
        assert client.get("/api/v1/alerts").json() == []
        assert client.get("/api/v1/decisions/verify").json()["intact"] is True


def test_emergency_routes_flag_crowded_zones():
    site = load_site(resources.files("crowdsafety") / "demo_sites" / "scheveningen")  # type: ignore[arg-type]
    runtime = Runtime(site, open_store("duckdb://:memory:"), ReplayClock(NOW))
    decider = build_decider(runtime, env={})
    runtime.store.put_zone_states([ZoneState("boulevard", NOW - timedelta(minutes=5 * n), 300, 1000.0, 0.2,
                                             Level.ORANGE, None, DataStatus.OK) for n in range(1, 4)])
    decider.evaluate()
    app = create_app(runtime, decider=decider)
    key = create_key(runtime, name="test", role=Role.PARTNER, actor="tests", actor_role="admin")[1]
    with TestClient(app, headers=bearer(key)) as client:
        routes = {f["id"]: f for f in client.get("/api/v1/emergency-routes").json()["features"]}
    runtime.store.close()
    lane = routes["boulevard-lane"]
    assert lane["geometry"]["type"] == "LineString"
    assert lane["properties"]["clear"] is False
    assert lane["properties"]["crowded_now"] == [{"zone_id": "boulevard", "level": "orange"}]
    assert routes["harbour-access"]["properties"]["clear"] is True
