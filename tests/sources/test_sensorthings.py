"""The SensorThings client against a SensorThings-shaped server on loopback: Things and
Datastreams, Observations paged by @iot.nextLink, incremental pulls, the real BGS FROST samples,
malformed answers (each a clear error with the URL, never a hang) and the Datastream mapping."""

import json
import socket
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from crowdsafety.domain import Sensor, SensorKind, Site
from crowdsafety.ingest.validate import validate_rows
from crowdsafety.sites import load_site
from crowdsafety.sources.line_problems import FeedError
from crowdsafety.sources.sensorthings import SensorThingsClient, SensorThingsError, parse_phenomenon_time
from crowdsafety.sources.sensorthings_mapping import (
    DatastreamMapping,
    mappings_from_file,
    mappings_from_site,
    pull_rows,
    resolve,
)

from .sensorthings_server import SensorThingsServer

FIXTURES = Path(__file__).parent / "fixtures" / "sensorthings"
MINI = Path(__file__).parents[1] / "sites" / "fixtures" / "mini"
T0 = datetime(2026, 7, 5, 10, 0, tzinfo=timezone.utc)


def _interval(i: int) -> str:
    a, b = T0 + timedelta(minutes=5 * i), T0 + timedelta(minutes=5 * i + 5)
    return f"{a.isoformat().replace('+00:00', 'Z')}/{b.isoformat().replace('+00:00', 'Z')}"


def _instant(i: int) -> str:
    return (T0 + timedelta(minutes=5 * i)).astimezone(timezone(timedelta(hours=2))).isoformat()


CAMERA = [{"@iot.id": 1000 + i, "phenomenonTime": _interval(i), "result": 100 + i} for i in (4, 0, 6, 2, 1, 5, 3)]
LINE_IN = [{"@iot.id": 2000 + i, "phenomenonTime": _instant(i), "result": 10 + i} for i in range(4)]
LINE_OUT = [{"@iot.id": 3000 + i, "phenomenonTime": _instant(i), "result": float(5 + i)} for i in range(4)]
THINGS = [
    {"@iot.id": 1, "name": "Beach camera", "Datastreams": [
        {"@iot.id": 17, "name": "beach people count", "unitOfMeasurement": {"symbol": "{persons}"}}]},
    {"@iot.id": 2, "name": "Square counter", "Datastreams": [
        {"@iot.id": 21, "name": "square in"}, {"@iot.id": 22, "name": "square out"}]},
    {"@iot.id": "w-1", "name": "Weather mast", "Datastreams": [
        {"@iot.id": "temp-1", "name": "air temperature", "unitOfMeasurement": {"symbol": "°C"}}]},
]


@pytest.fixture()
def server():
    with SensorThingsServer(THINGS, {17: CAMERA, 21: LINE_IN, 22: LINE_OUT, "temp-1": []}) as srv:
        yield srv


@pytest.fixture(scope="module")
def mini() -> Site:
    return load_site(MINI)


def _mapping_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "mapping.toml"
    path.write_text(text)
    return path


MAPPING = """
[[datastream]]
datastream = 17
sensor_id = "cam-beach"

[[datastream]]
datastream = "square in"
sensor_id = "line-square"
metric = "in"

[[datastream]]
datastream = 22
sensor_id = "line-square"
metric = "out"
instant = "end"
"""


def test_things_and_datastreams_across_pages(server):
    server.max_top = 2
    streams = SensorThingsClient(server.url).datastreams()
    assert [(d.id, d.name, d.thing_id, d.thing_name) for d in streams] == [
        (17, "beach people count", 1, "Beach camera"),
        (21, "square in", 2, "Square counter"),
        (22, "square out", 2, "Square counter"),
        ("temp-1", "air temperature", "w-1", "Weather mast"),
    ]
    assert streams[0].unit == "{persons}" and streams[3].unit == "°C"
    assert sum("/Things" in r for r in server.requests) == 2  # three Things, two per page


def test_full_pull_follows_next_links_in_time_order(server, mini, tmp_path):
    client = SensorThingsClient(server.url)
    pairs = resolve(mappings_from_file(_mapping_file(tmp_path, MAPPING), mini), client.datastreams(), url=server.url)
    pulled = {m.metric: pull_rows(client, d, m, site_interval_s=mini.interval_s) for d, m in pairs}
    camera = pulled["count"]
    assert camera.pages == 3 and camera.problems == []
    assert [r["value"] for r in camera.rows] == [100, 101, 102, 103, 104, 105, 106]
    assert camera.rows[0] == {"sensor_id": "cam-beach", "start": "2026-07-05T10:00:00+00:00", "interval_s": 300,
                              "metric": "count", "value": 100}
    assert [r["start"] for r in pulled["in"].rows][:2] == ["2026-07-05T10:00:00+00:00", "2026-07-05T10:05:00+00:00"]
    # an instant marking the end of its interval: 10:00 ends the interval 09:55-10:00
    assert pulled["out"].rows[0] == {"sensor_id": "line-square", "start": "2026-07-05T09:55:00+00:00",
                                     "interval_s": 300, "metric": "out", "value": 5}
    first = next(r for r in server.requests if "Datastreams(17)" in r)
    assert "$orderby=phenomenonTime%20asc" in first and "$top=1000" in first and "$filter" not in first
    rows = [r for p in pulled.values() for r in p.rows]
    assert validate_rows(mini, rows, now=T0 + timedelta(days=1)).rejected == []


def test_incremental_pull_asks_only_for_newer_observations(server, mini):
    client = SensorThingsClient(server.url)
    since = T0 + timedelta(minutes=15)  # the last stored start
    stream = next(d for d in client.datastreams() if d.id == 17)
    pulled = pull_rows(client, stream, DatastreamMapping(17, "cam-beach", "count"), site_interval_s=300, since=since)
    assert [r["value"] for r in pulled.rows] == [104, 105, 106]
    assert any("$filter=phenomenonTime%20gt%202026-07-05T10:15:00.000Z" in r for r in server.requests)
    # "end" instants: the stored start 10:05 means the instant 10:10 is already in
    stream = next(d for d in client.datastreams() if d.id == 22)
    pulled = pull_rows(client, stream, DatastreamMapping(22, "line-square", "out", instant="end"), site_interval_s=300,
                       since=T0 + timedelta(minutes=5))
    assert [r["start"] for r in pulled.rows] == ["2026-07-05T10:10:00+00:00"]


def test_string_ids_are_quoted_in_paths(server):
    server.observations["temp-1"] = [{"@iot.id": 1, "phenomenonTime": _instant(0), "result": 21.5}]
    client = SensorThingsClient(server.url)
    pages = list(client.observation_pages("temp-1"))
    assert [v.result for p in pages for v in p.values] == [21.5]
    assert any("/Datastreams('temp-1')/Observations" in r for r in server.requests)


def test_bad_observations_are_named_and_the_rest_used(server):
    server.observations[17] = [
        {"@iot.id": 1, "phenomenonTime": _instant(0), "result": 4},
        {"@iot.id": 2, "phenomenonTime": _instant(1), "result": None},
        {"@iot.id": 3, "phenomenonTime": _instant(2), "result": "7"},      # numeric text (SensorUp does this)
        {"@iot.id": 4, "phenomenonTime": _instant(3), "result": "many"},
        {"@iot.id": 5, "phenomenonTime": _instant(4), "result": True},
        {"@iot.id": 6, "result": 3},
        {"@iot.id": 7, "phenomenonTime": "2026-07-05T10:40:00", "result": 3},
        {"@iot.id": 8, "phenomenonTime": f"{_instant(9)}/{_instant(8)}", "result": 3},
        {"@iot.id": 9, "phenomenonTime": "yesterday", "result": 3},
    ]
    pages = list(SensorThingsClient(server.url).observation_pages(17))
    assert [v.result for p in pages for v in p.values] == [4, 7.0]
    problems = sorted(p.split(": ", 1)[1] for page in pages for p in page.problems)  # the server sorts by time
    assert problems == [
        "Observation 2: result must be a number, got None",
        "Observation 4: result 'many' is not a number",
        "Observation 5: result must be a number, got True",
        "Observation 6: phenomenonTime must be ISO 8601 text, got None",
        "Observation 7: phenomenonTime '2026-07-05T10:40:00' has no time zone",
        "Observation 8: phenomenonTime interval '2026-07-05T12:45:00+02:00/2026-07-05T12:40:00+02:00' ends before it starts",
        "Observation 9: unparsable phenomenonTime 'yesterday'",
    ]
    assert all(p.startswith(server.url) for page in pages for p in page.problems)


# -- the real BGS FROST samples ------------------------------------------------------------------


def test_bgs_page_is_read_and_its_next_link_to_another_host_refused(server):
    body = (FIXTURES / "bgs-frost__Datastreams-1_Observations_page1.json").read_bytes()
    server.raw["/v1.1/Datastreams(1)/Observations"] = (200, body)
    client = SensorThingsClient(server.url)
    pages = client.observation_pages(1)
    first = next(pages)
    assert [(v.id, v.start, v.end, v.result) for v in first.values] == [
        (211806310, datetime(2023, 3, 28, 10, 30, tzinfo=timezone.utc), None, 1009.86),
        (211806499, datetime(2023, 3, 28, 12, 15, tzinfo=timezone.utc), None, 1008.17),
        (211807147, datetime(2023, 3, 28, 18, 15, tzinfo=timezone.utc), None, 1005.7),
    ]
    with pytest.raises(SensorThingsError) as err:
        next(pages)
    assert "refusing @iot.nextLink to another server: https://sensors.bgs.ac.uk/FROST-Server" in str(err.value)
    assert str(err.value).startswith(server.url)


def test_bgs_observations_out_of_order_and_filtered_here_when_the_server_ignores_the_filter(server):
    values = json.loads((FIXTURES / "bgs-frost__Observations_value_array.json").read_text())
    server.raw["/v1.1/Datastreams(5)/Observations"] = (200, json.dumps({"value": values}).encode())
    client = SensorThingsClient(server.url)
    got = [v for p in client.observation_pages(5) for v in p.values]
    assert len(got) == 101 == len(values)
    assert sorted(v.start for v in got) != [v.start for v in got]  # the sample is not in time order
    since = sorted(v.start for v in got)[50]
    newer = [v for p in client.observation_pages(5, since=since) for v in p.values]
    assert newer and all(v.start > since for v in newer)
    assert len(newer) == sum(v.start > since for v in got)


def test_bgs_datastreams_with_interval_phenomenon_times(server):
    streams = json.loads((FIXTURES / "bgs-frost__Datastreams_expand_FeatureOfInterest__foi14_value_array.json").read_text())
    server.things = [{"@iot.id": 14, "name": "GGA01", "Datastreams": streams}]
    found = SensorThingsClient(server.url).datastreams()
    assert [d.id for d in found] == [s["@iot.id"] for s in streams]
    assert found[0].unit == "m" and found[0].name == "GGA01_01 Water Level mbd"
    for s in streams:
        start, end = parse_phenomenon_time(s["phenomenonTime"])
        assert end is not None and start < end and start.tzinfo == timezone.utc


# -- malformed answers and misbehaving servers -------------------------------------------------


@pytest.mark.parametrize("fault, words", [
    ("not_json", "the answer is not JSON"),
    ("no_value", 'not a SensorThings collection (no "value" list)'),
    ("value_not_list", 'not a SensorThings collection (no "value" list)'),
    ("item_not_object", "value[0] is not an object"),
    ("http_500", "HTTP 500 Internal Server Error: Broken on purpose"),
    ("http_404", "HTTP 404 Not Found: Broken on purpose"),
    ("loop", "@iot.nextLink leads back to a page already read"),
    ("other_host", "refusing @iot.nextLink to another server: http://192.0.2.1/"),
    ("next_not_string", "@iot.nextLink is not a URL: 42"),
    ("redirect_away", "refusing a redirect to another server: http://192.0.2.1/elsewhere"),
    ("nan", "the answer is not JSON (NaN is not valid JSON)"),
])
def test_malformed_answers_name_the_url(server, fault, words):
    server.faults["/Datastreams(17)/Observations"] = fault
    with pytest.raises(SensorThingsError) as err:
        list(SensorThingsClient(server.url, timeout_s=2).observation_pages(17))
    assert words in str(err.value)
    assert str(err.value).startswith(f"{server.url}/Datastreams(17)/Observations")


def test_error_on_a_later_page_gives_no_rows(server):
    server.faults["$skip=3"] = "not_json"
    client = SensorThingsClient(server.url)
    stream = next(d for d in client.datastreams() if d.id == 17)
    with pytest.raises(SensorThingsError, match=r"skip=3: the answer is not JSON"):
        pull_rows(client, stream, DatastreamMapping(17, "cam-beach", "count"), site_interval_s=300)


def test_too_many_pages_and_too_large_answers(server):
    with pytest.raises(SensorThingsError, match="more than 2 pages"):
        list(SensorThingsClient(server.url, max_pages=2).observation_pages(17))
    server.faults["/Datastreams(17)"] = "huge"
    with pytest.raises(SensorThingsError, match="answer larger than 1 MiB"):
        list(SensorThingsClient(server.url, max_bytes=2**20).observation_pages(17))


@pytest.mark.parametrize("fault", ["slow", "drip"])
def test_a_server_that_does_not_finish_answering_times_out(server, fault):
    server.faults["/Things"] = fault
    began = time.monotonic()
    with pytest.raises(SensorThingsError) as err:
        SensorThingsClient(server.url, timeout_s=0.5).datastreams()
    assert time.monotonic() - began < 3
    assert "within 0.5 s" in str(err.value) and str(err.value).startswith(f"{server.url}/Things")


def test_no_server_listening():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(SensorThingsError, match=f"http://127.0.0.1:{port}/v1.1/Things.*cannot reach the server"):
        SensorThingsClient(f"http://127.0.0.1:{port}/v1.1", timeout_s=1).datastreams()


def test_not_an_http_url():
    with pytest.raises(SensorThingsError, match="not an http"):
        SensorThingsClient("file:///etc/passwd")


# -- mapping ------------------------------------------------------------------------------------


def _site(*sensors: Sensor) -> Site:
    return Site(id="t", name="T", timezone="UTC", interval_s=300, zones=(), sensors=sensors)


def test_mappings_from_site_properties():
    site = _site(
        Sensor("cam", SensorKind.ZONE_COUNT, properties={"sensorthings_datastream": 17}),
        Sensor("line", SensorKind.LINE_COUNT, properties={"sensorthings_datastreams": {"in": 21, "out": "square out"},
                                                          "sensorthings_instant": "end"}),
        Sensor("plain", SensorKind.ZONE_COUNT),
    )
    assert mappings_from_site(site) == [
        DatastreamMapping(17, "cam", "count"),
        DatastreamMapping(21, "line", "in", "end"),
        DatastreamMapping("square out", "line", "out", "end"),
    ]


def test_bad_mappings_are_all_named(mini, tmp_path):
    path = _mapping_file(tmp_path, """
[[datastream]]
datastream = 17
sensor_id = "ghost"

[[datastream]]
datastream = 18
sensor_id = "line-square"

[[datastream]]
datastream = 19
sensor_id = "cam-beach"
instant = "middle"

[[datastream]]
datastream = true
sensor_id = "cam-beach"

[[datastream]]
datastream = 20
sensor_id = "cam-beach"

[[datastream]]
datastream = 20
sensor_id = "wifi-beach"
""")
    with pytest.raises(FeedError) as err:
        mappings_from_file(path, mini)
    assert str(err.value).splitlines() == [
        f"{path}: datastream 0: unknown sensor 'ghost' for site 'mini'",
        f"{path}: datastream 1: metric None does not fit a line_count sensor (expected in, out, passes)",
        f"{path}: datastream 2: instant must be 'start' or 'end', got 'middle'",
        f"{path}: datastream 3: datastream must be an @iot.id or a name, got True",
        f"{path}: datastream 5: datastream 20 or wifi-beach devices is mapped twice (first at {path}: datastream 4)",
    ]
    for text, words in [("[[datastream]]\ndatastream = 1\nsensor = 'x'\n", r"unknown key\(s\) sensor"),
                        ("datastream = [", "not a readable TOML file"), ("x = 1\n", r"no \[\[datastream\]\] tables")]:
        with pytest.raises(FeedError, match=words):
            mappings_from_file(_mapping_file(tmp_path, text), mini)
    with pytest.raises(FeedError, match="no such file"):
        mappings_from_file(tmp_path / "nope.toml", mini)


def test_resolve_names_what_the_server_lacks(server):
    streams = SensorThingsClient(server.url).datastreams()
    with pytest.raises(SensorThingsError) as err:
        resolve([DatastreamMapping(99, "cam", "count"), DatastreamMapping("door", "x", "in")], streams, url=server.url)
    assert str(err.value) == (f"{server.url}: no Datastream 99 (for cam count); no Datastream 'door' (for x in)")
    twins = streams + [streams[1].__class__(id=23, name="square in")]
    with pytest.raises(SensorThingsError, match="name 'square in' is shared by Datastreams 21, 23; use the @iot.id"):
        resolve([DatastreamMapping("square in", "line", "in")], twins, url=server.url)
    assert resolve([DatastreamMapping("17", "cam", "count")], streams, url=server.url)[0][0].id == 17
    text_ids = [streams[0].__class__(id="17", name="text id")]
    assert resolve([DatastreamMapping(17, "cam", "count")], text_ids, url=server.url)[0][0].id == "17"
