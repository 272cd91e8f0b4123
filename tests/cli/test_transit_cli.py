"""`crowdsafety gtfs-stops` and `crowdsafety transit-counts`: a map layer from a feed, counts
into a file store, bad lines named with exit code 1, unreadable input exit code 2 and nothing stored."""

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from crowdsafety.cli import transit
from crowdsafety.store import open_store

SCHEVENINGEN = Path(__file__).parents[2] / "src" / "crowdsafety" / "demo_sites" / "scheveningen"
FEED = SCHEVENINGEN / "gtfs"
runner = CliRunner()


def _app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        """Test app with the transit commands only."""

    transit.register(app)
    return app


app = _app()


def _stored(store_url: str) -> dict[tuple[str, str, str], float]:
    store = open_store(store_url)
    try:
        frame = store.observations(start=datetime(2020, 1, 1, tzinfo=timezone.utc),
                                   end=datetime(2030, 1, 1, tzinfo=timezone.utc))
    finally:
        store.close()
    return {(r.sensor_id, r.start.isoformat(), r.metric): r.value for r in frame.itertuples()}


@pytest.fixture()
def store_url(tmp_path: Path) -> str:
    return f"duckdb:///{tmp_path / 'store.duckdb'}"


def test_gtfs_stops_writes_a_map_layer(tmp_path: Path):
    out = tmp_path / "stops.geojson"
    result = runner.invoke(app, ["gtfs-stops", str(FEED), "--geojson", str(out), "--list"])
    assert result.exit_code == 0, result.output
    assert "58 stops (39 stops, 19 stations); routes per stop from trips and stop_times; 0 lines left out" in result.output
    assert "HTM:S:kurhaus" in result.output
    layer = json.loads(out.read_text(encoding="utf-8"))
    assert len(layer["features"]) == 58
    kurhaus = next(f for f in layer["features"] if f["properties"]["stop_id"] == "HTM:202")
    assert kurhaus["properties"]["routes"] == ["1", "9"] and kurhaus["geometry"]["coordinates"] == [4.28362, 52.113077]


def test_gtfs_stops_names_bad_lines_and_unreadable_feeds(tmp_path: Path):
    feed = tmp_path / "feed"
    feed.mkdir()
    (feed / "stops.txt").write_text("stop_id,stop_name,stop_lat,stop_lon\nA,Alpha,52.1,4.3\nB,Bravo,52.1,east\n")
    result = runner.invoke(app, ["gtfs-stops", str(feed)])
    assert result.exit_code == 1
    assert "stops.txt:3: stop_lon: must be a number of degrees, got 'east'" in result.output
    assert "1 stops (1 stop); routes per stop not known" in result.output

    result = runner.invoke(app, ["gtfs-stops", str(tmp_path / "missing.zip")])
    assert result.exit_code == 2 and "no such folder or file" in result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1


def _counts(tmp_path: Path, lines: list[str], name: str = "counts.csv") -> Path:
    path = tmp_path / name
    path.write_text("stop_id,start,interval_s,boardings,alightings\n" + "\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_transit_counts_are_stored_summed_per_sensor(tmp_path: Path, store_url: str):
    path = _counts(tmp_path, [
        "202,2025-08-15T21:00:00+02:00,300,12,40",
        "204,2025-08-15T21:00:00+02:00,300,3,7",
        "701,2025-08-15T21:00:00+02:00,300,4,6",
    ])
    result = runner.invoke(app, ["transit-counts", str(SCHEVENINGEN), str(path), "--store", store_url])
    assert result.exit_code == 0, result.output
    assert "4 sensor rows: 4 stored, 0 duplicates ignored, 0 corrections, 0 rejected; 0 problems" in result.output
    assert _stored(store_url) == {
        ("tram-kurhaus", "2025-08-15T19:00:00+00:00", "boardings"): 15,
        ("tram-kurhaus", "2025-08-15T19:00:00+00:00", "alightings"): 47,
        ("tram-strandweg", "2025-08-15T19:00:00+00:00", "boardings"): 4,
        ("tram-strandweg", "2025-08-15T19:00:00+00:00", "alightings"): 6,
    }
    again = runner.invoke(app, ["transit-counts", str(SCHEVENINGEN), str(path), "--store", store_url])
    assert again.exit_code == 0 and "0 stored, 4 duplicates ignored" in again.output


def test_transit_counts_with_gtfs_stop_ids(tmp_path: Path, store_url: str):
    path = _counts(tmp_path, ["HTM:S:zwarte-pad,2025-08-15 23:00,300,90,3"])
    result = runner.invoke(app, ["transit-counts", str(SCHEVENINGEN), str(path), "--feed", str(FEED), "--store", store_url])
    assert result.exit_code == 0, result.output
    assert _stored(store_url) == {("tram-zwarte-pad", "2025-08-15T21:00:00+00:00", "boardings"): 90,
                                  ("tram-zwarte-pad", "2025-08-15T21:00:00+00:00", "alightings"): 3}


def test_bad_lines_are_named_and_the_rest_stored(tmp_path: Path, store_url: str):
    future = (datetime.now(timezone.utc) + timedelta(days=2)).isoformat()
    path = _counts(tmp_path, [
        "202,2025-08-15T21:00:00+02:00,300,12,40",
        "204,2025-08-15T21:00:00+02:00,300,three,7",   # spoils the Kurhaus sum of 21:00
        "714,2025-08-15T21:00:00+02:00,300,5,5",
        "999,2025-08-15T21:00:00+02:00,300,5,5",
        f"702,{future},300,1,1",                       # the validator refuses the future
    ])
    result = runner.invoke(app, ["transit-counts", str(SCHEVENINGEN), str(path), "--store", store_url])
    assert result.exit_code == 1
    out = result.output
    assert f"{path}:2: sensor 'tram-kurhaus' at 2025-08-15T19:00:00+00:00 left out: line 3 of its platforms is invalid" in out
    assert f"{path}:3: boardings: must be a whole number of persons >= 0, got 'three'" in out
    assert f"{path}:5: stop_id: stop '999' belongs to no transit sensor" in out
    assert f"{path}:6: start: " in out and "is in the future" in out and "(tram-badhuiskade boardings at" in out
    assert "2 stored" in out
    assert set(_stored(store_url)) == {("tram-keizerstraat", "2025-08-15T19:00:00+00:00", "boardings"),
                                       ("tram-keizerstraat", "2025-08-15T19:00:00+00:00", "alightings")}


@pytest.mark.parametrize("content, words", [
    (b"stop;when;boardings\n202;2025-08-15T21:00:00Z;3\n", "header lacks column(s) start"),
    (b"stop_id,start,boardings\n202,2025-08-15T21:00:00Z,3\n204,2025-08-15T21:00:00Z,\xff\n", ":3: not UTF-8 text"),
])
def test_unreadable_counts_store_nothing(tmp_path: Path, store_url: str, content: bytes, words: str):
    path = tmp_path / "counts.csv"
    path.write_bytes(content)
    result = runner.invoke(app, ["transit-counts", str(SCHEVENINGEN), str(path), "--store", store_url])
    assert result.exit_code == 2
    assert words in result.output and "Traceback" not in result.output
    assert _stored(store_url) == {}


def test_a_site_without_mapped_transit_sensors(tmp_path: Path, store_url: str):
    mini = Path(__file__).parents[1] / "sites" / "fixtures" / "mini"
    path = _counts(tmp_path, ["202,2025-08-15T21:00:00+02:00,300,12,40"])
    result = runner.invoke(app, ["transit-counts", str(mini), str(path), "--store", store_url])
    assert result.exit_code == 2 and "site 'mini' has no transit sensor with stop_codes" in result.output
