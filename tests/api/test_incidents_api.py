"""The incidents API: who may use it, reporting with scrubbing, history, actions into the
decision log, clear 404/409/422 answers, and the public status by reference code."""

from __future__ import annotations

from fastapi.testclient import TestClient

from crowdsafety.api import create_app
from crowdsafety.domain.access import Role

from .conftest import bearer

SQUARE = [4.2835, 52.1103]  # inside the mini site's square, about 100 m from the beach
REPORT = {"category": "harassment", "urgency": "high", "source": "police", "place": {"point": SQUARE, "line": "11"},
          "description": "man shouting at passengers, witness reachable on 06-12345678"}


def report(client: TestClient, **changes) -> dict:
    answer = client.post("/api/v1/incidents", json={**REPORT, **changes})
    assert answer.status_code == 201, answer.text
    return answer.json()


def test_an_operator_reports_and_reads_an_incident_scrubbed_with_its_zone(client):
    made = report(client)
    assert made["ref"].startswith("CS-") and made["status"] == "new"
    assert made["zone_ids"] == ["beach", "square"]  # the beach is ~100 m away
    assert "06-12345678" not in made["description"] and "[phone]" in made["description"]
    assert made["point"] == SQUARE and made["line"] == "11" and made["source"] == "police"
    assert [s["status"] for s in made["history"]] == ["new"]
    listed = client.get("/api/v1/incidents").json()
    assert [i["ref"] for i in listed] == [made["ref"]]
    assert client.get(f"/api/v1/incidents/{made['ref']}").json() == made


def test_assign_answer_resolve_append_history_and_log(client):
    ref = report(client)["ref"]
    step = {"who": "J. de Vries", "role": "control room"}
    for action, note in (("assign", "tram team 3"), ("answer", "A team is on its way, call 0612345678 back"),
                         ("resolve", "spoken to, left the tram")):
        answer = client.post(f"/api/v1/incidents/{ref}/actions", json={"action": action, "note": note, **step})
        assert answer.status_code == 200, answer.text
    detail = answer.json()
    assert detail["status"] == "resolved"
    assert [(s["seq"], s["status"], s["answer"]) for s in detail["history"]] == [
        (1, "new", False), (2, "assigned", False), (3, "assigned", True), (4, "resolved", False)]
    assert "0612345678" not in detail["history"][2]["note"] and detail["history"][1]["who"].startswith("J. de Vries")
    entries = client.get("/api/v1/decisions").json()
    actions = [e["action"] for e in entries if e["action"].startswith("incident.")]
    assert sorted(actions) == sorted(["incident.reported", "incident.assigned", "incident.answered",
                                      "incident.resolved"])
    assert all("12345678" not in e["reason"] for e in entries)
    again = client.post(f"/api/v1/incidents/{ref}/actions", json={"action": "answer", "note": "more", **step})
    assert again.status_code == 409 and "resolved" in again.json()["detail"]


def test_unknown_refs_and_bad_bodies_are_answered_clearly(client):
    step = {"action": "assign", "who": "x", "role": "y", "note": "z"}
    assert client.get("/api/v1/incidents/CS-NOPE22").status_code == 404
    assert client.post("/api/v1/incidents/CS-NOPE22/actions", json=step).status_code == 404
    no_place = client.post("/api/v1/incidents", json={**REPORT, "place": {}})
    assert no_place.status_code == 422 and "place" in no_place.json()["detail"]
    assert client.post("/api/v1/incidents", json={**REPORT, "category": "murder"}).status_code == 422
    assert client.post("/api/v1/incidents", json={**REPORT, "extra": 1}).status_code == 422
    assert client.post("/api/v1/incidents", json={**REPORT, "place": {"point": [400, 52]}}).status_code == 422
    future = client.post("/api/v1/incidents", json={**REPORT, "at": "2030-01-01T00:00:00Z"})
    assert future.status_code == 422 and "future" in future.json()["detail"]
    ref = report(client)["ref"]
    blank = client.post(f"/api/v1/incidents/{ref}/actions", json={**step, "note": "   "})
    assert blank.status_code == 422 and "note" in blank.json()["detail"]
    assert client.get("/api/v1/incidents", params={"status": "resolved"}).json() == []
    assert len(client.get("/api/v1/incidents").json()) == 1


def test_partners_and_anonymous_callers_see_no_incidents(runtime, key_for, client):
    ref = report(client)["ref"]
    with TestClient(create_app(runtime), headers=bearer(key_for(Role.PARTNER, party="htm"))) as partner:
        assert partner.get("/api/v1/incidents").status_code == 403
        assert partner.get(f"/api/v1/incidents/{ref}").status_code == 403
        assert partner.post("/api/v1/incidents", json=REPORT).status_code == 403
    with TestClient(create_app(runtime)) as anonymous:
        assert anonymous.get("/api/v1/incidents").status_code == 401
    with TestClient(create_app(runtime), headers=bearer(key_for(Role.ADMIN))) as admin:
        assert [i["ref"] for i in admin.get("/api/v1/incidents").json()] == [ref]


def test_the_public_sees_status_and_latest_answer_by_code_only(runtime, client):
    ref = report(client)["ref"]
    with TestClient(create_app(runtime)) as public:
        first = public.get(f"/api/v1/public/incidents/{ref}")
        assert first.status_code == 200 and first.json() == {"ref": ref, "status": "new", "answer": None,
                                                             "answered_at": None}
        for action, note in (("assign", "tram team 3 (internal)"), ("answer", "We have sent a team.")):
            client.post(f"/api/v1/incidents/{ref}/actions",
                        json={"action": action, "note": note, "who": "desk", "role": "operator"})
        seen = public.get(f"/api/v1/public/incidents/{ref.lower()}").json()
        assert seen["status"] == "assigned" and seen["answer"] == "We have sent a team."
        assert set(seen) == {"ref", "status", "answer", "answered_at"}
        assert public.get("/api/v1/public/incidents/CS-NOPE22").status_code == 404
