"""HTTP hardening: the key is checked before a body is read, every body has a limit, and the
routes that need no key are rate limited per client address without keeping the address."""

from __future__ import annotations

import asyncio
import json

import pytest
from fastapi.testclient import TestClient

from crowdsafety.api import create_app
from crowdsafety.api.body_limit import MAX_BODY_BYTES
from crowdsafety.api.ratelimit import PRUNE_EVERY_S, ClientLimiter
from crowdsafety.api.routers import public_incidents
from crowdsafety.domain.access import Role
from crowdsafety.domain.incident import (
    Incident,
    IncidentCategory,
    IncidentSource,
    IncidentStatus,
    IncidentUpdate,
    Urgency,
)

from .conftest import NOW, bearer

REF = "CS-HRD234"


@pytest.fixture
def app(runtime):
    runtime.store.add_incident(
        Incident(REF, runtime.site.id, IncidentSource.OPERATOR, IncidentCategory.THEFT, Urgency.LOW, NOW, NOW,
                 point=(4.2835, 52.1103), zone_ids=("square",), description="bag taken"),
        IncidentUpdate(REF, 1, NOW, IncidentStatus.NEW, "tests", "operator"))
    return create_app(runtime)


def _asgi_post(app, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict, bool]:
    """POST ``body`` straight to the ASGI app; answers the status, the JSON body and whether the
    app asked for the request body at all."""
    read = False
    sent: list[dict] = []

    async def receive() -> dict:
        nonlocal read
        read = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict) -> None:
        sent.append(message)

    raw = [(k.lower().encode(), v.encode()) for k, v in
           {**headers, "content-type": "application/json", "content-length": str(len(body))}.items()]
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
             "path": path, "raw_path": path.encode(), "root_path": "", "query_string": b"", "headers": raw,
             "client": ("192.0.2.7", 4000), "server": ("testserver", 80), "state": {}}
    asyncio.run(app(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    answer = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], json.loads(answer), read


def _protected_posts(app) -> list[str]:
    doc = app.openapi()
    paths = [p.replace("{alert_id}", "x").replace("{ref}", REF).replace("{key_id}", "k").replace("{flight_id}", "f")
             for p, ops in doc["paths"].items() if "post" in ops and ops["post"].get("security")]
    assert len(paths) >= 8, paths
    return paths


@pytest.mark.parametrize("body", [b'{"name": 5, "role": "root"}', b"{not json", b"[" * 100_000, b" " * 5_000_000])
def test_no_key_is_401_before_the_body_is_read(app, key_for, body):
    """Bodies that would give 422, 400 or 413 get 401 without being read, on every route that needs a key."""
    wrong = key_for(Role.OPERATOR)[:-2] + "zz"
    with TestClient(app):
        for path in _protected_posts(app):
            for headers in ({}, bearer(wrong), {"X-API-Key": "csm_nonsense"}):
                status, answer, read = _asgi_post(app, path, headers, body)
                assert (status, read) == (401, False), (path, headers, status, answer)
                assert "API key" in answer["detail"]


def test_a_valid_key_still_gets_its_body_checked(app, key_for):
    with TestClient(app, headers=bearer(key_for(Role.ADMIN))) as c:
        r = c.post("/api/v1/keys", content=b"{not json", headers={"content-type": "application/json"})
        assert r.status_code == 422 and "JSON decode error" in r.json()["detail"]
        r = c.post("/api/v1/keys", json={"name": 5, "role": "operator"})
        assert r.status_code == 422 and "body.name" in r.json()["detail"]
    with TestClient(app, headers=bearer(key_for(Role.PARTNER, party="police"))) as c:
        assert c.post("/api/v1/keys", json={"name": "x", "role": "operator"}).status_code == 403


def test_bodies_have_a_limit(app, key_for):
    big = b'{"description": "' + b"x" * MAX_BODY_BYTES + b'"}'
    with TestClient(app, headers=bearer(key_for(Role.OPERATOR))) as c:
        r = c.post("/api/v1/incidents", content=big, headers={"content-type": "application/json"})
        assert r.status_code == 413 and r.json() == {"detail": "request body larger than 1 MiB, the most this "
                                                              "route takes"}
        chunked = c.post("/api/v1/incidents", content=(big[i:i + 65536] for i in range(0, len(big), 65536)),
                         headers={"content-type": "application/json"})
        assert chunked.status_code == 413 and "larger than 1 MiB" in chunked.json()["detail"]
        row = {"sensor_id": "cam-beach", "start": "2026-07-05T11:50:00Z", "metric": "count", "value": 40}
        padded = json.dumps([row]).encode() + b" " * (2 * MAX_BODY_BYTES)  # over the default, under the ingest's
        r = c.post("/api/v1/observations", content=padded, headers={"content-type": "application/json"})
        assert r.status_code == 200 and r.json()["inserted"] == 1, r.text
        r = c.post("/api/v1/chat", json={"text": "x" * 17_000})
        assert r.status_code == 413 and "16 KiB" in r.json()["detail"]
    assert [i.ref for i in app.state.runtime.store.incidents()] == [REF]  # nothing of the refused bodies


def test_public_status_limits_misses_more_than_hits(app):
    app.state.status_limiter = ClientLimiter(0.001, public_incidents.STATUS_BURST)
    with TestClient(app) as public:
        misses = [public.get("/api/v1/public/incidents/CS-NOPE22").status_code for _ in range(4)]
        assert misses == [404, 404, 404, 429]
        refused = public.get(f"/api/v1/public/incidents/{REF}")  # a known code is refused alike: 429 tells nothing
        assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
        assert "too many look-ups" in refused.json()["detail"] and set(refused.json()) == {"detail"}
    with TestClient(app, client=("198.51.100.9", 5000)) as other:
        hits = [other.get(f"/api/v1/public/incidents/{REF}").status_code for _ in range(22)]
        assert hits == [200] * 21 + [429]  # each look-up must afford a miss (10 of 30 tokens), a hit costs 1
    assert len(app.state.status_limiter) == 2


def test_public_status_default_limit(app):
    with TestClient(app) as public:
        codes = [public.get(f"/api/v1/public/incidents/CS-NOPE{n:02}").status_code for n in range(5)]
    assert codes == [404, 404, 404, 429, 429]


def test_client_limiter_keeps_no_address_and_forgets_idle_clients():
    limiter = ClientLimiter(1.0, 10.0, max_clients=2)
    assert limiter.take("192.0.2.1", 10, now=0.0) == 0
    assert limiter.take("192.0.2.1", 1, now=0.0) == pytest.approx(1.0)
    limiter.refund("192.0.2.1", 4, now=0.0)
    assert limiter.take("192.0.2.1", 4, now=0.0) == 0
    assert limiter.take("192.0.2.2", 5, now=1.0) == 0
    assert all("192.0.2" not in name for name in limiter._buckets)
    assert limiter.take("192.0.2.3", 1, now=1.0) == pytest.approx(1.0)  # full: a new client waits
    assert limiter.take("192.0.2.3", 1, now=PRUNE_EVERY_S) == 0  # the others refilled and were forgotten
    assert len(limiter) == 1
    assert limiter.take("192.0.2.3", 11, now=PRUNE_EVERY_S) == float("inf")
    with pytest.raises(ValueError, match="positive"):
        ClientLimiter(0, 1)


def test_hashes_differ_between_limiters():
    first, second = ClientLimiter(1, 1), ClientLimiter(1, 1)
    first.take("192.0.2.1", 1, now=0.0)
    second.take("192.0.2.1", 1, now=0.0)
    assert set(first._buckets).isdisjoint(second._buckets)

