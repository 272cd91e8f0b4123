"""`crowdsafety feed parking|weather|events` on the feed test site, from files and over HTTP on loopback."""

import shutil
import threading
from datetime import datetime, timezone
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from typer.testing import CliRunner

from crowdsafety.cli.feeds import app
from crowdsafety.sources.events_toml import load_events
from crowdsafety.store import open_store

FIXTURES = Path(__file__).parents[1] / "sources" / "fixtures"
SITE = FIXTURES / "feed_site"
SPDP = FIXTURES / "spdp"
METEO = FIXTURES / "open_meteo"
ICS = FIXTURES / "icalendar"
runner = CliRunner()


def _stored(url: str) -> list[tuple]:
    store = open_store(url)
    try:
        frame = store.observations(start=datetime(2000, 1, 1, tzinfo=timezone.utc),
                                   end=datetime(2100, 1, 1, tzinfo=timezone.utc), latest_only=False)
    finally:
        store.close()
    return sorted(zip(frame["sensor_id"], frame["start"].astype(str), frame["metric"], frame["value"]))


@pytest.fixture()
def store(tmp_path: Path) -> str:
    return f"duckdb:///{tmp_path / 'feeds.duckdb'}"


@pytest.fixture()
def server():
    """The fixtures over HTTP on 127.0.0.1 (a free port), stopped after the test."""

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(Quiet, directory=str(FIXTURES)))
    httpd.timeout = 5
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=5)


def test_parking_stores_good_records_names_the_rest_and_ignores_a_rerun(store):
    args = ["parking", str(SITE), str(SPDP / "dynamic_poll_log.jsonl"), str(SPDP / "dynamic_kurhaus.json"),
            "--static", str(SPDP / "static_noordboulevard.json"), "--store", store]
    result = runner.invoke(app, args)
    assert result.exit_code == 1, result.output
    assert "dynamic_poll_log.jsonl: 5 records, 9 values stored, 0 duplicates ignored" in result.output
    assert "dynamic_kurhaus.json: 1 records, 2 values stored" in result.output
    assert "dynamic_poll_log.jsonl: line 6: not valid JSON" in result.output
    assert "line 5: facility 3f1c2a9e-5b7d-4c21-9e0a-6d2b8f4a1c01 (Parkeergarage Kurhaus): closed" in result.output
    stored = _stored(store)
    assert len(stored) == 11
    assert ("park-noordboulevard", "2026-08-14 18:50:00+00:00", "occupied", 638.0) in stored
    again = runner.invoke(app, args)
    assert "9 values stored" not in again.output and "0 values stored, 9 duplicates ignored" in again.output
    assert _stored(store) == stored


def test_parking_file_that_cannot_be_read_stores_nothing_and_exits_2(store, tmp_path):
    cut = tmp_path / "cut.json"
    cut.write_bytes((SPDP / "dynamic_kurhaus.json").read_bytes()[:120])
    garbage = tmp_path / "garbage.json"
    garbage.write_bytes(b"\x00\x9f\x92\x96 not json")
    result = runner.invoke(app, ["parking", str(SITE), str(cut), str(garbage), str(tmp_path / "missing.json"),
                                 "--store", store])
    assert result.exit_code == 2
    assert f"{cut}: not valid JSON at line 4, column" in result.output
    assert f"{garbage}: not UTF-8 text" in result.output
    assert f"{tmp_path / 'missing.json'}: no such file" in result.output
    assert "Traceback" not in result.output
    assert _stored(store) == []


def test_parking_bad_static_record_is_reported_and_the_rest_goes_on(store):
    result = runner.invoke(app, ["parking", str(SITE), str(SPDP / "dynamic_kurhaus.json"), "--static",
                                 str(SPDP / "dynamic_kurhaus.json"), "--store", store])
    assert result.exit_code == 2
    assert "dynamic_kurhaus.json: not an SPDP static record" in result.output
    assert "1 records, 2 values stored" in result.output


def test_parking_over_http_and_a_404(store, server):
    result = runner.invoke(app, ["parking", str(SITE), f"{server}/spdp/dynamic_kurhaus.json",
                                 f"{server}/spdp/nothing-here.json", "--store", store])
    assert result.exit_code == 2
    assert f"{server}/spdp/dynamic_kurhaus.json: 1 records, 2 values stored" in result.output
    assert f"{server}/spdp/nothing-here.json: HTTP 404" in result.output
    assert len(_stored(store)) == 2


def test_parking_unreachable_url_is_one_clear_line(store):
    result = runner.invoke(app, ["parking", str(SITE), "http://127.0.0.1:9/dynamic.json", "--store", store])
    assert result.exit_code == 2
    assert "http://127.0.0.1:9/dynamic.json: cannot be fetched" in result.output


def test_weather_stores_the_hours_that_ended(store):
    result = runner.invoke(app, ["weather", str(SITE), str(METEO / "forecast_scheveningen_dst_switch.json"),
                                 "--until", "2026-10-25T12:00:00Z", "--store", store])
    assert result.exit_code == 0, result.output
    assert "74 hours 2026-10-23 21:00 to 2026-10-26 22:00 UTC; 39 ended by 2026-10-25 12:00 UTC" in result.output
    assert "35 hours ahead (for the forecaster, not stored)" in result.output
    stored = _stored(store)
    assert {s[0] for s in stored} == {"weather-openmeteo"}
    assert max(s[1] for s in stored) == "2026-10-25 11:00:00+00:00"


def test_weather_without_hourly_or_with_a_wrong_sensor_exits_2(store):
    result = runner.invoke(app, ["weather", str(SITE), str(METEO / "forecast_minimal__frenck-python-open-meteo.json"),
                                 "--store", store])
    assert result.exit_code == 2 and "no 'hourly' block" in result.output
    result = runner.invoke(app, ["weather", str(SITE), str(METEO / "forecast_subset__frenck-python-open-meteo.json"),
                                 "--sensor", "cam-pier", "--store", store])
    assert result.exit_code == 2 and "has no weather sensor 'cam-pier'" in result.output
    result = runner.invoke(app, ["weather", str(SITE), str(METEO / "forecast_subset__frenck-python-open-meteo.json"),
                                 "--until", "noon", "--store", store])
    assert result.exit_code == 2 and "--until: unparsable time 'noon'" in result.output
    assert _stored(store) == []


def test_weather_over_http(store, server):
    result = runner.invoke(app, ["weather", str(SITE), f"{server}/open_meteo/forecast_subset__frenck-python-open-meteo.json",
                                 "--store", store])
    assert result.exit_code == 0, result.output
    assert len(_stored(store)) == 12  # all four hours of the subset have ended


def test_events_prints_what_was_understood_and_left_out(tmp_path):
    result = runner.invoke(app, ["events", str(SITE), str(ICS / "scheveningen_events_2026.ics"),
                                 "--from", "2026-06-01", "--to", "2026-09-01"])
    assert result.exit_code == 1
    assert "scheveningen_events_2026.ics: 20 events from 2026-06-01 to 2026-09-01, 3 problems" in result.output
    assert ("2026-06-13 10:00 – 18:00  Vlaggetjesdag  [haven]  60,000 visitors  "
            "(id vlaggetjesdag-2026@evenementen.denhaag.example)") in result.output
    assert "2026-07-01 00:00 – 2026-09-01 00:00  Zandsculpturenfestijn  [boulevard]" in result.output
    assert "line 116: event UID 'sail-in-2026@evenementen.denhaag.example'" in result.output
    assert not (SITE / "events.toml").exists()


def test_events_write_merges_into_the_site_events_file(tmp_path):
    site = tmp_path / "site"
    shutil.copytree(SITE, site)
    (site / "events.toml").write_text(
        '[[event]]\nid = "kermis"\nname = "Kermis"\nstart = 2026-07-10T12:00:00+02:00\n'
        'end = 2026-07-10T23:00:00+02:00\nzones = ["haven"]\nexpected_visitors = 3000\n\n'
        '[[event]]\nid = "vlaggetjesdag-2026@evenementen.denhaag.example"\nname = "old"\n'
        'start = 2026-06-12T10:00:00+02:00\nend = 2026-06-12T18:00:00+02:00\nzones = ["haven"]\nexpected_visitors = 1\n')
    result = runner.invoke(app, ["events", str(site), str(ICS / "scheveningen_events_2026.ics"),
                                 "--from", "2026-06-01", "--to", "2026-09-01", "--write"])
    assert result.exit_code == 1 and f"written to {site / 'events.toml'}" in result.output
    events = {e.id: e for e in load_events(site)}
    assert len(events) == 21  # the 20 of the calendar and the kermis kept
    assert events["kermis"].expected_visitors == 3000
    assert events["vlaggetjesdag-2026@evenementen.denhaag.example"].expected_visitors == 60000


def test_events_defaults_and_bad_input(tmp_path):
    result = runner.invoke(app, ["events", str(SITE), str(ICS / "alarm_google_future.ics"), "--from", "2024-10-01",
                                 "--zones", "pier", "--visitors", "250"])
    assert result.exit_code == 0, result.output
    assert "1 events from 2024-10-01" in result.output
    result = runner.invoke(app, ["events", str(SITE), str(ICS / "alarm_google_future.ics"), "--zones", "strand"])
    assert result.exit_code == 2 and "default zone(s) 'strand' not in site 'feedtest'" in result.output
    result = runner.invoke(app, ["events", str(SITE), str(SPDP / "dynamic_kurhaus.json")])
    assert result.exit_code == 2 and "not an iCalendar file (no BEGIN:VCALENDAR)" in result.output
    result = runner.invoke(app, ["events", str(SITE), str(ICS / "parsing_error.ics"), "--from", "March"])
    assert result.exit_code == 2 and "--from: unparsable date 'March'" in result.output
    result = runner.invoke(app, ["events", str(tmp_path), str(ICS / "parsing_error.ics")])
    assert result.exit_code == 2 and "site.toml: missing file" in result.output
