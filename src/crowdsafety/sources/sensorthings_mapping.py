"""Which SensorThings Datastream feeds which sensor and metric, and its Observations as rows.

The mapping comes from the site's ``sensors.toml`` (keys kept in ``Sensor.properties``)::

    [[sensor]]
    id = "cam-pier"
    kind = "zone_count"
    sensorthings_datastream = 17          # the Datastream's @iot.id, or its name
    sensorthings_metric = "count"         # optional where the kind has one metric
    sensorthings_instant = "start"        # optional: an instant phenomenonTime marks the start (or "end")
    sensorthings_interval_s = 300         # optional: the length of an instant's interval (default: the site's)

    [[sensor]]
    id = "line-pier"
    kind = "line_count"
    sensorthings_datastreams = { in = 21, out = 22 }   # metric -> Datastream

or from a mapping file (TOML) with the same fields::

    [[datastream]]
    datastream = 17
    sensor_id = "cam-pier"
    metric = "count"
    instant = "start"
    interval_s = 300     # optional: the length of an instant's interval (default: the site's)

An Observation with an interval ``start/end`` becomes a row over that interval; an instant
becomes a row over ``interval_s`` starting (or ending) at it.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from crowdsafety.domain import METRICS_BY_KIND, Site
from crowdsafety.sources.line_problems import FeedError
from crowdsafety.sources.sensorthings import Datastream, EntityId, SensorThingsClient, SensorThingsError

INSTANT_MARKS = ("start", "end")


@dataclass(frozen=True)
class DatastreamMapping:
    """Datastream ``datastream`` (an @iot.id, or a name) -> ``metric`` of ``sensor_id``."""

    datastream: EntityId
    sensor_id: str
    metric: str
    instant: str = "start"
    interval_s: int | None = None


@dataclass
class PulledRows:
    """Observation rows of one Datastream (all pages read, or none kept), the Observations left
    out and the number of pages read."""

    datastream: Datastream
    mapping: DatastreamMapping
    rows: list[dict[str, Any]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    pages: int = 0


def mappings_from_site(site: Site) -> list[DatastreamMapping]:
    """The mappings declared on the site's sensors; raises FeedError naming every bad one."""
    found: list[tuple[str, dict[str, Any]]] = []
    for sensor in site.sensors:
        props = sensor.properties
        where = f"sensors.toml: sensor {sensor.id!r}"
        if "sensorthings_datastream" in props:
            found.append((where, {"datastream": props["sensorthings_datastream"], "sensor_id": sensor.id,
                                  "metric": props.get("sensorthings_metric"),
                                  "instant": props.get("sensorthings_instant", "start"),
                                  "interval_s": props.get("sensorthings_interval_s")}))
        streams = props.get("sensorthings_datastreams")
        if streams is not None:
            if not isinstance(streams, dict):
                raise FeedError(f"{where}: sensorthings_datastreams must be a table metric = datastream")
            found += [(where, {"datastream": ref, "sensor_id": sensor.id, "metric": metric,
                               "instant": props.get("sensorthings_instant", "start"),
                               "interval_s": props.get("sensorthings_interval_s")})
                      for metric, ref in streams.items()]
    return _checked(site, found)


def mappings_from_file(path: str | Path, site: Site) -> list[DatastreamMapping]:
    """The ``[[datastream]]`` tables of a TOML mapping file; raises FeedError naming every bad one."""
    path = Path(path)
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FeedError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise FeedError(f"{path}: not a readable TOML file ({exc})") from None
    tables = doc.get("datastream")
    if not isinstance(tables, list) or not tables:
        raise FeedError(f"{path}: no [[datastream]] tables")
    found = []
    for i, table in enumerate(tables):
        unknown = set(table) - {"datastream", "sensor_id", "metric", "instant", "interval_s"}
        if unknown:
            raise FeedError(f"{path}: datastream {i}: unknown key(s) {', '.join(sorted(unknown))}")
        found.append((f"{path}: datastream {i}", {"instant": "start", **table}))
    return _checked(site, found)


def _checked(site: Site, found: list[tuple[str, dict[str, Any]]]) -> list[DatastreamMapping]:
    problems, mappings = [], []
    seen_streams: dict[EntityId, str] = {}
    seen_targets: dict[tuple[str, str], str] = {}
    for where, entry in found:
        ref, sensor_id, metric = entry.get("datastream"), entry.get("sensor_id"), entry.get("metric")
        if isinstance(ref, bool) or not isinstance(ref, (int, str)) or ref == "":
            problems.append(f"{where}: datastream must be an @iot.id or a name, got {ref!r}")
            continue
        if not isinstance(sensor_id, str) or not site.has_sensor(sensor_id):
            problems.append(f"{where}: unknown sensor {sensor_id!r} for site {site.id!r}")
            continue
        allowed = METRICS_BY_KIND[site.sensor(sensor_id).kind]
        if metric is None and len(allowed) == 1:
            metric = next(iter(allowed))
        if metric not in allowed:
            problems.append(f"{where}: metric {metric!r} does not fit a {site.sensor(sensor_id).kind.value} sensor "
                            f"(expected {', '.join(allowed)})")
            continue
        if entry["instant"] not in INSTANT_MARKS:
            problems.append(f"{where}: instant must be 'start' or 'end', got {entry['instant']!r}")
            continue
        interval_s = entry.get("interval_s")
        if interval_s is not None and (isinstance(interval_s, bool) or not isinstance(interval_s, int)
                                       or not 0 < interval_s <= 86_400):
            problems.append(f"{where}: interval_s must be whole seconds 1-86400, got {interval_s!r}")
            continue
        if ref in seen_streams or (sensor_id, metric) in seen_targets:
            first = seen_streams.get(ref) or seen_targets[(sensor_id, metric)]
            problems.append(f"{where}: datastream {ref!r} or {sensor_id} {metric} is mapped twice (first at {first})")
            continue
        seen_streams[ref], seen_targets[(sensor_id, metric)] = where, where
        mappings.append(DatastreamMapping(ref, sensor_id, metric, entry["instant"], interval_s))
    if problems:
        raise FeedError("\n".join(problems))
    return mappings


def resolve(mappings: Iterable[DatastreamMapping], datastreams: list[Datastream], *, url: str) -> list[tuple[Datastream, DatastreamMapping]]:
    """Each mapping with its Datastream: by @iot.id, else by a unique name; raises
    SensorThingsError naming the ones the server does not have."""
    by_id = {d.id: d for d in datastreams} | {str(d.id): d for d in datastreams}
    by_name: dict[str, list[Datastream]] = {}
    for d in datastreams:
        by_name.setdefault(d.name, []).append(d)
    pairs, missing = [], []
    for mapping in mappings:
        stream = by_id.get(mapping.datastream) or by_id.get(str(mapping.datastream))
        if stream is None and isinstance(mapping.datastream, str):
            named = by_name.get(mapping.datastream, [])
            if len(named) > 1:
                missing.append(f"name {mapping.datastream!r} is shared by Datastreams "
                               f"{', '.join(repr(d.id) for d in named)}; use the @iot.id")
                continue
            stream = named[0] if named else None
        if stream is None:
            missing.append(f"no Datastream {mapping.datastream!r} (for {mapping.sensor_id} {mapping.metric})")
            continue
        pairs.append((stream, mapping))
    if missing:
        raise SensorThingsError(f"{url}: " + "; ".join(missing))
    return pairs


def pull_rows(client: SensorThingsClient, stream: Datastream, mapping: DatastreamMapping, *,
              site_interval_s: int, since: datetime | None = None) -> PulledRows:
    """The Observations of ``stream`` after ``since`` as observation rows; raises
    SensorThingsError (and gives nothing) when any page of it fails."""
    interval_s = mapping.interval_s or site_interval_s
    pulled = PulledRows(stream, mapping)
    # an instant marking an interval's end lies interval_s after the start stored for it
    after = since + timedelta(seconds=interval_s) if since is not None and mapping.instant == "end" else since
    for page in client.observation_pages(stream.id, since=after):
        pulled.pages += 1
        pulled.problems += page.problems
        for value in page.values:
            if value.end is not None:
                start, length = value.start, (value.end - value.start).total_seconds()
                if not length.is_integer() or length > 86_400:
                    pulled.problems.append(f"{page.url}: Observation {value.id!r}: interval of {length:g} s "
                                           "is not whole seconds up to a day")
                    continue
            else:
                length = interval_s
                start = value.start - timedelta(seconds=interval_s) if mapping.instant == "end" else value.start
            pulled.rows.append({"sensor_id": mapping.sensor_id, "start": start.isoformat(), "interval_s": int(length),
                                "metric": mapping.metric, "value": _number(value.result)})
    return pulled


def _number(value: float) -> int | float:
    """Whole results as int, so that counts validate as whole numbers."""
    return int(value) if float(value).is_integer() and abs(value) < 2**53 else value
