"""Boardings and alightings per stop from a CSV file that a transit operator exports.

One line per platform and interval, after a header line::

    stop_id,start,interval_s,boardings,alightings
    202,2026-08-14T21:00:00+02:00,300,12,40

- Separator ``,``, ``;`` or tab (taken from the header line); UTF-8 with or without a byte-order
  mark; quoted fields allowed. Column names in English or Dutch, any case: ``stop_id`` (``halte``,
  ``haltecode``), ``start`` (``begin``), ``interval_s`` (``duur_s``), ``boardings``
  (``instappers``), ``alightings`` (``uitstappers``). At least one of the two counts is needed.
- ``stop_id``: a platform's GTFS ``stop_code`` (HTM's stop number) or ``stop_id``.
- ``start``: ISO 8601 with a UTC offset, or a local time that is read in the site's time zone
  (refused in the hour the autumn clock change repeats and the one the spring change skips).
- ``interval_s``: seconds, optional (default: the site's interval).
- ``boardings``, ``alightings``: persons, whole numbers >= 0; an empty cell means not counted.

Stops map to the site's ``transit`` sensors through their ``stop_codes`` / ``stop_ids`` in
``sensors.toml``; given a GTFS feed, a ``stop_id`` (or a station's id) is matched by its
platforms' codes too. The platforms of one sensor are summed per interval and metric; a platform
without a line counts as zero. A bad line is named (line, column, why) and left out, and so is
every sum it would have been part of, so no partial sum is stored.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from crowdsafety.domain import SensorKind, Site
from crowdsafety.sources.gtfs_stops import TransitStop
from crowdsafety.sources.line_problems import FeedError, LineProblem

MAX_FILE_BYTES = 512 * 1024 * 1024
METRICS = ("boardings", "alightings")
#: Accepted header names (lower case) -> column.
COLUMN_NAMES = {
    "stop_id": "stop_id", "stop_code": "stop_id", "stop": "stop_id", "halte": "stop_id", "haltecode": "stop_id",
    "start": "start", "begin": "start", "starttijd": "start",
    "interval_s": "interval_s", "duur_s": "interval_s",
    "boardings": "boardings", "instappers": "boardings",
    "alightings": "alightings", "uitstappers": "alightings",
}

_Key = tuple[str, datetime, int]  # sensor id, interval start (UTC), interval length (s)


@dataclass
class TransitCounts:
    """Observation rows (``sensor_id, start, interval_s, metric, value``) for ingest, the file
    lines each row sums (``row_lines``, parallel to ``rows``) and the lines left out."""

    path: str
    rows: list[dict[str, Any]] = field(default_factory=list)
    row_lines: list[tuple[int, ...]] = field(default_factory=list)
    problems: list[LineProblem] = field(default_factory=list)


class _Bad(Exception):
    def __init__(self, column: str | None, message: str):
        self.column, self.message = column, message


def stop_sensors(site: Site, stops: Iterable[TransitStop] = ()) -> dict[str, str]:
    """Stop code or id -> transit sensor id, from the sensors' ``stop_codes`` / ``stop_ids``;
    ``stops`` (a GTFS feed) adds each platform's ``stop_id`` and each station whose platforms
    all belong to one sensor."""
    mapping: dict[str, str] = {}
    for sensor in site.sensors:
        if sensor.kind is not SensorKind.TRANSIT:
            continue
        for key in ("stop_codes", "stop_ids"):
            values = sensor.properties.get(key, [])
            if not isinstance(values, list) or not all(isinstance(v, (str, int)) and not isinstance(v, bool)
                                                        for v in values):
                raise FeedError(f"sensors.toml: sensor {sensor.id!r}: {key} must be a list of codes, got {values!r}")
            for value in map(str, values):
                if mapping.get(value, sensor.id) != sensor.id:
                    raise FeedError(f"sensors.toml: stop {value!r} is listed by sensors {mapping[value]!r} "
                                    f"and {sensor.id!r}")
                mapping[value] = sensor.id
    stops = list(stops)
    for stop in stops:
        sensor_id = mapping.get(stop.code or "")
        if sensor_id is not None:
            mapping.setdefault(stop.stop_id, sensor_id)
    for station in (s for s in stops if s.location_type == 1):
        owners = {mapping.get(s.stop_id) for s in stops if s.parent_station == station.stop_id}
        if len(owners) == 1 and None not in owners:
            mapping.setdefault(station.stop_id, owners.pop())
    return mapping


def read_transit_counts(path: str | Path, site: Site, *, stops: Iterable[TransitStop] = ()) -> TransitCounts:
    """Read a counts file into observation rows for ``site``; raises FeedError for the whole file."""
    path = Path(path)
    if not path.is_file():
        raise FeedError(f"{path}: no such file")
    if path.stat().st_size > MAX_FILE_BYTES:
        raise FeedError(f"{path}: larger than {MAX_FILE_BYTES // 2**20} MiB; split it")
    sensors = stop_sensors(site, stops)
    if not sensors:
        raise FeedError(f"site {site.id!r} has no transit sensor with stop_codes or stop_ids in sensors.toml")
    sums = _Sums(str(path))
    for line, record in _records(path, ZoneInfo(site.timezone), site.interval_s):
        if isinstance(record, LineProblem):
            sums.problems.append(record)
            continue
        sensor_id = sensors.get(record.stop)
        if sensor_id is None:
            sums.problems.append(LineProblem(str(path), line, f"stop {record.stop[:40]!r} belongs to no transit "
                                             f"sensor of site {site.id!r} (stop_codes in sensors.toml)", "stop_id"))
            continue
        sums.add(line, sensor_id, record)
    return sums.result()


@dataclass(frozen=True)
class _Record:
    """One line: a platform's counts (None: not counted) and the first bad count, if any."""

    stop: str
    start: datetime
    interval_s: int
    counts: tuple[int | None, ...]
    bad: _Bad | None


class _Sums:
    """Platform counts summed per (sensor, interval); a sum with a bad or conflicting line is left out."""

    def __init__(self, path: str):
        self.path = path
        self.problems: list[LineProblem] = []
        self._sums: dict[tuple[_Key, str], int] = {}
        self._lines: dict[_Key, list[int]] = {}
        self._spoiled: dict[_Key, int] = {}  # key -> the bad line
        self._seen: dict[tuple[str, datetime, int], tuple[int, tuple[int | None, ...]]] = {}

    def add(self, line: int, sensor_id: str, record: _Record) -> None:
        key = (sensor_id, record.start, record.interval_s)
        if record.bad is not None:
            self.problems.append(LineProblem(self.path, line, record.bad.message, record.bad.column))
            self._spoiled.setdefault(key, line)
            return
        earlier = self._seen.get((record.stop, record.start, record.interval_s))
        if earlier is not None:
            same = earlier[1] == record.counts
            self.problems.append(LineProblem(self.path, line, (
                f"stop {record.stop!r} at {record.start.isoformat()} again (first on line {earlier[0]})"
                + ("; ignored" if same else " with other counts; both left out")), "start"))
            if not same:
                self._spoiled.setdefault(key, line)
            return
        self._seen[(record.stop, record.start, record.interval_s)] = (line, record.counts)
        self._lines.setdefault(key, []).append(line)
        for metric, value in zip(METRICS, record.counts):
            if value is not None:
                self._sums[(key, metric)] = self._sums.get((key, metric), 0) + value

    def result(self) -> TransitCounts:
        result = TransitCounts(self.path, problems=self.problems)
        for (key, metric), value in self._sums.items():
            if key not in self._spoiled:
                sensor_id, start, interval_s = key
                result.rows.append({"sensor_id": sensor_id, "start": start.isoformat(), "interval_s": interval_s,
                                    "metric": metric, "value": value})
                result.row_lines.append(tuple(self._lines[key]))
        for key, bad_line in self._spoiled.items():
            if key in self._lines:  # other platforms' good lines went into a sum that is now left out
                result.problems.append(LineProblem(self.path, self._lines[key][0], (
                    f"sensor {key[0]!r} at {key[1].isoformat()} left out: line {bad_line} of its platforms is invalid")))
        result.problems.sort(key=lambda p: p.line)
        return result


def _records(path: Path, zone: ZoneInfo, default_interval_s: int) -> Iterator[tuple[int, _Record | LineProblem]]:
    """(first line, record or the problem of that line) of each non-empty line after the header."""
    with path.open("rb") as raw:
        lines = _decoded(str(path), raw)
        reader = csv.reader(lines, delimiter=_delimiter(path, lines))
        columns, width = _columns(path, reader)
        line = 1
        while True:
            first = line + 1
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                line = reader.line_num
                yield first, LineProblem(str(path), first, f"unreadable CSV ({exc})")
                continue
            line = reader.line_num
            if not cells or all(not c.strip() for c in cells):
                continue
            try:
                yield first, _row(cells, columns, width, zone, default_interval_s)
            except _Bad as exc:
                yield first, LineProblem(str(path), first, exc.message, exc.column)


def _row(cells: list[str], columns: dict[str, int], width: int, zone: ZoneInfo, default_interval_s: int) -> _Record:
    """The record of one line (start in UTC).

    Raises _Bad when the line cannot be tied to a stop and interval; a bad count is returned so
    that the sum it belongs to can be left out too."""
    if len(cells) != width:
        raise _Bad(None, f"{len(cells)} cells, the header has {width}")

    def cell(name: str) -> str:
        index = columns.get(name)
        return cells[index].strip() if index is not None else ""

    stop = cell("stop_id")
    if not stop:
        raise _Bad("stop_id", "is empty")
    start = _start(cell("start"), zone)
    interval_text = cell("interval_s")
    interval_s = default_interval_s
    if interval_text:
        if not _digits(interval_text) or not 0 < int(interval_text) <= 86_400:
            raise _Bad("interval_s", f"must be whole seconds 1-86400, got {interval_text[:40]!r}")
        interval_s = int(interval_text)
    counts: list[int | None] = []
    bad: _Bad | None = None
    for metric in METRICS:
        text = cell(metric)
        if not text:
            counts.append(None)
        elif _digits(text):
            counts.append(int(text))
        else:
            counts.append(None)
            bad = bad or _Bad(metric, f"must be a whole number of persons >= 0, got {text[:40]!r}")
    if bad is None and all(c is None for c in counts):
        bad = _Bad(None, "neither boardings nor alightings given")
    return _Record(stop, start, interval_s, tuple(counts), bad)


def _start(text: str, zone: ZoneInfo) -> datetime:
    if not text:
        raise _Bad("start", "is empty")
    try:
        stamp = datetime.fromisoformat(text)
    except ValueError:
        raise _Bad("start", f"unparsable time {text[:40]!r} (use ISO 8601, e.g. 2026-08-14T21:00:00+02:00)") from None
    try:
        if stamp.tzinfo is not None:
            return stamp.astimezone(timezone.utc)
        early = stamp.replace(tzinfo=zone, fold=0).astimezone(timezone.utc)
        late = stamp.replace(tzinfo=zone, fold=1).astimezone(timezone.utc)
    except OverflowError:  # e.g. 0001-01-01T00:00+01:00
        raise _Bad("start", f"{text[:40]!r} is out of range in UTC") from None
    if early == late:
        return early
    if early.astimezone(zone).replace(tzinfo=None) == stamp:
        raise _Bad("start", f"{text!r} happens twice in {zone.key} (clocks go back); add the UTC offset")
    raise _Bad("start", f"{text!r} does not exist in {zone.key} (clocks go forward); add the UTC offset")


def _columns(path: Path, reader: Any) -> tuple[dict[str, int], int]:
    """Column -> index, and the number of cells in the header."""
    try:
        header = next(reader)
    except StopIteration:
        raise FeedError(f"{path}: empty file, a header line is needed") from None
    except csv.Error as exc:
        raise FeedError(f"{path}:1: unreadable header ({exc})") from None
    columns: dict[str, int] = {}
    for index, name in enumerate(header):
        column = COLUMN_NAMES.get(name.strip().lower())
        if column is None:
            continue
        if column in columns:
            raise FeedError(f"{path}:1: two columns for {column} ({header[columns[column]]!r} and {name!r})")
        columns[column] = index
    missing = [c for c in ("stop_id", "start") if c not in columns]
    if missing or not any(m in columns for m in METRICS):
        missing += [] if any(m in columns for m in METRICS) else ["boardings or alightings"]
        raise FeedError(f"{path}:1: header lacks column(s) {', '.join(missing)} "
                        f"(expected stop_id,start,interval_s,boardings,alightings)")
    return columns, len(header)


class _Peekable(Iterator[str]):
    def __init__(self, lines: Iterator[str]):
        self._lines, self._head = lines, None

    def peek(self) -> str | None:
        if self._head is None:
            self._head = next(self._lines, None)
        return self._head

    def __next__(self) -> str:
        if self._head is not None:
            head, self._head = self._head, None
            return head
        return next(self._lines)


def _decoded(name: str, raw: Any) -> _Peekable:
    def lines() -> Iterator[str]:
        for number, data in enumerate(raw, start=1):
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise FeedError(f"{name}:{number}: not UTF-8 text ({exc.reason} at byte {exc.start} of the line)") from None
            yield text.removeprefix("\ufeff") if number == 1 else text
    return _Peekable(lines())


def _delimiter(path: Path, lines: _Peekable) -> str:
    header = lines.peek()
    if header is None:
        raise FeedError(f"{path}: empty file, a header line is needed")
    return max((";", "\t", ","), key=header.count)


def _digits(text: str) -> bool:
    """True for a whole number written in at most 15 ASCII digits ('²' is a digit to
    ``str.isdigit`` but not to ``int``, nor is text of more than 4,300 digits)."""
    return text.isascii() and text.isdigit() and len(text) <= 15
