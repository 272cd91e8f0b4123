"""Site, zones, states and sensors through HTTP after ingesting observations."""

from datetime import datetime, timedelta, timezone

NOW = datetime(2026, 7, 5, 12, 0, tzinfo=timezone.utc)  # the runtime's replay clock (conftest)


def _rows(start: datetime, n: int):
    rows = []
    for i in range(n):
        t = (start + timedelta(minutes=5 * i)).isoformat()
        rows += [
            {"sensor_id": "cam-beach", "start": t, "metric": "count", "value": 10_000 + 100 * i},
            {"sensor_id": "wifi-beach", "start": t, "metric": "devices", "value": 5_000 + 50 * i},
            {"sensor_id": "line-square", "start": t, "metric": "in", "value": 30 + i % 3},
            {"sensor_id": "line-square", "start": t, "metric": "out", "value": 10 + i % 2},
        ]
    return rows


def test_zones_geojson_shows_latest_state(client, runtime):
    start = NOW - timedelta(hours=1)
    assert client.post("/api/v1/observations", json=_rows(start, 12)).status_code == 200
    runtime.refresh()
    fc = client.get("/api/v1/zones").json()
    assert fc["type"] == "FeatureCollection"
    props = {f["properties"]["id"]: f["properties"] for f in fc["features"]}
    beach = props["beach"]["state"]
    assert beach["status"] == "ok"
    assert set(beach["sources"]) == {"cam-beach", "wifi-beach"}
    assert 10_800 < beach["people"] < 11_400
    assert beach["level"] == "yellow"  # ~11,000 people on ~15,240 m² = 0.72 p/m²: at the yellow bound
    square = props["square"]["state"]
    assert square["people"] > 0 and square["sources"] == ["line-square"]
    assert square["level"] in ("green", "yellow", "orange", "red")


def test_states_range_and_errors(client, runtime):
    client.post("/api/v1/observations", json=_rows(NOW - timedelta(hours=1), 12))
    runtime.refresh()
    states = client.get("/api/v1/zones/beach/states", params={"start": (NOW - timedelta(hours=2)).isoformat()}).json()
    assert len(states) >= 11
    assert states == sorted(states, key=lambda s: s["start"])
    assert client.get("/api/v1/zones/nope/states").status_code == 404
    r = client.get("/api/v1/zones/beach/states", params={"start": "2026-07-05T10:00:00"})
    assert r.status_code == 422 and "time zone" in r.json()["detail"]
    r = client.get("/api/v1/zones/beach/states", params={"start": "yesterday"})
    assert r.status_code == 422 and "start" in r.json()["detail"]


def test_silent_zone_says_no_data_never_zero(client, runtime):
    rows = [r for r in _rows(NOW - timedelta(hours=1), 12) if r["sensor_id"] != "line-square"]
    client.post("/api/v1/observations", json=rows)
    runtime.refresh()
    props = {f["properties"]["id"]: f["properties"] for f in client.get("/api/v1/zones").json()["features"]}
    square = props["square"]["state"]
    assert square is None or (square["status"] == "no_data" and square["people"] is None)


def test_sensors_with_health(client, runtime):
    client.post("/api/v1/observations", json=_rows(NOW - timedelta(hours=1), 12))
    runtime.refresh()
    sensors = {s["id"]: s for s in client.get("/api/v1/sensors").json()}
    assert sensors["cam-beach"]["health"] == "ok"
    assert sensors["garage"]["health"] in ("no_data", "stale")


def test_site_and_openapi(client):
    site = client.get("/api/v1/site").json()
    assert site["id"] == "mini" and site["zones"] == 2 and len(site["bbox"]) == 4
    spec = client.get("/openapi.json").json()
    ops = {op["operationId"] for path in spec["paths"].values() for op in path.values()}
    assert {"get_site", "get_zones", "get_zone_states", "get_sensors", "post_observations"} <= ops
    assert client.get("/docs").status_code == 200
    assert "Crowd Safety Manager" in client.get("/").text
