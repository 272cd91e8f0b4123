"""``crowdsafety flights upload``: a flight's observations from a .json, .geojson or .csv file;
a malformed or refused file prints every problem with where, exits 1 and stores nothing."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from typer.testing import CliRunner

from crowdsafety.cli.main import app
from crowdsafety.domain import Flight, FlightPurpose, FlightStatus, TimeWindow
from crowdsafety.store import open_store

from ..conftest import MINI_SITE

AREA = {"type": "Polygon", "coordinates": [[[4.2795, 52.1095], [4.2845, 52.1095], [4.2845, 52.1112],
                                            [4.2795, 52.1112], [4.2795, 52.1095]]]}
runner = CliRunner()
NOW = datetime.now(UTC).replace(microsecond=0)
AT = (NOW - timedelta(minutes=5)).isoformat()


@pytest.fixture
def url(tmp_path) -> str:
    url = f"duckdb:///{tmp_path / 's.duckdb'}"
    store = open_store(url)
    store.register_flight(Flight(id="FL-ACTIVE", site_id="mini", operator="Politie Den Haag", permit="NLD-UAS-0042",
                            aircraft="DJI M30T", purpose=FlightPurpose.CROWD_OVERVIEW, area=AREA,
                            window=TimeWindow(NOW - timedelta(hours=1), NOW + timedelta(hours=1)), max_altitude_m=60,
                            registered_at=NOW - timedelta(hours=2), status=FlightStatus.ACTIVE,
                            started_at=NOW - timedelta(hours=1)), lambda _: [])
    store.close()
    return url


def upload(url: str, path) -> object:
    return runner.invoke(app, ["flights", "upload", str(MINI_SITE), "FL-ACTIVE", str(path), "--store", url])


def stored(url: str) -> tuple[int, int, list[str]]:
    store = open_store(url)
    try:
        return len(store.aerial_observations()), len(store.incidents()), [e.action for e in store.decisions()]
    finally:
        store.close()


def test_a_csv_file_is_uploaded_and_logged(url, tmp_path):
    path = tmp_path / "obs.csv"
    path.write_text(f"category,time,lon,lat\nillegal_dumping,{AT},4.2805,52.1104\n")
    answer = upload(url, path)
    assert answer.exit_code == 0, answer.output
    assert "1 observations of flight FL-ACTIVE stored, 0 sent before; incidents: CS-" in answer.output
    assert stored(url) == (1, 1, ["incident.reported", "aerial.observations"])
    assert "1 sent before" in upload(url, path).output


def test_a_geojson_file(url, tmp_path):
    path = tmp_path / "obs.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": AREA, "properties": {"category": "crowd_estimate", "time": AT,
                                                             "people": 900}}]}))
    answer = upload(url, path)
    assert answer.exit_code == 0, answer.output
    assert "zones estimated: beach, square" in answer.output


@pytest.mark.parametrize(("name", "content", "expected"), [
    ("obs.json", '{"observations": [{"category": "graffiti"}]}', "observations[0].category: unknown category"),
    ("obs.csv", "category,lon,lat\nother,4.28,52.11\n", "line 1: missing column(s) time"),
    ("obs.json", json.dumps({"observations": [{"category": "other", "time": "2020-01-01T00:00:00Z",
                                               "geometry": {"type": "Point", "coordinates": [4.2805, 52.1104]}}]}),
     "observations[0].time: 2020-01-01T00:00:00Z is outside flight FL-ACTIVE's window"),
    ("obs.kml", "<kml/>", "unknown format 'obs.kml'"),
])
def test_a_bad_file_prints_every_problem_and_stores_nothing(url, tmp_path, name, content, expected):
    path = tmp_path / name
    path.write_text(content)
    answer = upload(url, path)
    assert answer.exit_code == 1 and expected in answer.output, answer.output
    assert "nothing stored" in answer.output
    assert stored(url) == (0, 0, [])


def test_a_missing_file_or_unknown_flight_is_named(url, tmp_path):
    answer = upload(url, tmp_path / "nope.json")
    assert answer.exit_code == 1 and "nope.json: cannot be read" in answer.output
    path = tmp_path / "obs.csv"
    path.write_text(f"category,time,lon,lat\nother,{AT},4.2805,52.1104\n")
    answer = runner.invoke(app, ["flights", "upload", str(MINI_SITE), "FL-NOPE22", str(path), "--store", url])
    assert answer.exit_code == 1 and "no flight with id 'FL-NOPE22'" in answer.output
