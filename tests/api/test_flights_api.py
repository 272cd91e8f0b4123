"""The flight register API: register (201 Feature, or 422 with every refusal), read, list as
GeoJSON with filters, start / end with clear 404 / 409 answers, each action logged; control
room only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from crowdsafety.api import create_app
from crowdsafety.domain.access import Role
from crowdsafety.service import flights as svc
from crowdsafety.service.flight_rules import Refusal

from .conftest import NOW, bearer

AREA = {"type": "Polygon", "coordinates": [[[4.2795, 52.1095], [4.2845, 52.1095], [4.2845, 52.1112],
                                            [4.2795, 52.1112], [4.2795, 52.1095]]]}
FLIGHT = {"operator": "Politie Den Haag", "permit": "NLD-UAS-0042", "aircraft": "DJI Matrice 30T PH-4DR",
          "purpose": "crowd_overview", "area": AREA, "start": "2026-07-05T15:00:00+02:00",
          "end": "2026-07-05T17:00:00+02:00", "max_altitude_m": 60}


@pytest.fixture
def refusals(monkeypatch) -> list[Refusal]:
    """The rule check answers these refusals (none: every flight passes)."""
    answer: list[Refusal] = []
    monkeypatch.setattr(svc, "check_flight", lambda site, flight, others, now: list(answer))
    return answer


def register(client: TestClient, **changes) -> dict:
    answer = client.post("/api/v1/flights", json={**FLIGHT, **changes})
    assert answer.status_code == 201, answer.text
    return answer.json()


def test_a_registered_flight_is_a_feature_listed_read_and_logged(client, refusals):
    made = register(client)
    assert made["type"] == "Feature" and made["id"].startswith("FL-") and made["geometry"] == AREA
    props = made["properties"]
    assert props["id"] == made["id"] and props["status"] == "registered" and props["site_id"] == "mini"
    assert props["start"] == "2026-07-05T13:00:00Z" and props["end"] == "2026-07-05T15:00:00Z"
    assert props["max_altitude_m"] == 60.0 and props["started_at"] is None and props["permit"] == "NLD-UAS-0042"
    listed = client.get("/api/v1/flights").json()
    assert listed == {"type": "FeatureCollection", "features": [made]}
    assert client.get(f"/api/v1/flights/{made['id']}").json() == made
    entry = next(e for e in client.get("/api/v1/decisions").json() if e["action"] == "flight.registered")
    assert entry["who"].startswith("key ") and entry["role"] == "operator"
    assert entry["details"]["flight_id"] == made["id"]


def test_a_refused_flight_is_422_with_every_refusal_and_nothing_stored(client, refusals):
    refusals += [Refusal("no_fly", "pier", "no-fly zone 'pier' (De Pier) overlaps the flight's area by 12,400 m²"),
                 Refusal("overlap", "FL-AAAAAA", "flight FL-AAAAAA flies the same area 13:00Z–14:00Z")]
    answer = client.post("/api/v1/flights", json=FLIGHT)
    assert answer.status_code == 422
    body = answer.json()
    assert body["refusals"] == [
        {"rule": "no_fly", "where": "pier", "message": "no-fly zone 'pier' (De Pier) overlaps the flight's area "
                                                       "by 12,400 m²"},
        {"rule": "overlap", "where": "FL-AAAAAA", "message": "flight FL-AAAAAA flies the same area 13:00Z–14:00Z"}]
    assert "no_fly (pier)" in body["detail"]
    assert client.get("/api/v1/flights").json()["features"] == []
    assert [e["action"] for e in client.get("/api/v1/decisions").json()].count("flight.refused") == 1


@pytest.mark.parametrize(("changes", "where"), [
    ({"start": "2026-07-05T15:00:00"}, "body.start"),
    ({"end": 1783260000}, "body.end"),
    ({"area": {"type": "Point", "coordinates": [4.28, 52.11]}}, "body.area"),
    ({"area": {"type": "Polygon", "coordinates": [[[4.28, 52.11], [4.29, 52.11], [4.28, 52.11]]]}}, "body.area"),
    ({"max_altitude_m": 0}, "body.max_altitude_m"),
    ({"max_altitude_m": "60"}, "body.max_altitude_m"),
    ({"permit": "call me@example.org"}, "body.permit"),
    ({"purpose": "sightseeing"}, "body.purpose"),
    ({"pilot": "Jan Jansen"}, "body.pilot"),
    ({"operator": "   "}, "operator: must not be empty"),
])
def test_malformed_flights_are_422_saying_where(client, refusals, changes, where):
    answer = client.post("/api/v1/flights", json={**FLIGHT, **changes})
    assert answer.status_code == 422 and where in answer.json()["detail"], answer.text
    assert "refusals" not in answer.json()
    assert client.get("/api/v1/flights").json()["features"] == []


def test_a_window_ending_before_it_starts_is_a_window_refusal(client, refusals):
    answer = client.post("/api/v1/flights", json={**FLIGHT, "end": FLIGHT["start"]})
    assert answer.status_code == 422 and [r["rule"] for r in answer.json()["refusals"]] == ["window"]


def test_start_and_end_follow_the_flight_and_the_clock(runtime, client, refusals):
    flight_id = register(client)["id"]
    early = client.post(f"/api/v1/flights/{flight_id}/start")
    assert early.status_code == 409 and "may start from 2026-07-05T12:45Z" in early.json()["detail"]
    runtime.clock.advance(50 * 60)
    started = client.post(f"/api/v1/flights/{flight_id}/start")
    assert started.status_code == 200, started.text
    assert started.json()["properties"]["status"] == "active"
    assert started.json()["properties"]["started_at"] == (NOW + timedelta(minutes=50)).isoformat().replace(
        "+00:00", "Z")
    again = client.post(f"/api/v1/flights/{flight_id}/start")
    assert again.status_code == 409 and "is active" in again.json()["detail"]
    ended = client.post(f"/api/v1/flights/{flight_id}/end")
    assert ended.status_code == 200 and ended.json()["properties"]["status"] == "ended"
    assert client.post(f"/api/v1/flights/{flight_id}/end").status_code == 409
    actions = [e["action"] for e in client.get("/api/v1/decisions").json() if e["action"].startswith("flight.")]
    assert sorted(actions) == ["flight.ended", "flight.registered", "flight.started"]


def test_unknown_flights_are_404(client):
    for answer in (client.get("/api/v1/flights/FL-NOPE22"), client.post("/api/v1/flights/FL-NOPE22/start"),
                   client.post("/api/v1/flights/FL-NOPE22/end")):
        assert answer.status_code == 404 and "no flight with id 'FL-NOPE22'" in answer.json()["detail"]


def test_flights_are_listed_by_window_and_status(client, refusals):
    first = register(client)["id"]
    later = register(client, start="2026-07-05T20:00:00Z", end="2026-07-05T21:00:00Z")["id"]
    client.post(f"/api/v1/flights/{later}/end")

    def ids(**params) -> list[str]:
        answer = client.get("/api/v1/flights", params=params)
        assert answer.status_code == 200, answer.text
        return [f["id"] for f in answer.json()["features"]]

    assert ids() == [later, first]
    assert ids(status="ended") == [later] and ids(status="registered") == [first]
    assert ids(start="2026-07-05T15:00:00Z") == [later]
    assert ids(end="2026-07-05T13:00:01Z") == [first]
    assert ids(limit=1) == [later]
    naive = client.get("/api/v1/flights", params={"start": "2026-07-05T15:00:00"})
    assert naive.status_code == 422 and "start" in naive.json()["detail"]
    assert client.get("/api/v1/flights", params={"status": "flying"}).status_code == 422


def test_partners_and_anonymous_callers_have_no_flights(runtime, key_for, client, refusals):
    flight_id = register(client)["id"]
    with TestClient(create_app(runtime), headers=bearer(key_for(Role.PARTNER, party="htm"))) as partner:
        assert partner.get("/api/v1/flights").status_code == 403
        assert partner.get(f"/api/v1/flights/{flight_id}").status_code == 403
        assert partner.post("/api/v1/flights", json=FLIGHT).status_code == 403
        assert partner.post(f"/api/v1/flights/{flight_id}/end").status_code == 403
    with TestClient(create_app(runtime)) as anonymous:
        assert anonymous.get("/api/v1/flights").status_code == 401
        assert anonymous.post(f"/api/v1/flights/{flight_id}/start").status_code == 401
    assert runtime.store.flight(flight_id).status.value == "registered"


def test_with_the_site_rules_a_far_away_overlapping_flight_is_refused_saying_where(client):
    first = register(client)["id"]
    far = {"type": "Polygon", "coordinates": [[[4.40, 52.20], [4.41, 52.20], [4.41, 52.21], [4.40, 52.20]]]}
    answer = client.post("/api/v1/flights", json={**FLIGHT, "area": far})
    assert answer.status_code == 422 and [r["rule"] for r in answer.json()["refusals"]] == ["area"]
    again = client.post("/api/v1/flights", json=FLIGHT)
    assert again.status_code == 422
    assert [(r["rule"], r["where"]) for r in again.json()["refusals"]] == [("overlap", first)]
    assert [f["id"] for f in client.get("/api/v1/flights").json()["features"]] == [first]
