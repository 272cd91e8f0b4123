"""Public-transport stops from a GTFS static feed (a folder or a ``.zip``).

Reads ``stops.txt`` (UTF-8 with or without a byte-order mark, quoted fields, optional columns)
with its ``location_type`` (0 stop or platform, 1 station, 2 entrance, 3 generic node, 4 boarding
area) and ``parent_station``. When ``routes.txt``, ``trips.txt`` and ``stop_times.txt`` are all
there it also works out which routes call at each stop; a station gets the routes of its
platforms. :func:`stops_geojson` turns the stops into a GeoJSON map layer (WGS84).

A file that cannot be read at all raises :class:`FeedError`; a bad line is left out and named in
``problems`` (file, line, column, why). Reference: https://gtfs.org/documentation/schedule/reference/
"""

from __future__ import annotations

import csv
import math
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO, Any, Iterable

from crowdsafety.sources.line_problems import FeedError, LineProblem

#: GTFS ``location_type`` codes and the words used for them in the map layer.
LOCATION_TYPES = {0: "stop", 1: "station", 2: "entrance", 3: "node", 4: "boarding_area"}
ROUTE_FILES = ("routes.txt", "trips.txt", "stop_times.txt")
MAX_PROBLEMS = 1000  # further problems are counted in one closing line


@dataclass(frozen=True)
class TransitStop:
    """One row of ``stops.txt``; ``lat``/``lon`` in degrees WGS84, ``routes`` the labels of the
    routes that call there (short name, else long name, else route id)."""

    stop_id: str
    name: str
    location_type: int = 0
    lat: float | None = None
    lon: float | None = None
    code: str | None = None
    parent_station: str | None = None
    platform_code: str | None = None
    routes: tuple[str, ...] = ()


@dataclass(frozen=True)
class GtfsStops:
    """The stops of a feed, the lines left out, and whether routes per stop could be worked out."""

    feed: str
    stops: tuple[TransitStop, ...]
    problems: tuple[LineProblem, ...]
    has_routes: bool


class _TableError(Exception):
    """A table file cannot be read on (``line`` 0: the file as a whole)."""

    def __init__(self, file: str, line: int, message: str):
        self.problem = LineProblem(file, line, message)
        super().__init__(str(self.problem) if line else f"{file}: {message}")


def read_gtfs_stops(feed: str | Path) -> GtfsStops:
    """Read the stops (and, when present, the routes serving them) of the GTFS feed at ``feed``."""
    with _Feed.open(Path(feed)) as tables:
        problems = _Problems()
        try:
            stops, lines = _read_stops(tables, problems)
        except _TableError as exc:
            raise FeedError(f"{feed}: {exc}") from None
        _check_parents(stops, lines, problems)
        routes = _routes_by_stop(tables, stops, problems)
    if routes is not None:
        for stop_id, stop in stops.items():
            serving = routes.get(stop_id, set())
            if stop.location_type == 1:
                serving = serving.union(*(routes.get(s.stop_id, set()) for s in stops.values()
                                          if s.parent_station == stop_id))
            stops[stop_id] = replace(stop, routes=tuple(sorted(serving, key=_natural)))
    return GtfsStops(str(feed), tuple(stops.values()), tuple(problems.items), routes is not None)


def stops_geojson(stops: Iterable[TransitStop]) -> dict[str, Any]:
    """A GeoJSON FeatureCollection of the stops that have a position ([lon, lat], WGS84)."""
    features = []
    for stop in stops:
        if stop.lat is None or stop.lon is None:
            continue
        properties = {
            "stop_id": stop.stop_id, "name": stop.name, "code": stop.code,
            "location_type": LOCATION_TYPES[stop.location_type], "parent_station": stop.parent_station,
            "platform_code": stop.platform_code, "routes": list(stop.routes),
        }
        features.append({
            "type": "Feature",
            "properties": {k: v for k, v in properties.items() if v is not None},
            "geometry": {"type": "Point", "coordinates": [stop.lon, stop.lat]},
        })
    return {"type": "FeatureCollection", "features": features}


# -- stops.txt --------------------------------------------------------------------------------


def _read_stops(tables: _Feed, problems: _Problems) -> tuple[dict[str, TransitStop], dict[str, int]]:
    if not tables.has("stops.txt"):
        raise _TableError("stops.txt", 0, "missing from the feed (a GTFS feed needs stops.txt)")
    stops: dict[str, TransitStop] = {}
    lines: dict[str, int] = {}
    for line, row in tables.rows("stops.txt", required=("stop_id",), problems=problems):
        try:
            stop = _stop(row)
        except _BadCell as exc:
            problems.add(LineProblem("stops.txt", line, exc.message, exc.column))
            continue
        if stop.stop_id in stops:
            problems.add(LineProblem("stops.txt", line, f"duplicate stop_id {stop.stop_id!r} (first on line "
                                     f"{lines[stop.stop_id]})", "stop_id"))
            continue
        stops[stop.stop_id] = stop
        lines[stop.stop_id] = line
    return stops, lines


class _BadCell(Exception):
    def __init__(self, column: str, message: str):
        self.column, self.message = column, message


def _stop(row: dict[str, str]) -> TransitStop:
    stop_id = row.get("stop_id", "")
    if not stop_id:
        raise _BadCell("stop_id", "is empty")
    location_type = _location_type(row.get("location_type", ""))
    positioned = location_type in (0, 1, 2)  # the spec requires a name and a position for these
    name = row.get("stop_name", "")
    if positioned and not name:
        raise _BadCell("stop_name", f"is required for a {LOCATION_TYPES[location_type]}")
    lat = _degrees(row, "stop_lat", 90.0, required=positioned)
    lon = _degrees(row, "stop_lon", 180.0, required=positioned)
    if (lat is None) != (lon is None):
        raise _BadCell("stop_lon" if lon is None else "stop_lat", "is empty while the other coordinate is given")
    parent = row.get("parent_station") or None
    if location_type == 1 and parent:
        raise _BadCell("parent_station", "a station (location_type 1) cannot have a parent station")
    if location_type in (2, 3, 4) and not parent:
        raise _BadCell("parent_station", f"is required for a {LOCATION_TYPES[location_type]}")
    return TransitStop(
        stop_id=stop_id, name=name, location_type=location_type, lat=lat, lon=lon,
        code=row.get("stop_code") or None, parent_station=parent,
        platform_code=row.get("platform_code") or None,
    )


def _location_type(text: str) -> int:
    if text == "":
        return 0
    if text in {str(t) for t in LOCATION_TYPES}:
        return int(text)
    raise _BadCell("location_type", f"must be one of 0-4 or empty, got {text[:40]!r}")


def _degrees(row: dict[str, str], column: str, limit: float, *, required: bool) -> float | None:
    text = row.get(column, "")
    if text == "":
        if required:
            raise _BadCell(column, "is required (degrees, WGS84)")
        return None
    try:
        value = float(text)
    except ValueError:
        raise _BadCell(column, f"must be a number of degrees, got {text[:40]!r}") from None
    if not math.isfinite(value) or abs(value) > limit:
        raise _BadCell(column, f"must lie within ±{limit:g} degrees, got {text[:40]!r}")
    return value


def _check_parents(stops: dict[str, TransitStop], lines: dict[str, int], problems: _Problems) -> None:
    """A platform, entrance or node hangs under a station, a boarding area under a platform;
    a wrong parent is reported and dropped, the stop kept."""
    for stop_id, stop in list(stops.items()):
        if stop.parent_station is None:
            continue
        parent = stops.get(stop.parent_station)
        wanted = 0 if stop.location_type == 4 else 1
        if parent is None:
            message = f"unknown stop {stop.parent_station!r}"
        elif parent.location_type != wanted:
            message = (f"{stop.parent_station!r} is a {LOCATION_TYPES[parent.location_type]}, "
                       f"a {LOCATION_TYPES[stop.location_type]}'s parent must be a {LOCATION_TYPES[wanted]}")
        else:
            continue
        problems.add(LineProblem("stops.txt", lines[stop_id], message, "parent_station"))
        stops[stop_id] = replace(stop, parent_station=None)


# -- routes per stop ---------------------------------------------------------------------------


def _routes_by_stop(tables: _Feed, stops: dict[str, TransitStop], problems: _Problems) -> dict[str, set[str]] | None:
    """Stop id -> labels of the routes whose trips call there; None without the three files."""
    if not all(tables.has(name) for name in ROUTE_FILES):
        return None
    try:
        labels = {row["route_id"]: row.get("route_short_name") or row.get("route_long_name") or row["route_id"]
                  for _, row in tables.rows("routes.txt", required=("route_id",), problems=problems,
                                              only=("route_id", "route_short_name", "route_long_name"))}
        route_of_trip: dict[str, str] = {}
        for line, row in tables.rows("trips.txt", required=("trip_id", "route_id"), problems=problems,
                                      only=("trip_id", "route_id")):
            if row["route_id"] not in labels:
                problems.add(LineProblem("trips.txt", line, f"unknown route {row['route_id']!r}", "route_id"))
                continue
            route_of_trip[row["trip_id"]] = labels[row["route_id"]]
        serving: dict[str, set[str]] = {}
        for line, row in tables.rows("stop_times.txt", required=("trip_id", "stop_id"), problems=problems,
                                      only=("trip_id", "stop_id")):
            route = route_of_trip.get(row["trip_id"])
            if route is None:
                problems.add(LineProblem("stop_times.txt", line, f"unknown trip {row['trip_id']!r}", "trip_id"))
            elif row["stop_id"] not in stops:
                problems.add(LineProblem("stop_times.txt", line, f"unknown stop {row['stop_id']!r}", "stop_id"))
            else:
                serving.setdefault(row["stop_id"], set()).add(route)
    except _TableError as exc:
        problems.add(replace(exc.problem, message=exc.problem.message + "; routes per stop left out"))
        return None
    return serving


def _natural(label: str) -> tuple[int, int, str]:
    """Sort key: numeric labels by number (1, 9, 11), then the others alphabetically."""
    return (0, int(label), "") if label.isdigit() else (1, 0, label)


# -- reading the feed's tables -----------------------------------------------------------------


class _Problems:
    def __init__(self) -> None:
        self.items: list[LineProblem] = []
        self.dropped = 0

    def add(self, problem: LineProblem) -> None:
        if len(self.items) < MAX_PROBLEMS:
            self.items.append(problem)
            return
        self.dropped += 1
        summary = LineProblem(problem.file, problem.line, f"... and {self.dropped} more problems not listed")
        if len(self.items) == MAX_PROBLEMS:
            self.items.append(summary)
        else:
            self.items[-1] = summary


class _Feed:
    """The table files of a feed folder or zip archive (files at the top or in one folder)."""

    def __init__(self, location: str, members: dict[str, Any], archive: zipfile.ZipFile | None = None):
        self.location, self._members, self._archive = location, members, archive

    @classmethod
    def open(cls, path: Path) -> _Feed:
        if path.is_dir():
            return cls(str(path), {p.name: p for p in path.iterdir() if p.is_file() and p.suffix == ".txt"})
        if not path.is_file():
            raise FeedError(f"{path}: no such folder or file")
        try:
            archive = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError) as exc:
            raise FeedError(f"{path}: not a GTFS folder or zip archive ({exc})") from None
        infos = [i for i in archive.infolist() if not i.is_dir() and i.filename.endswith(".txt")]
        top = {i.filename.rsplit("/", 1)[-1]: i for i in infos if i.filename.count("/") <= 1}
        return cls(str(path), top, archive)

    def __enter__(self) -> _Feed:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._archive is not None:
            self._archive.close()

    def has(self, name: str) -> bool:
        return name in self._members

    def rows(self, name: str, *, required: tuple[str, ...], problems: _Problems,
             only: tuple[str, ...] | None = None) -> Iterator[tuple[int, dict[str, str]]]:
        """(line, row) of table ``name`` with every column (or ``only`` those); cells stripped,
        missing trailing cells empty."""
        with self._open(name) as raw:
            reader = csv.reader(_decoded(name, raw))
            header = self._header(name, reader, required)
            wanted = [(h, i) for i, h in enumerate(header) if only is None or h in only]
            line = 1
            while True:
                first = line + 1
                try:
                    cells = next(reader)
                except StopIteration:
                    return
                except csv.Error as exc:
                    line = reader.line_num
                    problems.add(LineProblem(name, first, f"unreadable CSV ({exc})"))
                    continue
                line = reader.line_num
                if not any(cells):
                    continue
                n = len(cells)
                if n > len(header):
                    problems.add(LineProblem(name, first, f"{n} cells, the header has {len(header)}"))
                    continue
                yield first, {h: cells[i].strip() if i < n else "" for h, i in wanted}

    def _open(self, name: str) -> IO[bytes]:
        member = self._members[name]
        try:
            return self._archive.open(member) if self._archive is not None else open(member, "rb")
        except (OSError, zipfile.BadZipFile, RuntimeError) as exc:
            raise _TableError(name, 0, f"cannot be read ({exc})") from None

    @staticmethod
    def _header(name: str, reader: Any, required: tuple[str, ...]) -> list[str]:
        try:
            header = [h.strip() for h in next(reader)]
        except StopIteration:
            raise _TableError(name, 1, "empty file, a header line is needed") from None
        except csv.Error as exc:
            raise _TableError(name, 1, f"unreadable header ({exc})") from None
        missing = [c for c in required if c not in header]
        if missing:
            raise _TableError(name, 1, f"header lacks column(s) {', '.join(missing)}")
        twice = sorted({h for h in header if header.count(h) > 1})
        if twice:
            raise _TableError(name, 1, f"column(s) {', '.join(twice)} appear twice in the header")
        return header


def _decoded(name: str, raw: IO[bytes]) -> Iterator[str]:
    """The lines of a UTF-8 file (a leading byte-order mark dropped), line endings kept."""
    number = 0
    lines = iter(raw)
    while True:
        number += 1
        try:
            data = next(lines)
        except StopIteration:
            return
        except (OSError, EOFError, zipfile.BadZipFile, zlib.error) as exc:
            raise _TableError(name, number, f"cannot be read on ({exc})") from None
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise _TableError(name, number, f"not UTF-8 text ({exc.reason} at byte {exc.start} of the line)") from None
        yield text.removeprefix("\ufeff") if number == 1 else text
