"""iCalendar files -> planned events (fixtures: tests/sources/fixtures/icalendar)."""

from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from crowdsafety.sites import load_site
from crowdsafety.sources.events_toml import events_toml
from crowdsafety.sources.ical_events import read_events
from crowdsafety.sources.line_problems import FeedError
from crowdsafety.domain.events import PlannedEvent
from crowdsafety.sources.events_toml import load_events

FIXTURES = Path(__file__).parent / "fixtures"
ICS = FIXTURES / "icalendar"
AMS = ZoneInfo("Europe/Amsterdam")
SUMMER = (datetime(2026, 6, 1, tzinfo=AMS), datetime(2026, 9, 1, tzinfo=AMS))
ALL_TIME = (datetime(2000, 1, 1, tzinfo=AMS), datetime(2030, 1, 1, tzinfo=AMS))


@pytest.fixture(scope="module")
def site():
    return load_site(FIXTURES / "feed_site")


def _read(site, data, window=SUMMER, **kwargs):
    return read_events(site, data, file="cal.ics", start=window[0], end=window[1], **kwargs)


def _calendar(*events: str) -> str:
    body = "".join(f"BEGIN:VEVENT\r\n{e.strip()}\r\nEND:VEVENT\r\n".replace("\n", "\r\n").replace("\r\r", "\r")
                   for e in events)
    return f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//NL\r\n{body}END:VCALENDAR\r\n"


@pytest.fixture(scope="module")
def season(site):
    return _read(site, (ICS / "scheveningen_events_2026.ics").read_bytes())


def _by_name(found, name):
    return [e for e in found.events if e.name.startswith(name)]


def test_own_calendar_gives_every_occurrence_in_the_window(season):
    assert len(season.events) == 20
    assert all(e.start.tzinfo is not None and e.start < e.end for e in season.events)
    assert len({e.id for e in season.events}) == 20


def test_recurring_fireworks_with_a_changed_saturday(season):
    nights = _by_name(season, "Internationaal Vuurwerkfestival")
    assert [(e.start.isoformat(), e.expected_visitors) for e in nights] == [
        ("2026-08-14T21:00:00+02:00", 80000),
        ("2026-08-15T21:30:00+02:00", 110000),  # RECURRENCE-ID: moved half an hour, more visitors
        ("2026-08-21T21:00:00+02:00", 80000),
        ("2026-08-22T21:00:00+02:00", 80000),
    ]
    assert all(e.end - e.start == timedelta(hours=2) for e in nights)  # DURATION:PT2H
    assert nights[0].zones == ("pier", "kurhaus", "boulevard")  # escaped commas in X-CROWDSAFETY-ZONES
    assert nights[1].id.endswith("/20260815T2100")  # keyed by the slot it replaces


def test_folded_description_location_geo_all_day_and_floating(season):
    (flags,) = _by_name(season, "Vlaggetjesdag")
    assert flags.expected_visitors == 60000  # "Verwachte bez" / " oekers: 60.000" folded over two lines
    assert flags.zones == ("haven",)  # LOCATION "Haven, Scheveningen"
    (sand,) = _by_name(season, "Zandsculpturenfestijn")
    assert sand.zones == ("boulevard",)  # GEO inside the boulevard
    assert sand.expected_visitors == 250000  # "Expected visitors: ca. 250.000"
    assert (sand.start, sand.end) == (datetime(2026, 7, 1, tzinfo=AMS), datetime(2026, 9, 1, tzinfo=AMS))
    (concert,) = _by_name(season, "Zomeravondconcert")
    assert concert.start == datetime(2026, 8, 1, 20, 0, tzinfo=AMS)  # floating time: the site's clock
    assert concert.zones == ("kurhaus",)  # LOCATION = the zone's name


def test_windows_time_zone_name_and_exdate(season):
    markets = _by_name(season, "Zondagsmarkt")
    days = [e.start.date().isoformat() for e in markets]
    assert "2026-08-16" not in days and len(days) == 12  # 13 Sundays June 7 - August 30, one EXDATE
    assert all(e.start.utcoffset() == timedelta(hours=2) and e.start.hour == 10 for e in markets)


def test_events_without_zone_or_visitors_and_cancelled_ones_are_named(season):
    problems = {p.where: p.message for p in season.problems}
    assert len(problems) == 3
    assert problems["line 99"].startswith("event UID 'lezing-strandvondsten-2026@evenementen.denhaag.example' "
                                          "'Lezing strandvondsten': no zone: no X-CROWDSAFETY-ZONES, and LOCATION "
                                          "'Museum Beelden aan Zee, Harteveltstraat 1' matches none")
    assert "'Kitesurf demo bij de Pier': no expected visitors" in problems["line 108"]
    assert problems["line 116"].endswith("cancelled (STATUS:CANCELLED); event left out")


def test_line_endings_do_not_matter(site, season):
    lf = (ICS / "scheveningen_events_2026.ics").read_bytes().replace(b"\r\n", b"\n")
    assert _read(site, lf).events == season.events


def test_window_limits_the_occurrences(site):
    found = _read(site, (ICS / "scheveningen_events_2026.ics").read_bytes(),
                  window=(datetime(2026, 8, 15, tzinfo=AMS), datetime(2026, 8, 16, tzinfo=AMS)))
    # the finale night and the sand sculptures that span the whole summer
    assert {e.name for e in found.events} == {"Internationaal Vuurwerkfestival Scheveningen (finale zaterdag)",
                                              "Zandsculpturenfestijn"}


def test_real_google_calendar_event_in_utc_with_defaults(site):
    found = _read(site, (ICS / "alarm_google_future.ics").read_bytes(), window=ALL_TIME,
                  default_zones=("pier",), default_visitors=500)
    (event,) = found.events
    assert event.start == datetime(2024, 10, 4, 18, 15, tzinfo=timezone.utc)
    assert event.end == datetime(2024, 10, 4, 19, 0, tzinfo=timezone.utc)
    assert (event.zones, event.expected_visitors, event.id) == (("pier",), 500, "79fs7pkqvht9m5igs0vjv1sfra@google.com")


def test_real_calendar_without_defaults_names_the_missing_zone(site):
    found = _read(site, (ICS / "alarm_google_future.ics").read_bytes(), window=ALL_TIME)
    assert found.events == ()
    assert "'event with alarms': no zone: no X-CROWDSAFETY-ZONES, and no LOCATION or GEO" in found.problems[0].message


def test_real_exchange_calendar_with_a_windows_vtimezone(site):
    found = _read(site, (ICS / "issue_836_do_not_quote_tzid.ics").read_bytes(), window=ALL_TIME,
                  default_zones=("pier",), default_visitors=10)
    (event,) = found.events
    # 17:00 in the file's "Eastern Standard Time" (still summer time on 28 October 2024: UTC-4)
    assert event.start == datetime(2024, 10, 28, 21, 0, tzinfo=timezone.utc)


def test_real_calendar_with_time_zones_missing_from_the_file(site):
    found = _read(site, (ICS / "issue_722_missing_timezones.ics").read_bytes(), window=ALL_TIME,
                  default_zones=("haven",), default_visitors=10)
    first, rdate = found.events
    assert first.start == datetime(2014, 8, 29, 12, 0, tzinfo=timezone.utc)  # 08:00 America/New_York
    assert first.end == datetime(2014, 8, 29, 15, 0, tzinfo=timezone.utc)  # 08:00 America/Los_Angeles
    assert rdate.start == datetime(2024, 9, 13, 10, 0, tzinfo=timezone.utc)  # RDATE period, Europe/Berlin
    assert rdate.end - rdate.start == timedelta(hours=2)
    assert [p.where for p in found.problems] == ["line 9", "line 15"]
    assert all(p.message.endswith("no DTSTART; event left out") for p in found.problems)


def test_real_calendar_with_an_empty_exdate(site):
    found = _read(site, (ICS / "parsing_error.ics").read_bytes(), window=ALL_TIME,
                  default_zones=("pier",), default_visitors=10)
    days = [e.start.date().isoformat() for e in found.events]
    assert len(days) == 20 and "2008-03-11" not in days  # daily 3-23 March, EXDATE 11 March
    assert all(e.end - e.start == timedelta(days=1) for e in found.events)
    (problem,) = found.problems
    assert problem.where == "line 13" and "EXDATE cannot be read" in problem.message


def test_real_exchange_rrule_with_spaces_is_named(site):
    found = _read(site, (ICS / "issue_165_missing_event.ics").read_bytes(), window=ALL_TIME,
                  default_zones=("pier",), default_visitors=10)
    assert found.events == ()
    assert str(found.problems[0]) == ("cal.ics: line 20: event 'Sprint 25 Daily Standup': RRULE cannot be read "
                                      "(Expected weekday abbreviation, got:  TU); event left out")


def test_unknown_tzid_is_read_in_the_site_time_zone_and_said(site):
    found = _read(site, _calendar("""UID:x
SUMMARY:Custom zone
DTSTART;TZID=Scheveningen Local:20260814T210000
DTEND;TZID=Scheveningen Local:20260814T230000
X-CROWDSAFETY-ZONES:pier
X-EXPECTED-VISITORS:1000"""))
    (event,) = found.events
    assert event.start == datetime(2026, 8, 14, 21, 0, tzinfo=AMS)
    assert "TZID 'Scheveningen Local' is neither a known time zone nor defined in the file" in found.problems[0].message


@pytest.mark.parametrize("lines, expected", [
    ("X-CROWDSAFETY-ZONES:pier,strand_bad\nX-EXPECTED-VISITORS:10", "X-CROWDSAFETY-ZONES: unknown zone(s) 'strand_bad'"),
    ("X-CROWDSAFETY-ZONES:pier\nX-EXPECTED-VISITORS:many", "X-EXPECTED-VISITORS: expected visitors 'many' is not a whole number"),
    ("X-CROWDSAFETY-ZONES:pier\nDESCRIPTION:Verwachte bezoekers: 1.5 duizend", "DESCRIPTION: expected visitors '1.5' is not"),
    ("GEO:52.0;4.0\nX-EXPECTED-VISITORS:10", "GEO 52.0;4.0 matches none of the site's zones"),
])
def test_bad_zones_or_visitors_leave_the_event_out(site, lines, expected):
    found = _read(site, _calendar(f"UID:bad\nSUMMARY:Bad\nDTSTART:20260814T210000Z\nDTEND:20260814T230000Z\n{lines}"))
    assert found.events == ()
    assert expected in found.problems[0].message and found.problems[0].where == "line 4"


def test_bad_times_leave_the_event_out_and_others_are_used(site):
    good = "UID:good\nSUMMARY:Good\nDTSTART:20260814T210000Z\nDTEND:20260814T230000Z\nLOCATION:Haven\nX-EXPECTED-VISITORS:1 000"
    found = _read(site, _calendar(
        good,
        "UID:backwards\nSUMMARY:Backwards\nDTSTART:20260814T230000Z\nDTEND:20260814T210000Z\nLOCATION:Haven\nX-EXPECTED-VISITORS:9",
        "UID:instant\nSUMMARY:Instant\nDTSTART:20260814T230000Z\nLOCATION:Haven\nX-EXPECTED-VISITORS:9",
        "UID:nostart\nSUMMARY:No start\nLOCATION:Haven\nX-EXPECTED-VISITORS:9",
    ))
    assert [(e.id, e.expected_visitors) for e in found.events] == [("good", 1000)]
    messages = [p.message for p in found.problems]
    assert "DTEND 20260814T210000Z is not after DTSTART 20260814T230000Z; event left out" in messages[0]
    assert "no duration (no DTEND or DURATION, or one that ends at the start)" in messages[1]
    assert messages[2].endswith("no DTSTART; event left out")


@pytest.mark.parametrize("data, expected", [
    (b"", "cal.ics: empty"),
    (b"\xff\xd8\xff\xe0 JFIF", "cal.ics: not UTF-8 text"),
    (b"Subject: fireworks tonight\r\n", "cal.ics: not an iCalendar file (no BEGIN:VCALENDAR)"),
    (b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\nDTSTART:2026", "cal.ics: no complete calendar"),
    (b"BEGIN:VCALENDAR\r\n\x00\x01 binary junk\r\nEND:VCALENDAR\r\n", "cal.ics: not readable as iCalendar"),
])
def test_unreadable_files_are_one_clear_error(site, data, expected):
    with pytest.raises(FeedError) as info:
        _read(site, data)
    assert str(info.value).startswith(expected)


def test_unknown_default_zone_is_refused(site):
    with pytest.raises(FeedError, match="default zone\\(s\\) 'strand' not in site 'feedtest'"):
        _read(site, _calendar("UID:x"), default_zones=("strand",))


def test_events_toml_is_read_back_by_load_events(tmp_path, season):
    odd = PlannedEvent('quote "and" \\ backslash\x7f', "Vuurwerk 🎆 — finale", season.events[0].start,
                       season.events[0].end, ("pier",), 5)
    path = tmp_path / "events.toml"
    path.write_text(events_toml([*season.events, odd], header="written by a test\nsecond line"), encoding="utf-8")
    assert load_events(path) == (*season.events, odd)
