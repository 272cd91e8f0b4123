"""Scheduled tram/bus calls per line, stop and hour of the week, from a GTFS static feed folder.

A call is one vehicle of a line stopping at a stop. Uses ``routes.txt``, ``trips.txt``,
``stop_times.txt``, and where present ``frequencies.txt`` (a template trip repeated every
``headway_secs`` from ``start_time`` to before ``end_time``) and ``calendar.txt`` (the weekdays a
service runs; without it every day). Times past 24:00 fall on the next day. The hour of the week
is local service time: 0 is Monday 00:00-01:00, 167 Sunday 23:00-24:00. The calendar's date
range is not applied: the week is taken as the pattern of the whole year.
"""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

from crowdsafety.sources.line_problems import FeedError

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
Cell = tuple[str, str, int]  # (line, stop_id, hour of week)


def weekly_calls(feed: Path) -> Counter[Cell]:
    """Calls a week per (line label, stop_id, hour of week) in the feed folder ``feed``."""
    routes = _table(feed, "routes.txt")
    label = {r["route_id"]: r.get("route_short_name") or r["route_id"] for _, r in routes}
    days = _service_days(feed)
    trips = {r["trip_id"]: (label[r["route_id"]], days.get(r["service_id"], tuple(range(7))))
             for _, r in _table(feed, "trips.txt")}
    stops: dict[str, list[tuple[int, int, str]]] = {}
    for line, r in _table(feed, "stop_times.txt"):
        seconds = _seconds(r.get("arrival_time") or r["departure_time"], "stop_times.txt", line)
        stops.setdefault(r["trip_id"], []).append((int(r["stop_sequence"]), seconds, r["stop_id"]))
    starts: dict[str, list[int]] = {}
    if (feed / "frequencies.txt").exists():
        for line, r in _table(feed, "frequencies.txt"):
            first, end = (_seconds(r[c], "frequencies.txt", line) for c in ("start_time", "end_time"))
            starts.setdefault(r["trip_id"], []).extend(range(first, end, int(r["headway_secs"])))
    calls: Counter[Cell] = Counter()
    for trip_id, calling in stops.items():
        if trip_id not in trips:
            raise FeedError(f"{feed}/stop_times.txt: unknown trip {trip_id!r}")
        route, weekdays = trips[trip_id]
        calling.sort()
        origin = calling[0][1]
        for start in starts.get(trip_id, [origin]):
            for _, seconds, stop_id in calling:
                hour = (start + seconds - origin) // 3600
                for weekday in weekdays:
                    calls[(route, stop_id, (weekday * 24 + hour) % 168)] += 1
    return calls


def _service_days(feed: Path) -> dict[str, tuple[int, ...]]:
    if not (feed / "calendar.txt").exists():
        return {}
    return {r["service_id"]: tuple(i for i, day in enumerate(WEEKDAYS) if r[day] == "1")
            for _, r in _table(feed, "calendar.txt")}


def _table(feed: Path, name: str) -> list[tuple[int, dict[str, str]]]:
    try:
        with (feed / name).open(encoding="utf-8-sig", newline="") as f:
            return [(n, {k.strip(): (v or "").strip() for k, v in row.items() if k})
                    for n, row in enumerate(csv.DictReader(f), start=2)]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise FeedError(f"{feed}/{name}: cannot be read ({exc})") from None


def _seconds(text: str, name: str, line: int) -> int:
    try:
        h, m, s = (int(x) for x in text.split(":"))
    except ValueError:
        raise FeedError(f"{name}:{line}: time {text[:20]!r} is not HH:MM:SS") from None
    return h * 3600 + m * 60 + s
