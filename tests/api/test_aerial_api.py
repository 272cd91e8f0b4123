"""Aerial observation uploads over HTTP: JSON, GeoJSON and CSV bodies (201 with what was
accepted), malformed or refused uploads 422 naming where, nothing stored; reading back as GeoJSON;
control room only."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from crowdsafety.domain import Flight, FlightPurpose, FlightStatus, TimeWindow
from crowdsafety.domain.access import Role

from .conftest import NOW, bearer

AREA = {"type": "Polygon", "coordinates": [[[4.2795, 52.1095], [4.2845, 52.1095], [4.2845, 52.1112],
                                            [4.2795, 52.1112], [4.2795, 52.1095]]]}
BEACH = {"type": "Polygon", "coordinates": [[[4.2800, 52.1100], [4.2820, 52.1100], [4.2820, 52.1110],
                                             [4.2800, 52.1110], [4.2800, 52.1100]]]}
POINT = {"type": "Point", "coordinates": [4.2805, 52.1104]}
URL = "/api/v1/flights/FL-ACTIVE/observations"
#: Within the flight's window (NOW - 1 h .. NOW + 1 h), before NOW.
AT = "2026-07-05T13:50:00+02:00"


@pytest.fixture
def flight(runtime):
    runtime.store.register_flight(Flight(
        id="FL-ACTIVE", site_id="mini", operator="Politie Den Haag", permit="NLD-UAS-0042", aircraft="DJI M30T",
        purpose=FlightPurpose.CROWD_OVERVIEW, area=AREA, window=TimeWindow(NOW - timedelta(hours=1),
                                                                           NOW + timedelta(hours=1)),
        max_altitude_m=60, registered_at=NOW - timedelta(hours=2), status=FlightStatus.ACTIVE,
        started_at=NOW - timedelta(hours=1)), lambda _: [])
    return "FL-ACTIVE"


def stored(runtime) -> int:
    return len(runtime.store.aerial_observations())


def test_a_json_upload_is_accepted_and_read_back_as_geojson(client, flight, runtime):
    body = {"observations": [
        {"category": "illegal_dumping", "time": AT, "geometry": POINT, "description": "fridge, call 06-12345678"},
        {"category": "crowd_estimate", "time": AT, "geometry": BEACH, "people": 300}]}
    answer = client.post(URL, json=body)
    assert answer.status_code == 201, answer.text
    result = answer.json()
    assert (result["accepted"], result["duplicates"], result["zones"]) == (2, 0, ["beach"])
    assert len(result["incidents"]) == 1 and result["incidents"][0].startswith("CS-")
    again = client.post(URL, json=body).json()
    assert (again["accepted"], again["duplicates"], again["incidents"]) == (0, 2, [])
    listed = client.get(URL).json()
    assert listed["type"] == "FeatureCollection" and len(listed["features"]) == 2
    dumping = next(f for f in listed["features"] if f["properties"]["category"] == "illegal_dumping")
    assert dumping["geometry"] == POINT and dumping["properties"]["incident"] == result["incidents"][0]
    assert "12345678" not in dumping["properties"]["description"]
    assert dumping["properties"]["time"] == "2026-07-05T11:50:00Z"
    crowd = next(f for f in listed["features"] if f["properties"]["category"] == "crowd_estimate")
    assert crowd["properties"]["people"] == 300 and crowd["properties"]["zones"] == ["beach"]


def test_a_geojson_upload(client, flight):
    doc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": POINT, "properties": {"category": "fire_or_smoke", "time": AT}}]}
    answer = client.post(URL, content=json.dumps(doc), headers={"Content-Type": "application/geo+json"})
    assert answer.status_code == 201, answer.text
    assert answer.json()["accepted"] == 1 and len(answer.json()["incidents"]) == 1


def test_a_csv_upload(client, flight):
    text = (f"category,time,lon,lat,radius_m,people\nblocked_route,{AT},4.2805,52.1104,,\n"
            f"crowd_estimate,{AT},4.2810,52.1105,80,600\n")
    answer = client.post(URL, content=text, headers={"Content-Type": "text/csv; charset=utf-8"})
    assert answer.status_code == 201, answer.text
    assert answer.json()["accepted"] == 2 and answer.json()["zones"] == ["beach"]


@pytest.mark.parametrize(("content", "ctype", "where", "message"), [
    ('{"observations": [', "application/json", "", "not valid JSON"),
    (json.dumps({"observations": [{"category": "graffiti", "time": AT, "geometry": POINT}]}), "application/json",
     "observations[0].category", "unknown category 'graffiti'"),
    (json.dumps({"observations": [{"category": "other", "time": "2026-07-05T13:50:00", "geometry": POINT}]}),
     "application/json", "observations[0].time", "needs a time zone offset"),
    (json.dumps({"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": {"type": "LineString"},
                                                            "properties": {"category": "other", "time": AT}}]}),
     "application/geo+json", "features[0].geometry", "geometry type must be Point or Polygon"),
    ("category,lon,lat\nother,4.28,52.11\n", "text/csv", "line 1", "missing column(s) time"),
    (f"category,time,lon,lat\nother,{AT},4.28\n", "text/csv", "line 2", "3 values for 4 columns"),
    (f"category,time,lon,lat,people\nother,{AT},4.2805,52.1104,5\n", "text/csv", "line 2, people",
     "only a crowd estimate carries a people count"),
    (json.dumps({"observations": [{"category": "other", "time": "2026-07-05T09:00:00Z", "geometry": POINT}]}),
     "application/json", "observations[0].time", "is outside flight FL-ACTIVE's window"),
    (json.dumps({"observations": [{"category": "other", "time": AT,
                                   "geometry": {"type": "Point", "coordinates": [4.30, 52.11]}}]}),
     "application/json", "observations[0].geometry", "outside flight FL-ACTIVE's area"),
])
def test_a_malformed_or_refused_upload_is_422_naming_where_and_stores_nothing(client, flight, runtime, content,
                                                                              ctype, where, message):
    answer = client.post(URL, content=content, headers={"Content-Type": ctype})
    assert answer.status_code == 422, answer.text
    errors = answer.json()["errors"]
    assert len(errors) == 1 and errors[0]["where"] == where and message in errors[0]["message"], errors
    assert message in answer.json()["detail"]
    assert stored(runtime) == 0 and runtime.store.incidents() == []


def test_wrong_content_type_unknown_flight_and_roles(client, flight, runtime, key_for):
    answer = client.post(URL, content="<kml/>", headers={"Content-Type": "application/vnd.google-earth.kml+xml"})
    assert answer.status_code == 415 and "unknown format" in answer.json()["detail"]
    answer = client.post("/api/v1/flights/FL-NOPE22/observations", content="x", headers={"Content-Type": "text/csv"})
    assert answer.status_code == 404 and "no flight with id 'FL-NOPE22'" in answer.json()["detail"]
    assert client.get("/api/v1/flights/FL-NOPE22/observations").status_code == 404
    partner = bearer(key_for(Role.PARTNER))
    body = {"observations": [{"category": "other", "time": AT, "geometry": POINT}]}
    assert client.post(URL, json=body, headers=partner).status_code == 403
    assert client.get(URL, headers=partner).status_code == 403
    assert stored(runtime) == 0
