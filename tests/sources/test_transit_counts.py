"""Boardings and alightings per stop from CSV: platforms summed per transit sensor, Dutch
headers and separators, local times, GTFS stop ids, and bad lines named and left out."""

from datetime import datetime, timezone
from pathlib import Path

import pytest

from crowdsafety.domain import Sensor, SensorKind, Site
from crowdsafety.ingest.validate import validate_rows
from crowdsafety.sites import load_site
from crowdsafety.sources.gtfs_stops import read_gtfs_stops
from crowdsafety.sources.line_problems import FeedError
from crowdsafety.sources.transit_counts import read_transit_counts, stop_sensors

SCHEVENINGEN = Path(__file__).parents[2] / "src" / "crowdsafety" / "demo_sites" / "scheveningen"
NOW = datetime(2026, 9, 1, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def site() -> Site:
    return load_site(SCHEVENINGEN)


def _write(tmp_path: Path, text: str, name: str = "counts.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def _values(counts) -> dict[tuple[str, str, str], int]:
    return {(r["sensor_id"], r["start"], r["metric"]): r["value"] for r in counts.rows}


def test_platforms_are_summed_per_sensor_and_interval(tmp_path: Path, site: Site):
    path = _write(tmp_path, (
        "stop_id,start,interval_s,boardings,alightings\n"
        "202,2026-08-14T21:00:00+02:00,300,12,40\n"
        "204,2026-08-14T21:00:00+02:00,300,3,7\n"
        "202,2026-08-14T21:05:00+02:00,300,9,31\n"
        "701,2026-08-14T21:00:00+02:00,300,0,\n"      # alightings not counted
        "736,2026-08-14T21:00:00+02:00,300,4,6\n"
        "714,2026-08-14T21:00:00+02:00,900,20,10\n"   # a longer interval stays its own row
    ))
    counts = read_transit_counts(path, site)
    assert counts.problems == []
    assert _values(counts) == {
        ("tram-kurhaus", "2026-08-14T19:00:00+00:00", "boardings"): 15,
        ("tram-kurhaus", "2026-08-14T19:00:00+00:00", "alightings"): 47,
        ("tram-kurhaus", "2026-08-14T19:05:00+00:00", "boardings"): 9,
        ("tram-kurhaus", "2026-08-14T19:05:00+00:00", "alightings"): 31,
        ("tram-strandweg", "2026-08-14T19:00:00+00:00", "boardings"): 4,
        ("tram-strandweg", "2026-08-14T19:00:00+00:00", "alightings"): 6,
        ("tram-keizerstraat", "2026-08-14T19:00:00+00:00", "boardings"): 20,
        ("tram-keizerstraat", "2026-08-14T19:00:00+00:00", "alightings"): 10,
    }
    assert counts.row_lines[0] == (2, 3)
    assert {r["interval_s"] for r in counts.rows if r["sensor_id"] == "tram-keizerstraat"} == {900}
    batch = validate_rows(site, counts.rows, now=NOW)
    assert batch.rejected == [] and len(batch.frame) == len(counts.rows)


def test_dutch_export_with_bom_semicolons_and_local_times(tmp_path: Path, site: Site):
    path = _write(tmp_path, (
        "\ufeffHalte;Begin;Instappers;Uitstappers\r\n"
        "207;2026-08-14 22:55;31;2\r\n"
        "212;2026-08-14 22:55;40;1\r\n"
        "214;\"2026-08-14 22:55\";12;0\r\n"
        "207;2026-12-01 08:00;3;4\r\n"   # winter time: +01:00
    ))
    counts = read_transit_counts(path, site)
    assert counts.problems == []
    assert _values(counts) == {
        ("tram-zwarte-pad", "2026-08-14T20:55:00+00:00", "boardings"): 83,
        ("tram-zwarte-pad", "2026-08-14T20:55:00+00:00", "alightings"): 3,
        ("tram-zwarte-pad", "2026-12-01T07:00:00+00:00", "boardings"): 3,
        ("tram-zwarte-pad", "2026-12-01T07:00:00+00:00", "alightings"): 4,
    }
    assert {r["interval_s"] for r in counts.rows} == {site.interval_s}


def test_tab_separated(tmp_path: Path, site: Site):
    path = _write(tmp_path, "stop_code\tstart\tboardings\n702\t2026-08-14T21:00:00Z\t5\n703\t2026-08-14T21:00:00Z\t6\n")
    counts = read_transit_counts(path, site)
    assert _values(counts) == {("tram-badhuiskade", "2026-08-14T21:00:00+00:00", "boardings"): 11}


def test_gtfs_stop_ids_and_stations_map_through_the_feed(tmp_path: Path, site: Site):
    feed = read_gtfs_stops(SCHEVENINGEN / "gtfs")
    path = _write(tmp_path, (
        "stop_id,start,boardings,alightings\n"
        "HTM:202,2026-08-14T21:00:00+02:00,1,2\n"
        "HTM:204,2026-08-14T21:00:00+02:00,3,4\n"
        "HTM:S:strandweg,2026-08-14T21:00:00+02:00,5,6\n"
        "HTM:S:duinstraat-tram-1,2026-08-14T21:00:00+02:00,7,8\n"
    ))
    without = read_transit_counts(path, site)
    assert without.rows == [] and len(without.problems) == 4
    counts = read_transit_counts(path, site, stops=feed.stops)
    assert _values(counts) == {
        ("tram-kurhaus", "2026-08-14T19:00:00+00:00", "boardings"): 4,
        ("tram-kurhaus", "2026-08-14T19:00:00+00:00", "alightings"): 6,
        ("tram-strandweg", "2026-08-14T19:00:00+00:00", "boardings"): 5,
        ("tram-strandweg", "2026-08-14T19:00:00+00:00", "alightings"): 6,
    }
    assert [str(p) for p in counts.problems] == [
        f"{path}:5: stop_id: stop 'HTM:S:duinstraat-tram-1' belongs to no transit sensor of site 'scheveningen' "
        "(stop_codes in sensors.toml)"]


def test_bad_lines_are_named_and_partial_sums_left_out(tmp_path: Path, site: Site):
    path = _write(tmp_path, (
        "stop_id,start,interval_s,boardings,alightings\n"
        "202,2026-08-14T21:00:00+02:00,300,12,40\n"      # 2 ok, but its sum with line 3 is spoiled
        "204,2026-08-14T21:00:00+02:00,300,-3,7\n"       # 3 negative
        "207,2026-08-14T21:00:00+02:00,300,1.5,1\n"      # 4 not whole
        "212,yesterday,300,1,1\n"                        # 5 bad time
        "214,2026-08-14T21:00:00+02:00,0,1,1\n"          # 6 bad interval
        "999,2026-08-14T21:00:00+02:00,300,1,1\n"        # 7 unknown stop
        "702,2026-10-25 02:30,300,1,1\n"                 # 8 repeated hour
        "702,2026-03-29 02:30,300,1,1\n"                 # 9 skipped hour
        "703,2026-08-14T21:00:00+02:00,300,,\n"          # 10 no counts
        "714,2026-08-14T21:00:00+02:00,300,5\n"          # 11 too few cells
        ",2026-08-14T21:00:00+02:00,300,5,5\n"           # 12 no stop
        "715,2026-08-14T21:00:00+02:00,300,5,5\n"        # 13 ok
        "715,2026-08-14T21:00:00+02:00,300,5,5\n"        # 14 same again: ignored
        "736,2026-08-14T21:00:00+02:00,300,5,5\n"        # 15 first ...
        "736,2026-08-14T21:00:00+02:00,300,6,5\n"        # 16 ... and different: both left out
    ))
    counts = read_transit_counts(path, site)
    assert _values(counts) == {
        ("tram-keizerstraat", "2026-08-14T19:00:00+00:00", "boardings"): 5,
        ("tram-keizerstraat", "2026-08-14T19:00:00+00:00", "alightings"): 5,
    }
    assert [str(p).removeprefix(f"{path}:") for p in counts.problems] == [
        "2: sensor 'tram-kurhaus' at 2026-08-14T19:00:00+00:00 left out: line 3 of its platforms is invalid",
        "3: boardings: must be a whole number of persons >= 0, got '-3'",
        "4: boardings: must be a whole number of persons >= 0, got '1.5'",
        "5: start: unparsable time 'yesterday' (use ISO 8601, e.g. 2026-08-14T21:00:00+02:00)",
        "6: interval_s: must be whole seconds 1-86400, got '0'",
        "7: stop_id: stop '999' belongs to no transit sensor of site 'scheveningen' (stop_codes in sensors.toml)",
        "8: start: '2026-10-25 02:30' happens twice in Europe/Amsterdam (clocks go back); add the UTC offset",
        "9: start: '2026-03-29 02:30' does not exist in Europe/Amsterdam (clocks go forward); add the UTC offset",
        "10: neither boardings nor alightings given",
        "11: 4 cells, the header has 5",
        "12: stop_id: is empty",
        "14: start: stop '715' at 2026-08-14T19:00:00+00:00 again (first on line 13); ignored",
        "15: sensor 'tram-strandweg' at 2026-08-14T19:00:00+00:00 left out: line 16 of its platforms is invalid",
        "16: start: stop '736' at 2026-08-14T19:00:00+00:00 again (first on line 15) with other counts; both left out",
    ]


@pytest.mark.parametrize("content, words", [
    (b"", "empty file"),
    (b"stop,when,boardings\n1,2,3\n", "header lacks column(s) start"),
    (b"stop_id,start\n202,2026-08-14T21:00:00Z\n", "header lacks column(s) boardings or alightings"),
    (b"halte,stop_id,start,boardings\n", "two columns for stop_id ('halte' and 'stop_id')"),
    (b"stop_id,start,boardings\n202,2026-08-14T21:00:00Z,3\n204,2026-08-14T21:00:00Z,\xe9\n", ":3: not UTF-8"),
])
def test_unreadable_files_raise_a_clear_error(tmp_path: Path, site: Site, content: bytes, words: str):
    path = tmp_path / "counts.csv"
    path.write_bytes(content)
    with pytest.raises(FeedError) as err:
        read_transit_counts(path, site)
    assert words in str(err.value) and str(path) in str(err.value)


def test_missing_file(tmp_path: Path, site: Site):
    with pytest.raises(FeedError, match="no such file"):
        read_transit_counts(tmp_path / "nope.csv", site)


def _site(*sensors: Sensor) -> Site:
    return Site(id="t", name="T", timezone="Europe/Amsterdam", interval_s=300, zones=(), sensors=sensors)


def test_stop_mapping_from_the_site():
    site = _site(Sensor("a", SensorKind.TRANSIT, properties={"stop_codes": [1, 2], "stop_ids": ["X:9"]}),
                 Sensor("b", SensorKind.TRANSIT, properties={"stop_codes": ["3"]}),
                 Sensor("cam", SensorKind.ZONE_COUNT, properties={"stop_codes": [4]}))
    assert stop_sensors(site) == {"1": "a", "2": "a", "X:9": "a", "3": "b"}
    with pytest.raises(FeedError, match="stop '2' is listed by sensors 'a' and 'b'"):
        stop_sensors(_site(Sensor("a", SensorKind.TRANSIT, properties={"stop_codes": [1, 2]}),
                           Sensor("b", SensorKind.TRANSIT, properties={"stop_codes": [2]})))
    with pytest.raises(FeedError, match="sensor 'a': stop_codes must be a list of codes"):
        stop_sensors(_site(Sensor("a", SensorKind.TRANSIT, properties={"stop_codes": 202})))


def test_site_without_mapped_transit_sensors(tmp_path: Path):
    path = _write(tmp_path, "stop_id,start,boardings\n202,2026-08-14T21:00:00Z,3\n")
    with pytest.raises(FeedError, match="no transit sensor with stop_codes"):
        read_transit_counts(path, _site(Sensor("a", SensorKind.TRANSIT)))


def test_digits_int_cannot_read_are_named_not_raised(tmp_path: Path, site: Site):
    """'²' is a digit to str.isdigit but not to int(), nor is text of thousands of digits."""
    path = _write(tmp_path, (
        "stop_id,start,interval_s,boardings,alightings\n"
        "204,2026-08-14T21:00:00+02:00,300,²,7\n"
        f"207,2026-08-14T21:00:00+02:00,300,{'9' * 5000},1\n"
        "212,2026-08-14T21:00:00+02:00,³,1,1\n"
    ))
    counts = read_transit_counts(path, site)
    assert _values(counts) == {}
    problems = [str(p).removeprefix(f"{path}:") for p in counts.problems]
    assert problems[0] == "2: boardings: must be a whole number of persons >= 0, got '²'"
    assert problems[1].startswith("3: boardings: must be a whole number of persons >= 0, got '999")
    assert problems[2] == "4: interval_s: must be whole seconds 1-86400, got '³'"
