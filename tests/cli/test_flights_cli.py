"""``crowdsafety flights``: register, list, start, end on a store, each logged; a refused flight
prints every rule broken one per line and exits 1; bad files and times are named clearly."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from typer.testing import CliRunner

from crowdsafety.cli.main import app
from crowdsafety.domain.flight import FlightStatus
from crowdsafety.service import flights as svc
from crowdsafety.service.flight_rules import Refusal
from crowdsafety.store import open_store

from ..conftest import MINI_SITE

AREA = {"type": "Polygon", "coordinates": [[[4.2795, 52.1095], [4.2845, 52.1095], [4.2845, 52.1112],
                                            [4.2795, 52.1112], [4.2795, 52.1095]]]}
runner = CliRunner()


@pytest.fixture
def refusals(monkeypatch) -> list[Refusal]:
    """The rule check answers these refusals (none: every flight passes)."""
    answer: list[Refusal] = []
    monkeypatch.setattr(svc, "check_flight", lambda site, flight, others, now: list(answer))
    return answer


@pytest.fixture
def url(tmp_path) -> str:
    return f"duckdb:///{tmp_path / 's.duckdb'}"


@pytest.fixture
def area_file(tmp_path):
    path = tmp_path / "area.geojson"
    path.write_text(json.dumps({"type": "Feature", "properties": {}, "geometry": AREA}))
    return path


def register_args(url: str, area, minutes: int = 10, **changes: str) -> list[str]:
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=minutes)
    options = {"--area": str(area), "--start": start.isoformat(), "--end": (start + timedelta(hours=1)).isoformat(),
               "--operator": "Politie Den Haag", "--permit": "NLD-UAS-0042", "--aircraft": "DJI Matrice 30T",
               "--purpose": "crowd_overview", "--altitude": "60", "--store": url, **changes}
    return ["flights", "register", str(MINI_SITE), *(part for pair in options.items() for part in pair)]


def stored(url: str):
    store = open_store(url)
    try:
        return store.flights(), [e.action for e in store.decisions()], [e.who for e in store.decisions()]
    finally:
        store.close()


def test_register_list_start_end(url, area_file, refusals):
    made = runner.invoke(app, register_args(url, area_file))
    assert made.exit_code == 0, made.output
    flight_id = made.output.split()[1]
    assert flight_id.startswith("FL-") and "registered: registered, crowd_overview by Politie Den Haag" in made.output
    listed = runner.invoke(app, ["flights", "list", str(MINI_SITE), "--store", url])
    assert listed.exit_code == 0 and listed.output.splitlines()[1].startswith(f"{flight_id}  registered, ")
    assert "(NLD-UAS-0042), DJI Matrice 30T" in listed.output
    assert runner.invoke(app, ["flights", "start", str(MINI_SITE), flight_id, "--store", url]).exit_code == 0
    active = runner.invoke(app, ["flights", "list", str(MINI_SITE), "--store", url, "--status", "active"])
    assert active.output.splitlines()[0] == "1 flight(s) of Mini test site active"
    assert active.output.splitlines()[1].startswith(f"{flight_id}  active, crowd_overview by Politie Den Haag")
    ended = runner.invoke(app, ["flights", "list", str(MINI_SITE), "--store", url, "--status", "ended"])
    assert ended.output.splitlines() == ["0 flight(s) of Mini test site ended"]
    ended = runner.invoke(app, ["flights", "end", str(MINI_SITE), flight_id, "--store", url])
    assert ended.exit_code == 0 and f"flight {flight_id} ended: ended" in ended.output
    again = runner.invoke(app, ["flights", "end", str(MINI_SITE), flight_id, "--store", url])
    assert again.exit_code == 1 and f"flight {flight_id} has already ended" in again.output
    flights, actions, who = stored(url)
    assert [(f.id, f.status) for f in flights] == [(flight_id, FlightStatus.ENDED)]
    assert actions == ["flight.registered", "flight.started", "flight.ended"]
    assert all(w.startswith("cli:") for w in who)
    assert flights[0].area == AREA and flights[0].window.end - flights[0].window.start == timedelta(hours=1)


def test_a_refused_flight_prints_each_rule_on_its_own_line_and_stores_nothing(url, area_file, refusals):
    refusals += [Refusal("no_fly", "pier", "no-fly zone 'pier' (De Pier) overlaps the flight's area by 12,400 m²"),
                 Refusal("altitude", "max_altitude_m", "150 m is above the site's ceiling of 120 m")]
    refused = runner.invoke(app, register_args(url, area_file, **{"--altitude": "150"}))
    assert refused.exit_code == 1
    lines = refused.output.splitlines()
    assert "refused flight of 'Politie Den Haag': it breaks 2 rule(s)" in lines[0]
    assert lines[1:] == ["  no_fly (pier): no-fly zone 'pier' (De Pier) overlaps the flight's area by 12,400 m²",
                         "  altitude (max_altitude_m): 150 m is above the site's ceiling of 120 m"]
    flights, actions, _ = stored(url)
    assert flights == [] and actions == ["flight.refused"]


@pytest.mark.parametrize(("content", "message"), [
    (None, "cannot be read"),
    ("{not json", "not JSON (line 1, column 2"),
    (json.dumps({"type": "Point", "coordinates": [4.28, 52.11]}), "expected a GeoJSON Polygon, got 'Point'"),
    (json.dumps([1, 2]), "expected a GeoJSON Polygon, got 'list'"),
    (json.dumps({"type": "FeatureCollection", "features": []}), "exactly one feature"),
    (json.dumps({"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": None}]}),
     "feature 0 geometry: expected a GeoJSON Polygon, got 'NoneType'"),
])
def test_a_bad_area_file_is_named_and_nothing_is_stored(url, tmp_path, refusals, content, message):
    path = tmp_path / "bad.geojson"
    if content is not None:
        path.write_text(content)
    answer = runner.invoke(app, register_args(url, path))
    assert answer.exit_code == 1 and f"--area {path}" in answer.output and message in answer.output, answer.output


@pytest.mark.parametrize(("changes", "message"), [
    ({"--start": "2026-07-12T14:00"}, "--start: '2026-07-12T14:00' needs a time zone"),
    ({"--end": "tomorrow"}, "--end: 'tomorrow' is not an ISO 8601 time"),
    ({"--permit": "me@example.org"}, "permit: expected 2 to 40"),
    ({"--altitude": "0"}, "max_altitude_m: expected a number of metres above 0"),
])
def test_bad_options_are_named(url, area_file, refusals, changes, message):
    answer = runner.invoke(app, register_args(url, area_file, **changes))
    assert answer.exit_code == 1 and message in answer.output, answer.output


def test_a_window_over_midnight_is_listed_with_both_dates(url, area_file, refusals):
    start = datetime.now(UTC).replace(hour=20, minute=0, second=0, microsecond=0) + timedelta(days=1)
    made = runner.invoke(app, register_args(url, area_file, **{"--start": start.isoformat(),
                                                                "--end": (start + timedelta(hours=6)).isoformat()}))
    assert made.exit_code == 0, made.output
    end = start + timedelta(hours=6)
    assert f"{start:%Y-%m-%d} 20:00–{end:%Y-%m-%d} 02:00 UTC, up to 60 m" in made.output


def test_a_flight_out_of_its_time_or_unknown_does_not_start(url, area_file, refusals):
    made = runner.invoke(app, register_args(url, area_file, minutes=60))
    flight_id = made.output.split()[1]
    early = runner.invoke(app, ["flights", "start", str(MINI_SITE), flight_id, "--store", url])
    assert early.exit_code == 1 and f"flight {flight_id} may start from" in early.output
    unknown = runner.invoke(app, ["flights", "start", str(MINI_SITE), "FL-NOPE22", "--store", url])
    assert unknown.exit_code == 1 and "no flight with id 'FL-NOPE22'" in unknown.output
    assert stored(url)[0][0].status is FlightStatus.REGISTERED


def test_with_the_site_rules_a_flight_above_the_ceiling_is_refused(url, area_file):
    refused = runner.invoke(app, register_args(url, area_file, **{"--altitude": "300"}))
    assert refused.exit_code == 1
    assert refused.output.splitlines()[1:] == [
        "  altitude (max_altitude_m): the flight plans 300 m; the site's ceiling is 120 m above ground"]
    assert stored(url)[0] == []
