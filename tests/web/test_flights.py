"""Drones on the dashboard: an operator registers and starts a flight and uploads what it saw
through the API, then sees the flight's area, its observations (a symbol and a word each) and
the zone it covers from the air; a partner sees no flights, only the covered zone."""

from __future__ import annotations

from datetime import timedelta

import httpx
from playwright.sync_api import Page, expect

from crowdsafety.domain.access import Role

from .harness import NOW, bearer, new_key, open_dashboard

#: Around both zones of the mini site (the beach 4.280-4.282 E, the square 4.283-4.284 E).
AREA = {"type": "Polygon", "coordinates": [[[4.2795, 52.1095], [4.2845, 52.1095], [4.2845, 52.1112],
                                            [4.2795, 52.1112], [4.2795, 52.1095]]]}
BEACH = {"type": "Polygon", "coordinates": [[[4.2800, 52.1100], [4.2820, 52.1100], [4.2820, 52.1110],
                                             [4.2800, 52.1110], [4.2800, 52.1100]]]}
DUMP = {"type": "Point", "coordinates": [4.2825, 52.1108]}  # between the zones


def fly(url: str, key: str) -> str:
    """Register and start a crowd-overview flight over the mini site now; its id."""
    with httpx.Client(base_url=url, headers=bearer(key)) as http:
        flight = http.post("/api/v1/flights", json={
            "operator": "Politie Den Haag", "permit": "NLD-UAS-0042", "aircraft": "DJI Matrice 30T",
            "purpose": "crowd_overview", "area": AREA, "max_altitude_m": 60,
            "start": (NOW - timedelta(minutes=30)).isoformat(), "end": (NOW + timedelta(hours=1)).isoformat()})
        assert flight.status_code == 201, flight.text
        flight_id = flight.json()["id"]
        assert http.post(f"/api/v1/flights/{flight_id}/start").status_code == 200
        return flight_id


def upload(url: str, key: str, flight_id: str) -> None:
    """A crowd estimate of the whole beach (18,000 persons) and illegal dumping beside it."""
    at = (NOW - timedelta(minutes=10)).isoformat()
    with httpx.Client(base_url=url, headers=bearer(key)) as http:
        answer = http.post(f"/api/v1/flights/{flight_id}/observations", json={"observations": [
            {"category": "crowd_estimate", "time": at, "geometry": BEACH, "people": 18_000},
            {"category": "illegal_dumping", "time": at, "geometry": DUMP, "description": "bags by the dunes"}]})
        assert answer.status_code == 201, answer.text
        assert answer.json()["zones"] == ["beach"]


def test_an_operator_sees_the_flight_its_observations_and_the_zone_covered_from_the_air(
        mini_server, mini_runtime, operator_key, page: Page):
    flight_id = fly(mini_server.url, operator_key)
    upload(mini_server.url, operator_key, flight_id)
    mini_runtime.refresh()
    assert mini_runtime.latest_states()["beach"].sources[-1] == "aerial:beach"
    open_dashboard(page, mini_server.url + "/?lang=en", operator_key)
    expect(page.locator(f'path[data-flight="{flight_id}"]')).to_be_attached()
    expect(page.locator(f'.flight-label[data-flight="{flight_id}"]')).to_have_text(f"✈ {flight_id}")
    crowd = page.locator('.observation-marker[data-category="crowd_estimate"]')
    expect(crowd).to_have_count(1)
    expect(crowd).to_contain_text("Crowd estimate 18,000 persons")  # a word and the count, not colour alone
    expect(page.locator('.observation-marker[data-category="illegal_dumping"]')).to_contain_text("Illegal dumping")
    expect(page.locator('path[data-covered="beach"]')).to_be_attached()
    assert page.locator("path[data-covered]").count() == 1  # the square is not covered from the air
    expect(page.locator('#zone-list tr[data-zone="beach"] .aerial-badge')).to_have_text("✈ drone")
    expect(page.locator('#zone-list tr[data-zone="square"] .aerial-badge')).to_have_count(0)
    assert page.console.problems == []

    with httpx.Client(base_url=mini_server.url, headers=bearer(operator_key)) as http:
        assert http.post(f"/api/v1/flights/{flight_id}/end").status_code == 200
    page.reload()
    page.wait_for_selector("body[data-ready=true]")
    expect(page.locator("path[data-flight]")).to_have_count(0)  # only active flights are drawn
    expect(page.locator(".observation-marker")).to_have_count(0)
    assert page.console.problems == []


def test_a_partner_sees_the_covered_zone_but_no_flights(mini_server, mini_runtime, operator_key, page: Page):
    flight_id = fly(mini_server.url, operator_key)
    upload(mini_server.url, operator_key, flight_id)
    mini_runtime.refresh()
    partner = new_key(mini_runtime, Role.PARTNER, party="transit")
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url))
    open_dashboard(page, mini_server.url + "/?lang=en", partner)
    expect(page.locator('#zone-list tr[data-zone="beach"] .aerial-badge')).to_be_visible()
    expect(page.locator('path[data-covered="beach"]')).to_be_attached()
    assert page.locator("path[data-flight], .observation-marker").count() == 0
    assert not [u for u in asked if "/api/v1/flights" in u]
    assert page.console.problems == []
