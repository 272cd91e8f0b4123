"""Planned events from an iCalendar (RFC 5545, ``.ics``) file.

Every VEVENT becomes a :class:`PlannedEvent` (the type the site's ``events.toml`` gives), one
per occurrence within a window: RRULE, RDATE, EXDATE and RECURRENCE-ID are expanded with
``recurring-ical-events``. What is read, in order of preference:

- **zones**: ``X-CROWDSAFETY-ZONES`` (zone ids or names, comma-separated; an unknown one is a
  problem); else the parts of ``LOCATION`` (split at commas and semicolons) that are a zone id or
  name, case-insensitive ("Pier, Scheveningen" → pier); else the zones that contain ``GEO``.
- **expected visitors** over the whole event: ``X-EXPECTED-VISITORS``; else a line of
  ``DESCRIPTION`` reading ``Expected visitors: N`` or ``Verwachte bezoekers: N`` (also
  ``Verwacht aantal bezoekers``; N may carry thousands separators, "80.000", and "ca." before it).
- **times**: a date-time with a TZID (an IANA name, a Windows name such as "W. Europe Standard
  Time", or one defined by a VTIMEZONE in the file) or in UTC as given; floating times, and
  all-day dates (from local midnight to the end date, exclusive), in the site's time zone. A
  TZID that is neither known nor defined in the file is read in the site's time zone, and said so.

An event without zones, without expected visitors, without DTSTART or an end (DTEND, DURATION
or an all-day date), with a property iCalendar cannot read, or cancelled (``STATUS:CANCELLED``)
is left out and named in ``problems`` with its line, UID and SUMMARY; the others are used. A file
that is no iCalendar at all (or is cut off before ``END:VCALENDAR``) raises :class:`FeedError`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events
import shapely

from crowdsafety.domain import Site
from crowdsafety.domain.events import PlannedEvent
from crowdsafety.sources.feed_problems import FeedProblem
from crowdsafety.sources.feed_text import decode_text
from crowdsafety.sources.line_problems import FeedError

ZONES_PROPERTY = "X-CROWDSAFETY-ZONES"
VISITORS_PROPERTY = "X-EXPECTED-VISITORS"
_VISITORS_LINE = re.compile(
    r"^\s*(?:expected visitors|verwachte bezoekers|verwacht aantal bezoekers)\s*[:=]\s*(?:ca\.?|~)?\s*(\S+)",
    re.IGNORECASE | re.MULTILINE)
_WHOLE = re.compile(r"\d{1,3}(?:([.,\u00a0 ])\d{3})(?:\1\d{3})*|\d+")
#: Recurrence no planned event has, and whose expansion takes minutes (FREQ=SECONDLY over a
#: year: millions of occurrences): such a series is left out before it is expanded.
_TOO_OFTEN = {"SECONDLY", "MINUTELY"}


@dataclass(frozen=True)
class CalendarEvents:
    """The planned events of ``file`` in the window asked for, and what was left out and why."""

    file: str
    events: tuple[PlannedEvent, ...]
    problems: tuple[FeedProblem, ...]


class _Bad(Exception):
    """One event (or occurrence) cannot be used; the message says why."""


def read_events(site: Site, data: bytes | str, *, file: str, start: datetime, end: datetime,
                default_zones: tuple[str, ...] = (), default_visitors: int | None = None) -> CalendarEvents:
    """Planned events of the occurrences in ``data`` that overlap [start, end) (tz-aware).

    ``default_zones`` (zone ids) and ``default_visitors`` stand in for events that name none
    (a venue's calendar, say, whose events are all in one place)."""
    text = decode_text(data, file)
    if "BEGIN:VCALENDAR" not in text.upper():
        raise FeedError(f"{file}: not an iCalendar file (no BEGIN:VCALENDAR)")
    try:
        calendars = icalendar.Calendar.from_ical(text, multiple=True)
    except ValueError as exc:
        raise FeedError(f"{file}: not readable as iCalendar: {exc}") from None
    if not calendars:
        raise FeedError(f"{file}: no complete calendar (BEGIN:VCALENDAR ... END:VCALENDAR); cut off?")
    lines = _vevent_lines(text)
    unknown = [z for z in default_zones if z not in {zone.id for zone in site.zones}]
    if unknown:
        raise FeedError(f"default zone(s) {', '.join(map(repr, unknown))} not in site {site.id!r}")
    reader = _Reader(site, file, start, end, tuple(default_zones), default_visitors)
    vevents = [(cal, c) for cal in calendars for c in cal.subcomponents if c.name == "VEVENT"]
    numbered = [(lines[i] if len(lines) == len(vevents) else None, cal, c) for i, (cal, c) in enumerate(vevents)]
    for group in _by_uid(numbered):
        reader.read_group(group)
    if not vevents:
        reader.problems.append(FeedProblem(file, "", "the calendar holds no VEVENT"))
    events = sorted(reader.events, key=lambda e: (e.start, e.id))
    return CalendarEvents(file, tuple(events), tuple(reader.problems))


def _vevent_lines(text: str) -> list[int]:
    """1-based numbers of the physical lines that begin a VEVENT, in order."""
    return [n for n, line in enumerate(text.splitlines(), start=1) if line.strip().upper() == "BEGIN:VEVENT"]


def _by_uid(numbered: list[tuple[int | None, Any, Any]]) -> list[list[tuple[int | None, Any, Any]]]:
    """VEVENTs grouped by UID (a series and its changed occurrences); one without UID alone."""
    groups: dict[str, list[tuple[int | None, Any, Any]]] = {}
    for i, item in enumerate(numbered):
        uid = item[2].get("UID")
        groups.setdefault(f"uid:{uid}" if uid else f"#{i}", []).append(item)
    return list(groups.values())


class _Reader:
    def __init__(self, site: Site, file: str, start: datetime, end: datetime,
                 default_zones: tuple[str, ...], default_visitors: int | None):
        self.site, self.file, self.start, self.end = site, file, start, end
        self.default_zones, self.default_visitors = default_zones, default_visitors
        self.zone = ZoneInfo(site.timezone)
        self.events: list[PlannedEvent] = []
        self.problems: list[FeedProblem] = []
        self.names = {z.id.casefold(): z.id for z in site.zones} | {z.name.casefold(): z.id for z in site.zones}

    def read_group(self, group: list[tuple[int | None, Any, Any]]) -> None:
        line, calendar, master = next((g for g in group if "RECURRENCE-ID" not in g[2]), group[0])
        where = f"line {line}" if line else ""
        label = _label(master)
        try:
            self._check(group, master)
            occurrences = self._expand(calendar, [g[2] for g in group])
        except _Bad as exc:
            self.problems.append(FeedProblem(self.file, where, f"{label}: {exc}; event left out"))
            return
        seen: dict[str, int] = {}
        recurring = len(occurrences) > 1 or any(k in master for k in ("RRULE", "RDATE"))
        for occurrence in occurrences:
            try:
                self.events.append(self._event(occurrence, master, recurring, seen, line))
            except _Bad as exc:
                seen[str(exc)] = seen.get(str(exc), 0) + 1
        for message, count in seen.items():
            times = f" ({count} occurrences)" if count > 1 else ""
            self.problems.append(FeedProblem(self.file, where, f"{label}: {message}{times}"))

    def _check(self, group: list[tuple[int | None, Any, Any]], master: Any) -> None:
        for _, _, component in group:
            for name, message in getattr(component, "errors", []):
                raise _Bad(f"{name} cannot be read ({message})")
            if "DTSTART" not in component:
                raise _Bad("no DTSTART")
            twice = [n for n in ("DTSTART", "DTEND", "DURATION", "RECURRENCE-ID") if isinstance(component.get(n), list)]
            if twice:
                raise _Bad(f"{', '.join(twice)} given more than once")
            if "DTEND" in component and _not_before(component["DTEND"].dt, component["DTSTART"].dt):
                raise _Bad(f"DTEND {component['DTEND'].to_ical().decode()} is not after "
                           f"DTSTART {component['DTSTART'].to_ical().decode()}")
            if rule := _too_often(component):
                raise _Bad(f"RRULE {rule} repeats more often than hourly, as no planned event does")
        if str(master.get("STATUS", "")).upper() == "CANCELLED":
            raise _Bad("cancelled (STATUS:CANCELLED)")

    def _expand(self, calendar: Any, components: list[Any]) -> list[Any]:
        """The occurrences of one series within the window."""
        single = icalendar.Calendar()
        for key, value in calendar.items():
            single[key] = value
        for component in calendar.subcomponents:
            if component.name == "VTIMEZONE":
                single.add_component(component)
        for component in components:
            single.add_component(component)
        try:
            return list(recurring_ical_events.of(single).between(self.start, self.end))
        except Exception as exc:  # the library raises many types on malformed rules
            raise _Bad(f"its dates cannot be worked out ({type(exc).__name__}: {exc})") from None

    def _event(self, occurrence: Any, master: Any, recurring: bool, notes: dict[str, int],
               line: int | None) -> PlannedEvent:
        start = self._time(occurrence["DTSTART"], master, notes)
        end = self._time(occurrence["DTEND"], master, notes) if "DTEND" in occurrence else start
        if not start < end:
            raise _Bad("no duration (no DTEND or DURATION, or one that ends at the start); occurrence left out")
        zones = self._zones(occurrence)
        visitors = _visitors(occurrence, self.default_visitors)
        uid = str(master.get("UID") or f"{_slug(str(master.get('SUMMARY') or 'event'))}-line{line}")
        slot = self._time(occurrence["RECURRENCE-ID"], master, {}) if "RECURRENCE-ID" in occurrence else start
        identifier = f"{uid}/{slot.astimezone(self.zone):%Y%m%dT%H%M}" if recurring else uid
        name = str(occurrence.get("SUMMARY") or uid)
        return PlannedEvent(identifier, name, start.astimezone(self.zone), end.astimezone(self.zone), zones, visitors)

    def _time(self, prop: Any, master: Any, notes: dict[str, int]) -> datetime:
        value = prop.dt
        if not isinstance(value, datetime):  # an all-day date
            assert isinstance(value, date)
            return datetime.combine(value, time(), tzinfo=self.zone)
        if value.tzinfo is not None:
            return value
        tzid = master["DTSTART"].params.get("TZID") if "DTSTART" in master else None
        if tzid:
            note = (f"TZID {tzid!r} is neither a known time zone nor defined in the file; "
                    f"times read in the site's time zone ({self.site.timezone})")
            notes[note] = notes.get(note, 0) + 1
        return value.replace(tzinfo=self.zone)

    def _zones(self, event: Any) -> tuple[str, ...]:
        if ZONES_PROPERTY in event:
            parts = [p.strip() for p in re.split(r"[,;]", str(event[ZONES_PROPERTY]).replace("\\", "")) if p.strip()]
            unknown = [p for p in parts if p.casefold() not in self.names]
            if unknown or not parts:
                raise _Bad(f"{ZONES_PROPERTY}: unknown zone(s) {', '.join(map(repr, unknown)) or '(none given)'} "
                           f"(zones: {', '.join(z.id for z in self.site.zones)}); occurrence left out")
            return _unique(self.names[p.casefold()] for p in parts)
        location = str(event.get("LOCATION") or "")
        parts = [location.strip()] + [p.strip() for p in re.split(r"[,;]", location)]
        zones = _unique(self.names[p.casefold()] for p in parts if p.casefold() in self.names)
        if zones:
            return zones
        if "GEO" in event:
            point = shapely.Point(event["GEO"].longitude, event["GEO"].latitude)
            zones = _unique(z.id for z in self.site.zones if shapely.geometry.shape(z.geometry).covers(point))
            if zones:
                return zones
        if self.default_zones:
            return self.default_zones
        given = [f"LOCATION {location!r}"] if location else []
        given += [f"GEO {event['GEO'].latitude};{event['GEO'].longitude}"] if "GEO" in event else []
        verb = "match" if len(given) > 1 else "matches"
        found = f"{' and '.join(given)} {verb} none of the site's zones" if given else "no LOCATION or GEO"
        raise _Bad(f"no zone: no {ZONES_PROPERTY}, and {found}; occurrence left out")


def _visitors(event: Any, default: int | None) -> int:
    if VISITORS_PROPERTY in event:
        raw, source = str(event[VISITORS_PROPERTY]).strip(), VISITORS_PROPERTY
    elif found := _VISITORS_LINE.search(str(event.get("DESCRIPTION") or "")):
        raw, source = found.group(1).rstrip(".,;"), "DESCRIPTION"
    elif default is not None:
        return default
    else:
        raise _Bad(f"no expected visitors: no {VISITORS_PROPERTY} and no 'Expected visitors: N' or "
                   "'Verwachte bezoekers: N' line in DESCRIPTION; occurrence left out")
    if not _WHOLE.fullmatch(raw):
        raise _Bad(f"{source}: expected visitors {raw!r} is not a whole number; occurrence left out")
    return int(re.sub(r"\D", "", raw))


def _too_often(component: Any) -> str | None:
    """The text of an RRULE repeating every second or minute (or at several seconds or minutes
    of its period), else None."""
    rules = component.get("RRULE")
    for rule in rules if isinstance(rules, list) else [rules] if rules is not None else []:
        if ({str(f).upper() for f in rule.get("FREQ", [])} & _TOO_OFTEN
                or len(rule.get("BYSECOND", [])) > 1 or len(rule.get("BYMINUTE", [])) > 1):
            return rule.to_ical().decode()
    return None


def _not_before(end: Any, start: Any) -> bool:
    """Whether ``end`` is at or before ``start`` (False where the two cannot be compared)."""
    try:
        return bool(end <= start)
    except TypeError:
        return False


def _label(component: Any) -> str:
    uid, summary = component.get("UID"), component.get("SUMMARY")
    parts = [f"UID {str(uid)!r}"] if uid else []
    parts += [f"{str(summary)!r}"] if summary else []
    return "event " + (" ".join(parts) if parts else "without UID or SUMMARY")


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "event"

