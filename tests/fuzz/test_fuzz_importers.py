"""Fuzz the file importers: observation files (CSV, JSON lines) and the open-data adapters
(SPDP parking, Open-Meteo weather, iCalendar events, transit counts, GTFS stops).

Each importer is fed its real or spec-written samples broken as text (cut, bytes flipped or
inserted, lines swapped, not UTF-8) or as documents (a value replaced by an odd one, a key
removed or added), and lines broken in ways a random edit seldom finds. It must return its
result or raise its documented :class:`CrowdSafetyError` (``ObservationFileError``,
``FeedError``) with a message naming the file; every problem it reports names the file, where
(a line, a record, a field) and what. Observation files whose every line is wrong store nothing.
The importers together get ``INPUTS`` malformed inputs: each test asserts its share
(``SHARES``), counting only inputs the importer found something wrong with.
"""

from __future__ import annotations

import copy
import json
import re
import shutil
import tempfile
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crowdsafety.domain import CrowdSafetyError, Site
from crowdsafety.ingest.validate import validate_rows
from crowdsafety.service import ReplayClock, Runtime
from crowdsafety.sites import load_site
from crowdsafety.sources.feed_problems import FeedProblem
from crowdsafety.sources.gtfs_stops import read_gtfs_stops
from crowdsafety.sources.ical_events import read_events
from crowdsafety.sources.line_problems import FeedError, LineProblem
from crowdsafety.sources.observation_files import ObservationFileError, read_observation_file
from crowdsafety.sources.open_meteo import read_forecast
from crowdsafety.sources.spdp_parking import read_dynamic, read_static
from crowdsafety.sources.transit_counts import read_transit_counts
from crowdsafety.store import open_store

from .malformed import INPUTS, NOW, VALID_ROWS, broken_documents, broken_rows, corrupted, dump, fuzz_settings

TESTS = Path(__file__).parents[1]
FIXTURES = TESTS / "sources" / "fixtures"
SCHEVENINGEN = TESTS.parent / "src" / "crowdsafety" / "demo_sites" / "scheveningen"
#: Malformed inputs each importer must get at least (they add up to INPUTS), and the examples
#: (of ``PER_EXAMPLE`` inputs each) that give them with some room.
SHARES = {"observation files": 4000, "spdp": 2000, "open-meteo": 1000, "icalendar": 1000, "transit": 1000,
          "gtfs": 1000}
PER_EXAMPLE = 20
assert sum(SHARES.values()) == INPUTS


@pytest.fixture(scope="module")
def scratch() -> Iterator[Path]:
    """A folder for the files the importers read (on the RAM disk where there is one)."""
    shm = Path("/dev/shm")
    folder = Path(tempfile.mkdtemp(dir=shm if shm.is_dir() else None))
    yield folder
    shutil.rmtree(folder)


@pytest.fixture(scope="module")
def feed_site() -> Site:
    return load_site(FIXTURES / "feed_site")


def run_fuzz(name: str, inputs: st.SearchStrategy[Any], feed: Callable[[Any], bool], examples: int) -> None:
    """Feed ``examples`` lists of ``PER_EXAMPLE`` inputs; ``feed`` answers whether the importer
    found the input wrong. Asserts the importer's share of malformed inputs."""
    fed = malformed = 0

    @fuzz_settings(examples)
    @given(st.lists(inputs, min_size=PER_EXAMPLE, max_size=PER_EXAMPLE))
    def run(batch: list[Any]) -> None:
        nonlocal fed, malformed
        for item in batch:
            malformed += bool(feed(item))
            fed += 1

    run()
    print(f"\n{name}: {fed} inputs fed, {malformed} malformed ones refused or reported")
    assert malformed >= SHARES[name]


def check_feed_error(error: CrowdSafetyError, file: str) -> None:
    assert str(error).strip() and file in str(error), str(error)


def judged(read: Callable[[], Any], file: str, problem_file: str | None = None) -> bool:
    """Run an importer's ``read``; True when it found the input wrong: a FeedError naming
    ``file``, or problems each naming ``problem_file`` (default ``file``) and where."""
    try:
        result = read()
    except FeedError as error:
        check_feed_error(error, file)
        return True
    for problem in result.problems:
        check_problem(problem, problem_file or file)
    return bool(result.problems)


def check_problem(problem: FeedProblem | LineProblem, file: str) -> None:
    assert problem.file.endswith(file) and problem.message.strip(), problem
    if isinstance(problem, LineProblem):
        assert problem.line >= 1, problem
    else:
        assert problem.where.strip() or problem.message.startswith(("event ", "the calendar")), problem


# -- observation files ----------------------------------------------------------------------------

HEADER = "sensor_id,start,interval_s,metric,value,quality"
#: CSV cells that stay wrong as text (counts only: "-5" is a fine temperature).
CSV_BAD = {
    "sensor_id": ["", "nope", "CAM-BEACH", " cam-beach"],
    "start": ["", "yesterday", "2026-07-05T11:00:00", "2027-01-01T00:00:00Z", "1900-01-01T00:00:00Z",
              "0001-01-01T00:00:00+01:00", "2026-02-30T10:00:00Z"],
    "interval_s": ["0", "-300", "300.5", "abc", "86401", "1e3"],
    "metric": ["", "vehicles", "Count"],
    "value": ["", "abc", "-5", "1.5", "1e13", "nan", "inf", "-inf", "true", "9" * 400],
    "quality": ["bad", "OK", "0"],
}
COUNT_ROWS = [r for r in VALID_ROWS if r["metric"] in ("count", "devices", "occupied", "in", "out")]


def _csv_line(row: dict, field: str, bad: str) -> str:
    cells = {"interval_s": "", "quality": "", **{k: str(v) for k, v in row.items()}, field: bad}
    return ",".join(cells[c] for c in HEADER.split(","))


@st.composite
def observation_files(draw: st.DrawFn) -> tuple[str, bytes, bool]:
    """(suffix, content, whether every line is wrong)."""
    kind = draw(st.integers(0, 5))
    if kind == 0:
        rows = draw(st.lists(broken_rows(), min_size=1, max_size=5))
        return ".jsonl", "\n".join(dump(r).decode() for r, _ in rows).encode(), True
    if kind == 1:
        lines = [_csv_line(draw(st.sampled_from(COUNT_ROWS)), field, draw(st.sampled_from(CSV_BAD[field])))
                 for field in draw(st.lists(st.sampled_from(sorted(CSV_BAD)), min_size=1, max_size=5))]
        lines += draw(st.sampled_from([[], ["a,b"], ['cam-beach,"2026-07-05T11:00:00Z,300,count,1,ok']]))
        return ".csv", "\n".join([HEADER, *lines]).encode(), True
    rows = draw(st.lists(st.sampled_from(VALID_ROWS), min_size=1, max_size=4))
    if kind in (2, 3):
        text = "\n".join([HEADER, *(_csv_line(r, "quality", r.get("quality", "")) for r in rows)])
        return ".csv", draw(corrupted(text)), False
    if kind == 4:
        return ".jsonl", draw(corrupted("\n".join(dump(r).decode() for r in rows))), False
    return draw(st.sampled_from([".txt", ".xlsx", ""])), dump(rows), False


def test_observation_files(scratch: Path, mini_site: Site):
    runtime = Runtime(mini_site, open_store("duckdb://:memory:"), ReplayClock(NOW))

    def feed(item: tuple[str, bytes, bool]) -> bool:
        suffix, content, all_wrong = item
        path = scratch / f"observations{suffix}"
        path.write_bytes(content)
        try:
            parsed = read_observation_file(path)
        except ObservationFileError as error:
            check_feed_error(error, path.name)
            return True
        # a lone CR breaks a line too (the csv module, and text-mode reading for JSON lines)
        lines = len(re.split(r"\r\n|\r|\n", content.decode("utf-8-sig", errors="replace")))
        for line, message in parsed.errors:
            assert 1 <= line <= lines and message.strip(), (line, message)
        if all_wrong:  # nothing stored, every line accounted for
            report = runtime.ingest(parsed.rows)
            assert report.inserted == report.duplicates == report.corrections == 0, (content, report)
            rejected = report.rejected
            named = {parsed.line_numbers[r.index] for r in rejected} | {line for line, _ in parsed.errors}
            assert named == {n for n in range(1, lines + 1) if n > (suffix == ".csv")}, (content, named)
        else:
            rejected = validate_rows(mini_site, parsed.rows, now=NOW).rejected
        assert all(r.reason.strip() for r in rejected)
        return bool(parsed.errors or rejected)

    try:
        run_fuzz("observation files", observation_files(), feed, 215)
        assert runtime.store.observation_span() is None
    finally:
        runtime.store.close()


# -- SPDP parking -----------------------------------------------------------------------------------

SPDP = FIXTURES / "spdp"
DYNAMIC = [json.loads((SPDP / n).read_text()) for n in ("dynamic_kurhaus.json", "dynamic_array_with_errors.json")]
POLL_LOG = (SPDP / "dynamic_poll_log.jsonl").read_text()
STATIC = [json.loads((SPDP / n).read_text()) for n in ("static_noordboulevard.json",
                                                       "static__utrecht_buiten-wittevrouwen__TOMP-REF.json")]


@st.composite
def spdp_inputs(draw: st.DrawFn) -> tuple[str, bytes]:
    kind = draw(st.integers(0, 4))
    if kind == 0:
        return "dynamic", dump(draw(broken_documents(draw(st.sampled_from(DYNAMIC)))))
    if kind == 1:
        return "dynamic", draw(corrupted(POLL_LOG[: draw(st.integers(200, 1200))]))
    if kind == 2:
        return "dynamic", draw(corrupted(json.dumps(draw(st.sampled_from(DYNAMIC)))))
    if kind == 3:
        return "static", dump(draw(broken_documents(draw(st.sampled_from(STATIC)))))
    return "static", draw(corrupted(json.dumps(draw(st.sampled_from(STATIC)))))


def test_spdp_parking(feed_site: Site):
    def feed(item: tuple[str, bytes]) -> bool:
        kind, data = item
        file = f"{kind}.json"
        try:
            if kind == "static":
                read_static(data, file=file)
                return False
            result = read_dynamic(feed_site, data, file=file)
        except FeedError as error:
            check_feed_error(error, file)
            return True
        for problem in result.problems:
            check_problem(problem, file)
        return bool(result.problems)

    run_fuzz("spdp", spdp_inputs(), feed, 160)


# -- Open-Meteo -------------------------------------------------------------------------------------

def _short_forecast() -> dict:
    """The DST-switch sample cut to its first eight hours."""
    doc = json.loads((FIXTURES / "open_meteo" / "forecast_scheveningen_dst_switch.json").read_text())
    doc["hourly"] = {k: v[:8] for k, v in doc["hourly"].items()}
    return doc


FORECAST = _short_forecast()


@st.composite
def forecasts(draw: st.DrawFn) -> bytes:
    if draw(st.integers(0, 2)):
        return dump(draw(broken_documents(FORECAST)))
    return draw(corrupted(json.dumps(FORECAST)))


def test_open_meteo():
    def feed(data: bytes) -> bool:
        return judged(lambda: read_forecast(data, file="forecast.json"), "forecast.json")

    run_fuzz("open-meteo", forecasts(), feed, 75)


# -- iCalendar --------------------------------------------------------------------------------------

def _short_calendar() -> str:
    """The Scheveningen sample with its time zone and first four events, lines ending CRLF."""
    lines = (FIXTURES / "icalendar" / "scheveningen_events_2026.ics").read_text().replace("\r\n", "\n").split("\n")
    ends = [i for i, line in enumerate(lines) if line == "END:VEVENT"]
    return "\r\n".join(lines[: ends[3] + 1] + ["END:VCALENDAR", ""])


CALENDAR = _short_calendar()
#: Lines put into an event: rules that never end or repeat every second, times that do not
#: exist, durations backwards, properties iCalendar cannot read.
ICAL_LINES = ["RRULE:FREQ=SECONDLY", "RRULE:FREQ=MINUTELY;COUNT=100000", "RRULE:FREQ=HOURLY;BYSECOND=1,2,3",
              "RRULE:FREQ=YEARLY;COUNT=-1", "RRULE:FREQ=DAILY;UNTIL=19000101T000000Z", "RRULE:FREQ=WEEKLY;BYDAY=XX",
              "RRULE:garbage", "RDATE:20261301T000000", "EXDATE:nonsense", "DTSTART:20260230T100000",
              "DTSTART;TZID=Mars/Olympus:20260814T210000", "DTEND:19000101T000000Z", "DURATION:-PT2H",
              "DURATION:P99999999D", "STATUS:CANCELLED", "X-EXPECTED-VISITORS:lots", "X-EXPECTED-VISITORS:-5",
              "X-CROWDSAFETY-ZONES:nowhere", "GEO:91;181", "GEO:x;y", "RECURRENCE-ID:20260815T210000",
              "BEGIN:VEVENT", "END:VEVENT", "BEGIN:VTIMEZONE", "UID:", "DTSTART;VALUE=DATE:2026"]


@st.composite
def calendars(draw: st.DrawFn) -> bytes:
    if draw(st.booleans()):
        return draw(corrupted(CALENDAR))
    lines = CALENDAR.split("\r\n")
    starts = [i for i, line in enumerate(lines) if line == "BEGIN:VEVENT"]
    at = draw(st.sampled_from(starts)) + draw(st.integers(1, 3))
    for line in draw(st.lists(st.sampled_from(ICAL_LINES), min_size=1, max_size=2)):
        lines.insert(at, line)
    return "\r\n".join(lines).encode()


def test_icalendar(feed_site: Site):
    window = datetime(2026, 1, 1, tzinfo=timezone.utc), datetime(2027, 1, 1, tzinfo=timezone.utc)

    def feed(data: bytes) -> bool:
        return judged(lambda: read_events(feed_site, data, file="events.ics", start=window[0], end=window[1]),
                      "events.ics")

    run_fuzz("icalendar", calendars(), feed, 66)


# -- transit counts ---------------------------------------------------------------------------------

TRANSIT = ("stop_id,start,interval_s,boardings,alightings\n"
           "202,2026-08-14T21:00:00+02:00,300,12,40\n204,2026-08-14T21:00:00+02:00,300,3,7\n"
           "202,2026-08-14T21:05:00+02:00,300,9,31\n701,2026-08-14T21:00:00+02:00,300,0,\n")
TRANSIT_LINES = ["999,2026-08-14T21:00:00+02:00,300,1,1", "202,0001-01-01T00:00:00+01:00,300,1,1",
                 "202,0001-01-01T00:30:00,300,1,1", "202,9999-12-31T23:59:59-01:00,300,1,1",
                 "202,2026-03-29T02:30:00,300,1,1", "202,2026-10-25T02:30:00,300,1,1", "202,,300,1,1",
                 "202,2026-08-14T21:00:00+02:00,0,1,1", "202,2026-08-14T21:00:00+02:00,300,-1,1",
                 "202,2026-08-14T21:00:00+02:00,300,1.5,1", "202,2026-08-14T21:00:00+02:00,300,,",
                 ",2026-08-14T21:00:00+02:00,300,1,1", "202,2026-08-14T21:00:00+02:00,300,1", '"202,x']


@st.composite
def transit_files(draw: st.DrawFn) -> bytes:
    if draw(st.booleans()):
        return draw(corrupted(TRANSIT))
    return (TRANSIT + "\n".join(draw(st.lists(st.sampled_from(TRANSIT_LINES), min_size=1, max_size=3)))).encode()


def test_transit_counts(scratch: Path):
    site = load_site(SCHEVENINGEN)
    path = scratch / "counts.csv"

    def feed(data: bytes) -> bool:
        path.write_bytes(data)
        return judged(lambda: read_transit_counts(path, site), path.name)

    run_fuzz("transit", transit_files(), feed, 60)


# -- GTFS stops -------------------------------------------------------------------------------------

GTFS = FIXTURES / "gtfs" / "google-sample-good_feed"
GTFS_TABLES = ("stops.txt", "routes.txt", "trips.txt", "stop_times.txt")


@pytest.fixture(scope="module")
def gtfs_feeds(scratch: Path) -> dict[str, Path]:
    """Per table, a copy of the sample feed whose that table the test overwrites."""
    feeds = {}
    for table in GTFS_TABLES:
        feeds[table] = scratch / "gtfs" / table.removesuffix(".txt")
        shutil.copytree(GTFS, feeds[table])
    return feeds


@st.composite
def gtfs_tables(draw: st.DrawFn) -> tuple[str, bytes]:
    table = draw(st.sampled_from(GTFS_TABLES))
    return table, draw(corrupted((GTFS / table).read_text(encoding="utf-8")))


def test_gtfs_stops(gtfs_feeds: dict[str, Path]):
    def feed(item: tuple[str, bytes]) -> bool:
        table, data = item
        (gtfs_feeds[table] / table).write_bytes(data)
        return judged(lambda: read_gtfs_stops(gtfs_feeds[table]), table.removesuffix(".txt"), ".txt")

    run_fuzz("gtfs", gtfs_tables(), feed, 75)
