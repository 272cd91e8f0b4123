"""Zone states through HTTP say whether a drone's crowd estimate fed them (``aerial``)."""

from datetime import datetime, timedelta, timezone

from crowdsafety.ingest.pipeline import ingest_rows

NOW = datetime(2026, 7, 5, 12, 0, tzinfo=timezone.utc)  # the runtime's replay clock (conftest)


def _camera_then_drone(runtime):
    """The beach camera reports for an hour and fails; 40 minutes later a drone estimates the beach."""
    start = NOW - timedelta(hours=2)
    rows = [{"sensor_id": "cam-beach", "start": (start + timedelta(minutes=5 * i)).isoformat(), "metric": "count",
             "value": 9_000 + 10 * i} for i in range(12)]
    rows.append({"sensor_id": "aerial:beach", "start": (NOW - timedelta(minutes=15)).isoformat(),
                 "metric": "count", "value": 12_000})
    report = ingest_rows(runtime.site, runtime.store, rows, now=NOW)
    assert not report.rejected
    runtime.refresh(until=NOW - timedelta(minutes=5))


def test_a_zone_estimated_from_the_air_is_marked_aerial(client, runtime):
    _camera_then_drone(runtime)
    props = {f["properties"]["id"]: f["properties"] for f in client.get("/api/v1/zones").json()["features"]}
    beach = props["beach"]["state"]
    assert beach["aerial"] is True and beach["sources"] == ["aerial:beach"]
    assert beach["people"] == 12_000 and beach["status"] == "reduced"
    states = client.get("/api/v1/zones/beach/states",
                        params={"start": (NOW - timedelta(hours=2)).isoformat()}).json()
    marked = [s["start"] for s in states if s["aerial"]]
    assert marked and all(s["aerial"] is ("aerial:beach" in s["sources"]) for s in states)
    assert not states[0]["aerial"] and states[0]["sources"] == ["cam-beach"]


def test_zones_without_a_drone_are_not_aerial(client, runtime):
    _camera_then_drone(runtime)
    at = (NOW - timedelta(hours=1, minutes=30)).isoformat()
    props = {f["properties"]["id"]: f["properties"] for f in client.get("/api/v1/zones", params={"at": at}).json()["features"]}
    assert props["beach"]["state"]["aerial"] is False
