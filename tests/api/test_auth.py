"""Roles and API keys over HTTP: who may see and do what, and every key change audited."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from crowdsafety.api import create_app
from crowdsafety.api.ratelimit import RowLimiter
from crowdsafety.domain.access import Role
from crowdsafety.service.keys import PREFIX, authenticate, hash_secret

from .conftest import bearer

ROW = {"sensor_id": "cam-beach", "start": "2026-07-05T11:50:00Z", "metric": "count", "value": 40}
#: Open without a key besides /api/v1/public/*: the passenger chatbot.
OPEN = {"/api/v1/chat"}


@pytest.fixture
def app(runtime):
    return create_app(runtime)


def _protected_get_paths(app) -> list[str]:
    paths = []
    for path, ops in app.openapi()["paths"].items():
        if "get" in ops and not path.startswith("/api/v1/public") and path not in OPEN:
            paths.append(path.replace("{zone_id}", "beach").replace("{alert_id}", "x").replace("{name}", "zones"))
    return paths


def test_every_api_route_but_public_needs_a_key(app):
    with TestClient(app) as anonymous:
        paths = _protected_get_paths(app)
        assert len(paths) >= 10
        for path in paths:
            r = anonymous.get(path)
            assert r.status_code == 401, (path, r.status_code)
            assert r.headers["www-authenticate"] == "Bearer" and "API key" in r.json()["detail"]
        assert anonymous.post("/api/v1/observations", json=[ROW]).status_code == 401
        assert anonymous.get("/api/v1/public/advice").status_code == 200
        assert anonymous.get("/").status_code == 200 and anonymous.get("/public").status_code == 200
    for path, ops in app.openapi()["paths"].items():
        for op in ops.values():
            assert bool(op.get("security")) != (path.startswith("/api/v1/public") or path in OPEN), path


@pytest.mark.parametrize("text", ["", "nonsense", f"{PREFIX}_12345678_wrong", f"{PREFIX}_zz_zz", "Bearer x" * 500])
def test_wrong_keys_are_refused(app, key_for, text):
    good = key_for(Role.OPERATOR)
    forged = good[:-3] + ("aaa" if not good.endswith("aaa") else "bbb")
    with TestClient(app) as c:
        for bad in (text, forged):
            assert c.get("/api/v1/zones", headers={"X-API-Key": bad}).status_code == 401
        assert c.get("/api/v1/zones", headers={"X-API-Key": good}).status_code == 200


def test_roles(app, key_for):
    partner, sensor = key_for(Role.PARTNER, party="police"), key_for(Role.SENSOR, sensor_ids=("cam-beach",))
    with TestClient(app) as c:
        assert c.get("/api/v1/zones", headers=bearer(partner)).status_code == 200
        assert c.get("/api/v1/alerts", headers=bearer(partner)).status_code == 200
        r = c.get("/api/v1/decisions", headers=bearer(partner))
        assert r.status_code == 403 and "partner key may not" in r.json()["detail"]
        assert c.post("/api/v1/observations", json=[ROW], headers=bearer(partner)).status_code == 403
        assert c.get("/api/v1/zones", headers=bearer(sensor)).status_code == 403
        assert c.get("/api/v1/keys", headers=bearer(partner)).status_code == 403


def test_a_sensor_key_posts_only_for_its_own_sensors(app, runtime, key_for):
    sensor = key_for(Role.SENSOR, sensor_ids=("cam-beach",))
    other = {**ROW, "sensor_id": "wifi-beach", "metric": "devices"}
    with TestClient(app, headers=bearer(sensor)) as c:
        body = c.post("/api/v1/observations", json=[other, ROW, "junk"]).json()
        assert body["inserted"] == 1 and body["accepted"] == 1
        assert [(x["index"], x["field"]) for x in body["rejected"]] == [(0, "sensor_id"), (2, "sensor_id")]
        assert "may post only for sensors cam-beach" in body["rejected"][0]["reason"]
        assert c.post("/api/v1/observations", json=[other]).status_code == 422
    stored = runtime.store.observations(start=runtime.clock.now().replace(hour=0), end=runtime.clock.now())
    assert list(stored.sensor_id) == ["cam-beach"]
    batch = [e for e in runtime.store.decisions() if e.action == "observations.ingested"]
    assert len(batch) == 1 and batch[0].role == "sensor" and batch[0].who.startswith("key ")
    assert batch[0].details["inserted"] == 1


def test_admin_creates_lists_and_revokes_keys_all_audited(app, runtime, key_for):
    admin = key_for(Role.ADMIN)
    with TestClient(app, headers=bearer(admin)) as c:
        r = c.post("/api/v1/keys", json={"name": "HTM control room", "role": "partner", "party": "transit"})
        assert r.status_code == 201, r.json()
        made = r.json()
        assert made["key"].startswith(f"{PREFIX}_{made['id']}_")
        assert c.get("/api/v1/whoami", headers=bearer(made["key"])).json()["role"] == "partner"
        listed = c.get("/api/v1/keys").json()
        assert made["id"] in {k["id"] for k in listed} and all("key" not in k for k in listed)
        stored = runtime.store.api_key(made["id"])
        assert made["key"].split("_", 2)[2] not in repr(stored)  # only the hash is kept
        assert stored.secret_hash == hash_secret(made["key"].split("_", 2)[2])
        assert c.post(f"/api/v1/keys/{made['id']}/revoke").status_code == 200
        assert c.post(f"/api/v1/keys/{made['id']}/revoke").status_code == 409
        assert c.post("/api/v1/keys/00000000/revoke").status_code == 404
        assert c.get("/api/v1/zones", headers=bearer(made["key"])).status_code == 401
        for bad in ({"name": "", "role": "operator"}, {"name": "x", "role": "public"},
                    {"name": "x", "role": "sensor"}, {"name": "x", "role": "sensor", "sensor_ids": ["ghost"]},
                    {"name": "x", "role": "operator", "party": "police"}, {"name": 5, "role": "operator"},
                    {"name": "x", "role": "root"}):
            r = c.post("/api/v1/keys", json=bad)
            assert r.status_code == 422, (bad, r.json())
    log = [(e.action, e.who) for e in runtime.store.decisions()]
    admin_id = admin.split("_")[1]
    assert (("key.created", f"key {admin_id} (test admin)")) in log
    assert ("key.revoked", f"key {admin_id} (test admin)") in log
    assert authenticate(runtime, made["key"]) is None


def test_ingest_is_rate_limited_per_key(runtime, key_for):
    app = create_app(runtime, row_limiter=RowLimiter(rows_per_s=1, burst=3))
    first, second = key_for(Role.OPERATOR), key_for(Role.OPERATOR)
    with TestClient(app) as c:
        assert c.post("/api/v1/observations", json=[ROW] * 3, headers=bearer(first)).status_code == 200
        r = c.post("/api/v1/observations", json=[ROW] * 3, headers=bearer(first))
        assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1 and "over its rate" in r.json()["detail"]
        assert c.post("/api/v1/observations", json=[ROW], headers=bearer(second)).status_code == 200


def test_row_limiter_refills_at_its_rate():
    limiter = RowLimiter(rows_per_s=10, burst=20)
    assert limiter.take("k", 20, now=0.0) == 0
    assert limiter.take("k", 5, now=0.0) == pytest.approx(0.5)
    assert limiter.take("k", 5, now=0.5) == 0
    assert limiter.take("k", 21, now=100.0) == float("inf")
