"""Parking occupancy from the Dutch open parking data standard SPDP 2.0 (its dynamic JSON).

The national open parking data portal serves one dynamic record per facility::

    {"parkingFacilityDynamicInformation": {
        "identifier": "<uuid>", "name": "P6 - Eiermarkt", "description": "",
        "facilityActualStatus": {"lastUpdated": 1516024040, "open": true, "full": false,
                                 "parkingCapacity": 365, "vacantSpaces": 190}}}

``lastUpdated`` is seconds since 1970-01-01 UTC. A file may hold one record, a JSON array of
records, or JSON lines (one record per line, as a poller appends them).

A record goes to the site's ``parking`` sensor whose ``spdp_uuid`` (a key in sensors.toml) is the
record's ``identifier`` (case-insensitive). It becomes rows (as ``ingest.validate`` takes them)
for the site interval that contains ``lastUpdated``: ``occupied`` = capacity − vacantSpaces
(cars) and ``capacity`` (places). The capacity is the record's ``parkingCapacity``; else the one
of the static record (:func:`read_static`) valid at ``lastUpdated``; else the sensor's
``capacity``. Only a capacity read from a feed is stored as a ``capacity`` row.

- A record without ``vacantSpaces`` that says ``full: true`` gives occupied = capacity with
  quality ``estimated``; one that says neither gives no occupancy.
- ``open: false`` gives no occupancy: a closed facility's vacantSpaces say nothing of the cars in it.
- Counts written as decimal digit text (``"190"``) are read: some publishers send them so.

Every record with a problem (unknown facility, a missing or wrongly typed field, vacantSpaces
negative or above the capacity, lastUpdated in milliseconds or before 2000) is left out and
named in ``problems``; the other records are used.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from crowdsafety.domain import Quality, Sensor, SensorKind, Site
from crowdsafety.sources.feed_problems import FeedProblem
from crowdsafety.sources.json_documents import load_json_documents
from crowdsafety.sources.line_problems import FeedError

DYNAMIC_KEY = "parkingFacilityDynamicInformation"
STATIC_KEY = "parkingFacilityInformation"
SENSOR_PROPERTY = "spdp_uuid"
EARLIEST = 946_684_800  # 2000-01-01T00:00Z: an earlier lastUpdated is no real time
LATEST_SECONDS = 100_000_000_000  # a larger lastUpdated is milliseconds (year 5138 in seconds)
#: Most digits of a number given as text (a count or a time in seconds has far fewer).
MAX_DIGITS = 15


@dataclass(frozen=True)
class StaticFacility:
    """A static SPDP record: ``capacities`` are (valid from, valid until or None, capacity or
    None, usage) per specification, times in seconds since 1970."""

    identifier: str
    name: str
    capacities: tuple[tuple[int | None, int | None, int | None, str], ...]

    def capacity_at(self, t: int) -> int | None:
        """The capacity of the latest-starting specification valid at ``t`` that gives one."""
        valid = [(start or 0, cap) for start, end, cap, _ in self.capacities
                 if cap is not None and (start is None or start <= t) and (end is None or t < end)]
        return max(valid, key=lambda v: v[0])[1] if valid else None

    def why_no_capacity(self) -> str:
        usages = sorted({u for *_, u in self.capacities if u})
        return "its specifications give no capacity" + (f" (usage {', '.join(usages)})" if usages else "")


@dataclass(frozen=True)
class ParkingFeed:
    """Rows for the site's parking sensors, how many records were read, and the problems."""

    file: str
    rows: tuple[dict[str, Any], ...]
    records: int
    problems: tuple[FeedProblem, ...]


class _Bad(Exception):
    """One record cannot be used; the message says which field and why."""


def read_dynamic(site: Site, data: bytes | str, *, file: str,
                 static: Mapping[str, StaticFacility] | None = None) -> ParkingFeed:
    """Rows from SPDP 2.0 dynamic records in ``data``; raises FeedError when nothing is readable."""
    parsed = load_json_documents(data, file, json_lines=True)
    sensors, problems = _sensors_by_uuid(site, file)
    problems += list(parsed.problems)
    static = {k.lower(): v for k, v in (static or {}).items()}
    rows: list[dict[str, Any]] = []
    records = 0
    for where, document in _records(parsed.documents):
        records += 1
        try:
            rows += _rows(site, sensors, static, document, where, problems, file)
        except _Bad as exc:
            problems.append(FeedProblem(file, where, f"{exc}; record left out"))
    return ParkingFeed(file, tuple(rows), records, tuple(problems))


def read_static(data: bytes | str, *, file: str) -> StaticFacility:
    """A static SPDP 2.0 record (``{"parkingFacilityInformation": {...}}``); raises FeedError."""
    document = load_json_documents(data, file).documents[0][1]
    info = document.get(STATIC_KEY) if isinstance(document, dict) else None
    if not isinstance(info, dict):
        raise FeedError(f"{file}: not an SPDP static record (no '{STATIC_KEY}' object)")
    identifier = info.get("identifier")
    if not isinstance(identifier, str) or not identifier.strip():
        raise FeedError(f"{file}: {STATIC_KEY}.identifier: missing or not text")
    specs = info.get("specifications", [])
    if not isinstance(specs, list):
        raise FeedError(f"{file}: {STATIC_KEY}.specifications: must be a list")
    capacities = []
    for i, spec in enumerate(specs):
        where = f"{STATIC_KEY}.specifications[{i}]"
        if not isinstance(spec, dict):
            raise FeedError(f"{file}: {where}: must be an object")
        try:
            capacities.append((_count(spec, "validityStartOfPeriod", required=False),
                               _count(spec, "validityEndOfPeriod", required=False),
                               _count(spec, "capacity", required=False), str(spec.get("usage") or "")))
        except _Bad as exc:
            raise FeedError(f"{file}: {where}.{exc}") from None
    return StaticFacility(identifier.strip(), str(info.get("name") or ""), tuple(capacities))


def _sensors_by_uuid(site: Site, file: str) -> tuple[dict[str, Sensor], list[FeedProblem]]:
    sensors: dict[str, Sensor] = {}
    problems = []
    for sensor in site.sensors:
        uuid = sensor.properties.get(SENSOR_PROPERTY)
        if sensor.kind is not SensorKind.PARKING or uuid is None:
            continue
        key = str(uuid).strip().lower()
        if key in sensors:
            problems.append(FeedProblem(file, f"sensors.toml, sensor {sensor.id!r}",
                                        f"{SENSOR_PROPERTY} {uuid!r} is also sensor {sensors[key].id!r}'s; "
                                        f"its records go to {sensors[key].id!r}"))
            continue
        sensors[key] = sensor
    return sensors, problems


def _records(documents: tuple[tuple[str, Any], ...]):
    """(where, record) for every record: a document may be one record or an array of them."""
    for where, document in documents:
        if isinstance(document, list):
            for i, item in enumerate(document):
                yield (f"{where}, record {i}" if where else f"record {i}"), item
        else:
            yield where or "record", document


def _rows(site: Site, sensors: dict[str, Sensor], static: dict[str, StaticFacility], record: Any,
          where: str, problems: list[FeedProblem], file: str) -> list[dict[str, Any]]:
    info = record.get(DYNAMIC_KEY) if isinstance(record, dict) else None
    if not isinstance(info, dict):
        if isinstance(record, dict) and STATIC_KEY in record:
            raise _Bad("a static record, not a dynamic one (give static records with --static)")
        raise _Bad(f"not an SPDP dynamic record (no '{DYNAMIC_KEY}' object)")
    identifier = info.get("identifier")
    if not isinstance(identifier, str) or not identifier.strip():
        raise _Bad(f"{DYNAMIC_KEY}.identifier: missing or not text")
    key = identifier.strip().lower()
    name = info.get("name")
    label = f"facility {identifier.strip()}" + (f" ({name})" if isinstance(name, str) and name else "")
    sensor = sensors.get(key)
    if sensor is None:
        raise _Bad(f"{label}: unknown facility (no parking sensor of site {site.id!r} has "
                   f'{SENSOR_PROPERTY} = "{identifier.strip()}")')
    status = info.get("facilityActualStatus")
    if not isinstance(status, dict):
        raise _Bad(f"{label}: facilityActualStatus: missing or not an object")
    try:
        updated = _seconds(status)
        is_open = _flag(status, "open")
        full = _flag(status, "full")
        vacant = _count(status, "vacantSpaces", required=False)
        feed_capacity = _count(status, "parkingCapacity", required=False)
    except _Bad as exc:
        raise _Bad(f"{label}: facilityActualStatus.{exc}") from None
    if feed_capacity is None and key in static:
        feed_capacity = static[key].capacity_at(updated)
    capacity = feed_capacity if feed_capacity is not None else sensor.capacity
    if capacity is None:
        why = f" ({static[key].why_no_capacity()})" if key in static else ""
        raise _Bad(f"{label}: no capacity: none in the record (parkingCapacity), none in a static "
                   f"record{why}, none for sensor {sensor.id!r} in sensors.toml")
    if vacant is not None and vacant > capacity:
        raise _Bad(f"{label}: vacantSpaces {vacant} is more than the capacity {capacity}")
    start = datetime.fromtimestamp(updated - updated % site.interval_s, tz=timezone.utc).isoformat()
    rows = []
    if feed_capacity is not None:
        rows.append(_row(sensor, start, site.interval_s, "capacity", capacity, Quality.OK))
    if is_open is False:
        problems.append(FeedProblem(file, where, f"{label}: closed (open = false): occupancy not stored"))
    elif vacant is not None:
        rows.append(_row(sensor, start, site.interval_s, "occupied", capacity - vacant, Quality.OK))
    elif full:
        rows.append(_row(sensor, start, site.interval_s, "occupied", capacity, Quality.ESTIMATED))
    else:
        problems.append(FeedProblem(file, where, f"{label}: neither vacantSpaces nor full = true: "
                                                 "occupancy not stored"))
    return rows


def _row(sensor: Sensor, start: str, interval_s: int, metric: str, value: int, quality: Quality) -> dict[str, Any]:
    return {"sensor_id": sensor.id, "start": start, "interval_s": interval_s, "metric": metric,
            "value": value, "quality": quality.value}


def _seconds(status: dict[str, Any]) -> int:
    """``lastUpdated``: whole seconds since 1970 (UTC)."""
    value = _count(status, "lastUpdated", required=True)
    assert value is not None
    if value >= LATEST_SECONDS:
        raise _Bad(f"lastUpdated: {value} looks like milliseconds; SPDP 2.0 gives seconds since 1970")
    if value < EARLIEST:
        raise _Bad(f"lastUpdated: {value} is before 2000: not a real time")
    return value


def _count(obj: dict[str, Any], key: str, *, required: bool) -> int | None:
    """A whole non-negative number (or its decimal digits as text); None when absent or null."""
    value = obj.get(key)
    if value is None:
        if required:
            raise _Bad(f"{key}: missing")
        return None
    if isinstance(value, str) and value.strip().isdigit() and value.strip().isascii():
        if len(value.strip()) > MAX_DIGITS:
            raise _Bad(f"{key}: {len(value.strip())} digits; at most {MAX_DIGITS}")
        return int(value.strip())
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _Bad(f"{key}: must be a whole number, got {_show(value)}")
    if isinstance(value, float) and not value.is_integer():
        raise _Bad(f"{key}: must be a whole number, got {value}")
    if value < 0:
        raise _Bad(f"{key}: must not be negative, got {value}")
    return int(value)


def _flag(obj: dict[str, Any], key: str) -> bool | None:
    """``true``/``false`` (or that as text); None when absent or null."""
    value = obj.get(key)
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise _Bad(f"{key}: must be true or false, got {_show(value)}")


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
