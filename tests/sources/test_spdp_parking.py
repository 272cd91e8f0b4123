"""SPDP 2.0 parking records -> parking observation rows (fixtures: tests/sources/fixtures/spdp)."""

from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import pytest

from crowdsafety.ingest import validate_rows
from crowdsafety.sites import load_site
from crowdsafety.sources.line_problems import FeedError
from crowdsafety.sources.spdp_parking import read_dynamic, read_static

FIXTURES = Path(__file__).parent / "fixtures"
SPDP = FIXTURES / "spdp"
KURHAUS = "3f1c2a9e-5b7d-4c21-9e0a-6d2b8f4a1c01"
NOORD = "8b6e0d44-2f3a-4a9c-b1d7-0e5c9a7f2b02"
NOW = datetime(2026, 8, 14, 20, 0, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def site():
    return load_site(FIXTURES / "feed_site")


def _read(site, name, static=None):
    return read_dynamic(site, (SPDP / name).read_bytes(), file=name, static=static)


def _static(name):
    return read_static((SPDP / name).read_bytes(), file=name)


def _values(rows):
    return {(r["sensor_id"], r["start"], r["metric"]): (r["value"], r["quality"]) for r in rows}


def test_one_record_gives_occupied_and_capacity_in_the_interval_of_last_updated(site):
    feed = _read(site, "dynamic_kurhaus.json")
    assert feed.problems == () and feed.records == 1
    # lastUpdated 1786733233 = 2026-08-14T18:47:13Z, floored to the 5-minute interval
    assert _values(feed.rows) == {
        ("park-kurhaus", "2026-08-14T18:45:00+00:00", "capacity"): (580, "ok"),
        ("park-kurhaus", "2026-08-14T18:45:00+00:00", "occupied"): (580 - 37, "ok"),
    }
    batch = validate_rows(site, list(feed.rows), now=NOW)
    assert batch.rejected == [] and len(batch.frame) == 2


def test_poll_log_with_static_capacity_full_only_closed_and_a_cut_off_line(site):
    static = _static("static_noordboulevard.json")
    feed = _read(site, "dynamic_poll_log.jsonl", static={static.identifier: static})
    values = _values(feed.rows)
    # Noordboulevard publishes no parkingCapacity; the static specification valid in 2026 says 750
    # (the one that ended in 2024 said 700); its identifier is upper case in line 2
    assert values[("park-noordboulevard", "2026-08-14T18:50:00+00:00", "capacity")] == (750, "ok")
    assert values[("park-noordboulevard", "2026-08-14T18:50:00+00:00", "occupied")] == (750 - 112, "ok")
    # line 4 only says full: occupied = capacity, estimated
    assert values[("park-noordboulevard", "2026-08-14T18:55:00+00:00", "occupied")] == (750, "estimated")
    # line 5: Kurhaus closed -> its capacity, no occupancy
    assert ("park-kurhaus", "2026-08-14T19:00:00+00:00", "capacity") in values
    assert ("park-kurhaus", "2026-08-14T19:00:00+00:00", "occupied") not in values
    messages = [str(p) for p in feed.problems]
    assert any(m.startswith("dynamic_poll_log.jsonl: line 6: not valid JSON") for m in messages)
    assert any("line 5:" in m and "closed (open = false)" in m for m in messages)
    assert len(messages) == 2 and feed.records == 5
    assert validate_rows(site, list(feed.rows), now=NOW).rejected == []


def test_without_any_capacity_the_record_is_left_out_naming_where_capacity_was_looked_for(site):
    feed = _read(site, "dynamic_poll_log.jsonl")
    assert not any(r["sensor_id"] == "park-noordboulevard" for r in feed.rows)
    no_capacity = [str(p) for p in feed.problems if "no capacity" in p.message]
    assert len(no_capacity) == 2
    assert "line 2: facility 8B6E0D44" in no_capacity[0]
    assert "sensor 'park-noordboulevard' in sensors.toml; record left out" in no_capacity[0]


def test_sensor_capacity_is_used_but_not_stored_when_the_record_has_none(site):
    record = ('{"parkingFacilityDynamicInformation": {"identifier": "%s", "facilityActualStatus": '
              '{"lastUpdated": 1786733233, "open": true, "full": false, "vacantSpaces": 80}}}' % KURHAUS)
    feed = read_dynamic(site, record, file="x.json")
    assert _values(feed.rows) == {("park-kurhaus", "2026-08-14T18:45:00+00:00", "occupied"): (500, "ok")}


@pytest.mark.parametrize("index, expected", [
    (1, 'unknown facility (no parking sensor of site \'feedtest\' has spdp_uuid = "0a4d7c1e'),
    (2, "vacantSpaces 812 is more than the capacity 750"),
    (3, "facilityActualStatus.vacantSpaces: must not be negative, got -3"),
    (4, "facilityActualStatus.lastUpdated: missing"),
    (5, "lastUpdated: 1786734479000 looks like milliseconds"),
    (6, "facilityActualStatus.open: must be true or false, got 'yes'"),
    (7, "facilityActualStatus.vacantSpaces: must be a whole number, got 12.5"),
    (8, "parkingFacilityDynamicInformation.identifier: missing or not text"),
    (9, "a static record, not a dynamic one"),
    (10, "not an SPDP dynamic record"),
])
def test_each_bad_record_is_named_and_left_out_the_good_one_used(site, index, expected):
    feed = _read(site, "dynamic_array_with_errors.json")
    assert feed.records == 11
    assert {r["sensor_id"] for r in feed.rows} == {"park-kurhaus"} and len(feed.rows) == 2
    problem = next(p for p in feed.problems if p.where == f"record {index}")
    assert expected in problem.message and problem.message.endswith("record left out")
    assert len(feed.problems) == 10


def test_real_static_record_of_a_permit_area_has_no_capacity(site):
    static = _static("static__utrecht_buiten-wittevrouwen__TOMP-REF.json")
    assert static.identifier == "d8f4e169-b645-40e8-bb53-394d50d46a69"
    assert static.name == "Buiten Wittevrouwen"
    assert static.capacity_at(1_786_733_233) is None
    sensors = tuple(replace(s, properties={"spdp_uuid": static.identifier}) if s.id == "park-noordboulevard"
                    else s for s in site.sensors)
    permit_site = replace(site, sensors=sensors)
    record = ('{"parkingFacilityDynamicInformation": {"identifier": "D8F4E169-B645-40E8-BB53-394D50D46A69", '
              '"facilityActualStatus": {"lastUpdated": 1786733233, "vacantSpaces": 3}}}')
    feed = read_dynamic(permit_site, record, file="x.json", static={static.identifier: static})
    assert feed.rows == ()
    assert "its specifications give no capacity (usage Vergunning Parkeren)" in feed.problems[0].message


def test_static_capacity_follows_the_validity_of_its_specifications():
    static = _static("static_noordboulevard.json")
    assert static.capacity_at(1_600_000_000) == 700  # 2020
    assert static.capacity_at(1_786_733_233) == 750  # 2026
    assert static.capacity_at(1_000_000_000) is None  # before the first specification


def test_two_sensors_with_one_uuid_is_a_problem_and_the_first_gets_the_records(site):
    sensors = tuple(replace(s, properties={"spdp_uuid": KURHAUS}) if s.id == "park-haven" else s
                    for s in site.sensors)
    feed = _read(replace(site, sensors=sensors), "dynamic_kurhaus.json")
    assert {r["sensor_id"] for r in feed.rows} == {"park-kurhaus"}
    assert "sensor 'park-haven'" in feed.problems[0].where


@pytest.mark.parametrize("data, expected", [
    (b"", "x.json: empty"),
    (b"\xff\xfe\x00garbage", "x.json: not UTF-8 text (invalid start byte at byte 0)"),
    (b'{"parkingFacilityDynamicInformation": {"identifier": "3f1c', "x.json: not valid JSON at line 1, column 54"),
    (b'{"a": NaN}', "x.json: not valid JSON: NaN is not a JSON number"),
    (b"[" * 100_000 + b"]" * 100_000, "x.json: not valid JSON: nested too deeply"),
])
def test_unreadable_input_is_one_clear_error(site, data, expected):
    with pytest.raises(FeedError) as info:
        read_dynamic(site, data, file="x.json")
    assert str(info.value).startswith(expected)


def test_a_document_that_is_no_record_is_a_problem_not_a_crash(site):
    feed = read_dynamic(site, b"42", file="x.json")
    assert feed.rows == () and "not an SPDP dynamic record" in feed.problems[0].message
    feed = read_dynamic(site, b'{"parkingFacilityDynamicInformation": {"identifier": "%s"}}' % KURHAUS.encode(),
                        file="x.json")
    assert "facilityActualStatus: missing or not an object" in feed.problems[0].message


@pytest.mark.parametrize("data, expected", [
    (b'{"other": 1}', "x.json: not an SPDP static record"),
    (b'{"parkingFacilityInformation": {"name": "n"}}', "parkingFacilityInformation.identifier: missing"),
    (b'{"parkingFacilityInformation": {"identifier": "a", "specifications": [{"capacity": "many"}]}}',
     "x.json: parkingFacilityInformation.specifications[0].capacity: must be a whole number, got 'many'"),
])
def test_bad_static_record_is_one_clear_error(data, expected):
    with pytest.raises(FeedError) as info:
        read_static(data, file="x.json")
    assert expected in str(info.value)



def test_a_number_of_thousands_of_digits_is_refused_with_where(site):
    """Found by the importer fuzz: int() raises ValueError on text of more than 4,300 digits."""
    record = ('{"parkingFacilityDynamicInformation": {"identifier": "%s", "facilityActualStatus": '
              '{"lastUpdated": "%s", "vacantSpaces": 80}}}' % (KURHAUS, "9" * 5000))
    feed = read_dynamic(site, record, file="x.json")
    assert feed.rows == ()
    assert any("lastUpdated: 5000 digits; at most 15" in str(p) for p in feed.problems), feed.problems
