"""GTFS stops: Google's sample feeds (plain and with BOMs), the Scheveningen demo feed, a zip,
and malformed feeds that give a clear problem or error naming file, line and column."""

import csv
import json
import math
import shutil
import zipfile
from pathlib import Path

import pytest

from crowdsafety.sites import load_site
from crowdsafety.sources.gtfs_stops import read_gtfs_stops, stops_geojson
from crowdsafety.sources.line_problems import FeedError

FIXTURES = Path(__file__).parent / "fixtures" / "gtfs"
GOOD = FIXTURES / "google-sample-good_feed"
BOM = FIXTURES / "google-sample-utf8bom"
SCHEVENINGEN = Path(__file__).parents[2] / "src" / "crowdsafety" / "demo_sites" / "scheveningen"


def _feed(tmp_path: Path, **files: str) -> Path:
    """A feed folder with the given files (name without .txt -> content)."""
    folder = tmp_path / "feed"
    folder.mkdir(exist_ok=True)
    for name, text in files.items():
        (folder / f"{name}.txt").write_text(text, encoding="utf-8")
    return folder


def test_google_sample_feed_stops_station_and_routes():
    feed = read_gtfs_stops(GOOD)
    assert feed.problems == () and feed.has_routes
    by_id = {s.stop_id: s for s in feed.stops}
    assert len(by_id) == 10
    station, platform = by_id["BEATTY_AIRPORT_STATION"], by_id["BEATTY_AIRPORT"]
    assert station.location_type == 1 and platform.location_type == 0
    assert platform.parent_station == "BEATTY_AIRPORT_STATION" and platform.code == "1235"
    assert (platform.lat, platform.lon) == (36.868446, -116.784582)
    # trips AB1/AB2 (AB), STBA and AAMV1-4 call at the airport; the station inherits them
    assert platform.routes == ("Airport ⇒ Amargosa Valley", "Airport ⇒ Bullfrog", "Stagecoach ⇒ Airport Shuttle")
    assert station.routes == platform.routes
    assert by_id["NADAV"].routes == ("Ō",)  # route_short_name wins over the long name
    assert by_id["STAGECOACH"].name == "Stagecoach Hotel & Casino (Demo)"


def test_bom_feed_reads_like_the_plain_one():
    plain = {s.stop_id: (s.name, s.lat, s.lon) for s in read_gtfs_stops(GOOD).stops}
    bom = read_gtfs_stops(BOM)
    assert bom.problems == () and bom.has_routes
    assert {s.stop_id: (s.name, s.lat, s.lon) for s in bom.stops} == {
        k: v for k, v in plain.items() if k != "BEATTY_AIRPORT_STATION"}
    assert {s.stop_id: s.routes for s in bom.stops}["STAGECOACH"] == ("City", "Stagecoach - Airport Shuttle")


@pytest.mark.parametrize("inside_folder", [False, True])
def test_zip_feed_reads_like_the_folder(tmp_path: Path, inside_folder: bool):
    archive = tmp_path / "feed.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for path in GOOD.iterdir():
            z.write(path, f"google/{path.name}" if inside_folder else path.name)
    assert read_gtfs_stops(archive).stops == read_gtfs_stops(GOOD).stops


def test_scheveningen_demo_feed_covers_the_transit_sensors():
    feed = read_gtfs_stops(SCHEVENINGEN / "gtfs")
    assert feed.problems == () and feed.has_routes
    platforms = {s.code: s for s in feed.stops if s.location_type == 0}
    stations = {s.stop_id: s for s in feed.stops if s.location_type == 1}
    assert all(p.parent_station in stations for p in platforms.values())
    site = load_site(SCHEVENINGEN)
    transit = [s for s in site.sensors if s.kind.value == "transit"]
    assert len(transit) == 5
    for sensor in transit:
        codes = [str(c) for c in sensor.properties["stop_codes"]]
        assert set(codes) <= platforms.keys(), sensor.id
        lon = sum(platforms[c].lon for c in codes) / len(codes)
        lat = sum(platforms[c].lat for c in codes) / len(codes)
        assert math.dist((lon, lat), sensor.location) < 1e-5, sensor.id  # the sensor sits at their mean
    kurhaus = next(s for s in stations.values() if s.name == "Den Haag, Kurhaus")
    assert kurhaus.routes == ("1", "9")
    assert {s.routes for s in stations.values() if s.name == "Den Haag, Strandweg"} == {("11",)}
    duinstraat = sorted(s.routes for s in stations.values() if s.name == "Den Haag, Duinstraat")
    assert duinstraat == [("1",), ("11",)]  # two different places


def test_geojson_layer(tmp_path: Path):
    feed = read_gtfs_stops(_feed(
        tmp_path,
        stops="stop_id,stop_name,stop_lat,stop_lon,location_type,parent_station\n"
              "S,Central,52.1,4.3,1,\n"
              "P1,Central,52.1001,4.3002,0,S\n"
              "N1,,,,3,S\n",
    ))
    layer = stops_geojson(feed.stops)
    json.dumps(layer, allow_nan=False)
    assert layer["type"] == "FeatureCollection"
    assert [f["properties"]["stop_id"] for f in layer["features"]] == ["S", "P1"]  # the node has no position
    p1 = layer["features"][1]
    assert p1["geometry"] == {"type": "Point", "coordinates": [4.3002, 52.1001]}
    assert p1["properties"]["location_type"] == "stop" and p1["properties"]["parent_station"] == "S"
    assert layer["features"][0]["properties"]["location_type"] == "station"
    assert "routes" in p1["properties"] and "code" not in p1["properties"]


def test_quoted_fields_optional_columns_and_line_numbers(tmp_path: Path):
    feed = read_gtfs_stops(_feed(
        tmp_path,
        stops='stop_name , stop_id,stop_lat,stop_lon\n'
              '"Den Haag, Kurhaus",K,52.113,4.283\n'
              '"A name\nover two lines",T,52.2,4.4\n'
              'Bad,B,north,4.4\n',
    ))
    assert [(s.stop_id, s.name) for s in feed.stops] == [("K", "Den Haag, Kurhaus"), ("T", "A name\nover two lines")]
    assert [str(p) for p in feed.problems] == ["stops.txt:5: stop_lat: must be a number of degrees, got 'north'"]
    assert not feed.has_routes


def test_bad_rows_are_named_and_left_out(tmp_path: Path):
    feed = read_gtfs_stops(_feed(
        tmp_path,
        stops="stop_id,stop_name,stop_lat,stop_lon,location_type,parent_station\n"
              "A,Alpha,52.1,4.3,,\n"           # 2 ok
              "A,Alpha again,52.1,4.3,,\n"     # 3 duplicate
              ",Nameless,52.1,4.3,,\n"         # 4 no id
              "C,,52.1,4.3,0,\n"               # 5 no name
              "D,Delta,95,4.3,0,\n"            # 6 latitude out of range
              "E,Echo,52.1,,0,\n"              # 7 no longitude
              "F,Foxtrot,52.1,4.3,7,\n"        # 8 unknown location type
              "G,Golf,52.1,4.3,2,\n"           # 9 entrance without parent
              "H,Hotel,52.1,4.3,1,A\n"         # 10 station with a parent
              "I,India,52.1,4.3,0,ZZ\n"        # 11 unknown parent: kept without it
              "J,Juliet,52.1,4.3,0,A\n"        # 12 parent is a stop, not a station: kept without it
              "K,Kilo,52.1,4.3,0,,extra\n"     # 13 too many cells
              "L,Lima,nan,4.3,0,\n",           # 14 not finite
    ))
    assert [s.stop_id for s in feed.stops] == ["A", "I", "J"]
    assert all(s.parent_station is None for s in feed.stops)
    assert [str(p) for p in feed.problems] == [
        "stops.txt:3: stop_id: duplicate stop_id 'A' (first on line 2)",
        "stops.txt:4: stop_id: is empty",
        "stops.txt:5: stop_name: is required for a stop",
        "stops.txt:6: stop_lat: must lie within ±90 degrees, got '95'",
        "stops.txt:7: stop_lon: is required (degrees, WGS84)",
        "stops.txt:8: location_type: must be one of 0-4 or empty, got '7'",
        "stops.txt:9: parent_station: is required for a entrance",
        "stops.txt:10: parent_station: a station (location_type 1) cannot have a parent station",
        "stops.txt:13: 7 cells, the header has 6",
        "stops.txt:14: stop_lat: must lie within ±90 degrees, got 'nan'",
        "stops.txt:11: parent_station: unknown stop 'ZZ'",
        "stops.txt:12: parent_station: 'A' is a stop, a stop's parent must be a station",
    ]


def test_broken_route_files_keep_the_stops(tmp_path: Path):
    folder = tmp_path / "feed"
    shutil.copytree(GOOD, folder)
    (folder / "stop_times.txt").write_text("trip,stop\nAB1,BULLFROG\n")
    feed = read_gtfs_stops(folder)
    assert len(feed.stops) == 10 and not feed.has_routes and all(s.routes == () for s in feed.stops)
    assert [str(p) for p in feed.problems] == [
        "stop_times.txt:1: header lacks column(s) trip_id, stop_id; routes per stop left out"]

    with (GOOD / "stop_times.txt").open(encoding="utf-8") as f:
        rows = list(csv.reader(f))
    rows += [["NOPE", "8:00:00", "8:00:00", "BULLFROG", "1"], ["AB1", "9:00:00", "9:00:00", "NOWHERE", "3"]]
    with (folder / "stop_times.txt").open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)
    feed = read_gtfs_stops(folder)
    assert feed.has_routes
    assert [str(p) for p in feed.problems] == [
        f"stop_times.txt:{len(rows) - 1}: trip_id: unknown trip 'NOPE'",
        f"stop_times.txt:{len(rows)}: stop_id: unknown stop 'NOWHERE'",
    ]


@pytest.mark.parametrize("make, words", [
    (lambda d: d, "stops.txt: missing from the feed"),
    (lambda d: d / "nothing-here", "no such folder or file"),
    (lambda d: (d / "feed.zip").write_bytes(b"PK\x03\x04 not really") and d / "feed.zip", "not a GTFS folder or zip"),
    (lambda d: (d / "stops.txt").write_text("name,lat,lon\nA,1,2\n") and d, "stops.txt:1: header lacks column(s) stop_id"),
    (lambda d: (d / "stops.txt").write_text("") is not None and d, "stops.txt:1: empty file"),
    (lambda d: (d / "stops.txt").write_bytes(b"stop_id,stop_name\nA,Caf\xe9\n") and d, "stops.txt:2: not UTF-8"),
    (lambda d: (d / "stops.txt").write_text("stop_id,stop_id\nA,B\n") and d, "stop_id appear twice"),
])
def test_unreadable_feeds_raise_a_clear_error(tmp_path: Path, make, words):
    with pytest.raises(FeedError) as err:
        read_gtfs_stops(make(tmp_path))
    assert words in str(err.value)


def test_corrupt_zip_member_is_named(tmp_path: Path):
    archive = tmp_path / "feed.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("stops.txt", "stop_id,stop_name,stop_lat,stop_lon\n" + "S,Stop,52.1,4.3\n" * 2000)
    data = bytearray(archive.read_bytes())
    middle = data.index(b"stops.txt") + 200  # inside the compressed stream
    data[middle:middle + 40] = bytes(40)
    archive.write_bytes(bytes(data))
    with pytest.raises(FeedError) as err:
        read_gtfs_stops(archive)
    assert "stops.txt" in str(err.value) and "cannot be read" in str(err.value)


def test_rows_with_missing_trailing_cells(tmp_path: Path):
    feed = read_gtfs_stops(_feed(
        tmp_path,
        stops="stop_id,stop_name,stop_lat,stop_lon,location_type,parent_station\nA,Alpha,52.1,4.3\n",
        routes="route_id,route_short_name,route_long_name\nR7\n",
        trips="route_id,service_id,trip_id\nR7,DAILY,T1\n",
        stop_times="trip_id,stop_id,stop_sequence\nT1,A\n",
    ))
    assert feed.problems == () and [(s.stop_id, s.location_type, s.routes) for s in feed.stops] == [("A", 0, ("R7",))]
