"""The dashboard's own routes (api/routers/live.py) over real HTTP: layers, events, headers."""

import json

import httpx

from crowdsafety.api.routers.live import content_security_policy

from .harness import bearer


def test_layers_are_whitelisted_geojson(mini_server, operator_key):
    auth = bearer(operator_key)
    layers = httpx.get(mini_server.url + "/api/v1/site/layers", headers=auth).json()
    assert layers == ["zones"]  # the mini site ships no coast, stops or routes
    zones = httpx.get(mini_server.url + "/api/v1/site/layers/zones", headers=auth)
    assert zones.headers["content-type"] == "application/geo+json"
    assert [f["properties"] for f in zones.json()["features"]] == [
        {"id": "beach", "name": "Beach", "group": "coast"}, {"id": "square", "name": "Square", "group": None}]
    missing = httpx.get(mini_server.url + "/api/v1/site/layers/coast", headers=auth)
    assert missing.status_code == 404 and "no layer 'coast'" in missing.json()["detail"]
    for name in ("site", "..%2Fsite.toml", "sensors"):
        assert httpx.get(mini_server.url + f"/api/v1/site/layers/{name}", headers=auth).status_code == 404


def test_event_stream_announces_the_latest_interval(mini_server, operator_key):
    assert httpx.get(mini_server.url + "/api/v1/events", timeout=5).status_code == 401
    with httpx.stream("GET", mini_server.url + "/api/v1/events", headers=bearer(operator_key), timeout=5) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        lines = []
        for line in response.iter_lines():
            lines.append(line)
            if line.startswith("data:"):
                break
    assert lines[0] == "retry: 3000" and "event: interval" in lines
    data = json.loads(lines[-1].removeprefix("data:"))
    assert data == {"latest_interval": "2026-07-05T11:55:00Z", "now": "2026-07-05T12:00:00Z"}


def test_pages_carry_a_strict_content_security_policy(mini_server, operator_key):
    for path in ("/", "/public", "/static/js/main.js", "/api/v1/site"):
        response = httpx.get(mini_server.url + path, headers=bearer(operator_key) if path.startswith("/api/") else None)
        assert response.status_code == 200, path
        csp = response.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert response.headers["x-content-type-options"] == "nosniff"
    docs = httpx.get(mini_server.url + "/docs")  # Swagger UI loads from a CDN: left without a CSP
    assert docs.status_code == 200 and "content-security-policy" not in docs.headers


def test_policy_admits_the_tile_server_of_a_site_only():
    assert "img-src 'self' data:;" in content_security_policy(None)
    osm = content_security_policy("https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png")
    assert "img-src 'self' data: https://*.tile.openstreetmap.org;" in osm
    pdok = content_security_policy("https://service.pdok.nl/brt/achtergrondkaart/wmts/v2_0/standaard/EPSG:3857/{z}/{x}/{y}.png")
    assert "img-src 'self' data: https://service.pdok.nl;" in pdok
    assert "javascript" not in content_security_policy("javascript:alert(1)")
