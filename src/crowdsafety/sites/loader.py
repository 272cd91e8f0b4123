"""Read a site folder into a :class:`Site`, collecting every problem with file and field.

A site folder holds ``site.toml`` (name, time zone, interval, thresholds, optional ``[air]``),
``zones.geojson`` (WGS84 polygons), ``sensors.toml`` (``[[sensor]]`` tables) and optionally
``airspace.geojson`` (no-fly and restricted zones for drones). Every zone gets a virtual sensor
``aerial:<zone id>`` for drone crowd estimates. ``check_site`` returns the list of problems;
``load_site`` raises :class:`SiteDefinitionError` with all of them.
"""

from __future__ import annotations

import json
import math
import tomllib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from crowdsafety.domain import (
    AERIAL_SENSOR_PREFIX,
    AirspaceKind,
    AirspaceZone,
    FlightPurpose,
    LevelBasis,
    LevelThresholds,
    Sensor,
    SensorKind,
    Site,
    SiteDefinitionError,
    SiteProblem,
    TimeWindow,
    Zone,
)
from crowdsafety.sites import geometry

SITE_FILE = "site.toml"
ZONES_FILE = "zones.geojson"
SENSORS_FILE = "sensors.toml"
AIRSPACE_FILE = "airspace.geojson"


class _Problems(list[SiteProblem]):
    def add(self, file: str, where: str, message: str) -> None:
        self.append(SiteProblem(file, where, message))


def check_site(folder: str | Path) -> list[SiteProblem]:
    """Every problem of the site folder (empty when it loads cleanly)."""
    try:
        load_site(folder)
    except SiteDefinitionError as exc:
        return exc.problems
    return []


def load_site(folder: str | Path) -> Site:
    """Load and validate a site folder; raises SiteDefinitionError naming every problem."""
    folder = Path(folder)
    problems = _Problems()
    if not folder.is_dir():
        raise SiteDefinitionError([SiteProblem(str(folder), "", "site folder does not exist")])
    config = _read_toml(folder / SITE_FILE, problems)
    zones_doc = _read_json(folder / ZONES_FILE, problems)
    sensors_doc = _read_toml(folder / SENSORS_FILE, problems)
    airspace_path = folder / AIRSPACE_FILE
    airspace_doc = _read_json(airspace_path, problems) if airspace_path.exists() else None
    if problems:
        raise SiteDefinitionError(problems)

    settings = _site_settings(config, problems)
    air = _air_settings(config, problems)
    zones = _zones(zones_doc, config, settings.get("crs", "EPSG:28992"), problems)
    sensors = _sensors(sensors_doc, _declared_zone_ids(zones_doc), problems)
    airspace = _airspace(airspace_doc, problems) if airspace_doc is not None else []
    if problems:
        raise SiteDefinitionError(problems)
    sensors += _aerial_sensors(zones, air["aerial_reliability"])
    return Site(zones=tuple(zones), sensors=tuple(sensors), folder=str(folder.resolve()),
                airspace=tuple(airspace), **air, **{k: v for k, v in settings.items() if k != "crs"})


def _read_toml(path: Path, problems: _Problems) -> dict[str, Any]:
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except FileNotFoundError:
        problems.add(path.name, "", "missing file")
    except tomllib.TOMLDecodeError as exc:
        problems.add(path.name, "", f"not valid TOML: {exc}")
    except (OSError, UnicodeDecodeError) as exc:
        problems.add(path.name, "", f"cannot be read: {exc}")
    return {}


def _read_json(path: Path, problems: _Problems) -> dict[str, Any]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        problems.add(path.name, "", "missing file")
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        problems.add(path.name, "", f"not valid JSON: {exc}")
    except OSError as exc:
        problems.add(path.name, "", f"cannot be read: {exc}")
    else:
        if isinstance(doc, dict):
            return doc
        problems.add(path.name, "", "must be a GeoJSON FeatureCollection object")
    return {}


def _site_settings(config: dict[str, Any], problems: _Problems) -> dict[str, Any]:
    f = SITE_FILE
    out: dict[str, Any] = {}
    for key in ("id", "name"):
        value = config.get(key)
        if not isinstance(value, str) or not value.strip():
            problems.add(f, key, "required text is missing or empty")
        out[key] = value
    tz = config.get("timezone")
    try:
        ZoneInfo(str(tz))
        if not isinstance(tz, str):
            raise ValueError
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a folder of the database, e.g. "Europe"
        problems.add(f, "timezone", f"unknown time zone {tz!r} (expected an IANA name such as 'Europe/Amsterdam')")
    out["timezone"] = tz
    minutes = config.get("interval_minutes")
    if not _is_int(minutes) or not 1 <= minutes <= 1440 or 1440 % minutes:
        problems.add(f, "interval_minutes", f"must be a whole number of minutes dividing a day, got {minutes!r}")
        minutes = 5
    out["interval_s"] = int(minutes) * 60
    reset = config.get("night_reset_hour")
    if reset is not None and (not _is_int(reset) or not 0 <= reset <= 23):
        problems.add(f, "night_reset_hour", f"must be a whole hour 0-23, got {reset!r}")
    out["night_reset_hour"] = reset
    health = config.get("health", {})
    for key in ("stale_after_intervals", "frozen_after_intervals"):
        value = health.get(key, Site.__dataclass_fields__[key].default) if isinstance(health, dict) else None
        if not _is_int(value) or value < 1:
            problems.add(f, f"health.{key}", f"must be a whole number >= 1, got {value!r}")
        else:
            out[key] = value
    crs = config.get("crs", "EPSG:28992")
    try:
        geometry.to_metric(str(crs))
        out["crs"] = str(crs)
    except Exception:  # pyproj raises its own CRSError and others
        problems.add(f, "crs", f"unknown coordinate reference system {crs!r}")
    if "tile_url" in config:
        if not isinstance(config["tile_url"], str) or "{z}" not in config["tile_url"]:
            problems.add(f, "tile_url", "must be a URL template with {z}, {x} and {y}")
        out["tile_url"] = config["tile_url"]
    return out


def _air_settings(config: dict[str, Any], problems: _Problems) -> dict[str, float]:
    """``[air]``: ``ceiling_m`` (m above ground, default 120) and ``aerial_reliability`` (default 0.25)."""
    air = config.get("air", {})
    out = {"ceiling_m": Site.ceiling_m, "aerial_reliability": Site.aerial_reliability}
    if not isinstance(air, dict):
        problems.add(SITE_FILE, "air", "must be a table with ceiling_m and aerial_reliability")
        return out
    unknown = sorted(set(air) - set(out))
    if unknown:
        problems.add(SITE_FILE, "air",
                     f"unknown key(s) {', '.join(map(repr, unknown))} (ceiling_m, aerial_reliability)")
    ceiling = air.get("ceiling_m", out["ceiling_m"])
    if not _is_number(ceiling) or not ceiling > 0:
        problems.add(SITE_FILE, "air.ceiling_m", f"must be a positive number of metres, got {ceiling!r}")
    else:
        out["ceiling_m"] = float(ceiling)
    reliability = air.get("aerial_reliability", out["aerial_reliability"])
    if not _is_number(reliability) or not 0 < reliability <= 1:
        problems.add(SITE_FILE, "air.aerial_reliability",
                     f"must be a relative standard deviation in (0, 1], got {reliability!r}")
    else:
        out["aerial_reliability"] = float(reliability)
    return out


def _airspace(doc: dict[str, Any], problems: _Problems) -> list[AirspaceZone]:
    """The no-fly and restricted zones of ``airspace.geojson``."""
    f = AIRSPACE_FILE
    features = doc.get("features")
    if doc.get("type") != "FeatureCollection" or not isinstance(features, list):
        problems.add(f, "", "must be a GeoJSON FeatureCollection with a 'features' list")
        return []
    zones: list[AirspaceZone] = []
    seen: set[str] = set()
    for i, feature in enumerate(features):
        props = feature.get("properties") if isinstance(feature, dict) else None
        props = props if isinstance(props, dict) else {}
        aid = props.get("id")
        where = f"feature {i}" + (f" (id {aid!r})" if isinstance(aid, str) else "")
        if not isinstance(aid, str) or not aid.strip():
            problems.add(f, where, "properties.id is missing or not text")
            continue
        if aid in seen:
            problems.add(f, where, "duplicate airspace zone id")
            continue
        seen.add(aid)
        before = len(problems)
        problem = geometry.polygon_problem(feature.get("geometry"))
        if problem:
            problems.add(f, f"{where}.geometry", problem)
        try:
            kind = AirspaceKind(props.get("kind"))
        except ValueError:
            problems.add(f, f"{where}.properties.kind", f"must be 'no_fly' or 'restricted', got {props.get('kind')!r}")
            continue
        name = props.get("name", aid)
        if not isinstance(name, str):
            problems.add(f, f"{where}.properties.name", f"must be text, got {name!r}")
        ceiling = props.get("ceiling_m")
        purposes = props.get("purposes")
        purposes = [] if purposes is None else purposes
        if kind is AirspaceKind.NO_FLY:
            for key in ("ceiling_m", "purposes"):
                if props.get(key) is not None:
                    problems.add(f, f"{where}.properties.{key}",
                                 "only a restricted zone has this (a no-fly zone bars every flight)")
        elif ceiling is not None and (not _is_number(ceiling) or not ceiling > 0):
            problems.add(f, f"{where}.properties.ceiling_m", f"must be a positive number of metres, got {ceiling!r}")
        allowed = ", ".join(p.value for p in FlightPurpose)
        if not isinstance(purposes, list) or not all(isinstance(p, str) and p in {q.value for q in FlightPurpose}
                                                     for p in purposes):
            problems.add(f, f"{where}.properties.purposes", f"must be a list of purposes ({allowed}), got {purposes!r}")
        windows = _windows(props.get("windows"), f"{where}.properties.windows", problems)
        if len(problems) > before:
            continue
        zones.append(AirspaceZone(
            id=aid, name=name, kind=kind, geometry=feature["geometry"], windows=windows,
            ceiling_m=float(ceiling) if ceiling is not None else None,
            purposes=tuple(FlightPurpose(p) for p in purposes),
        ))
    return zones


def _windows(raw: Any, where: str, problems: _Problems) -> tuple[TimeWindow, ...]:
    """``[{"start": ISO 8601 with offset, "end": ...}, ...]``; missing: always in force."""
    if raw is None:
        return ()
    if not isinstance(raw, list):
        problems.add(AIRSPACE_FILE, where, "must be a list of {\"start\", \"end\"} objects")
        return ()
    out = []
    for j, item in enumerate(raw):
        here = f"{where}[{j}]"
        if not isinstance(item, dict):
            problems.add(AIRSPACE_FILE, here, "must be an object with start and end")
            continue
        moments = {}
        for key in ("start", "end"):
            text = item.get(key)
            try:
                moment = datetime.fromisoformat(text) if isinstance(text, str) else None
                moment = moment.astimezone(UTC) if moment is not None and moment.utcoffset() is not None else None
            except (ValueError, OverflowError):  # OverflowError: out of range in UTC (year 1 with an offset)
                moment = None
            if moment is None:
                problems.add(AIRSPACE_FILE, f"{here}.{key}",
                             f"must be an ISO 8601 time with offset (e.g. 2026-08-14T21:00:00+02:00), got {text!r}")
            else:
                moments[key] = moment
        if len(moments) == 2:
            try:
                out.append(TimeWindow(moments["start"], moments["end"]))
            except (ValueError, OverflowError) as exc:
                problems.add(AIRSPACE_FILE, here, str(exc))
    return tuple(out)


def _aerial_sensors(zones: list[Zone], reliability: float) -> list[Sensor]:
    """One virtual ``aerial:<zone id>`` sensor per zone: drone crowd estimates become its observations."""
    return [
        Sensor(id=f"{AERIAL_SENSOR_PREFIX}{z.id}", kind=SensorKind.AERIAL_ESTIMATE, zones=(z.id,),
               name=f"Drone estimate {z.name}", reliability=reliability, properties={"virtual": True})
        for z in zones
    ]


def _thresholds(raw: Any, where: str, problems: _Problems) -> LevelThresholds | None:
    if not isinstance(raw, dict):
        problems.add(SITE_FILE, where, "must be a table with basis, yellow, orange, red")
        return None
    try:
        basis = LevelBasis(raw.get("basis", "density"))
    except ValueError:
        problems.add(SITE_FILE, f"{where}.basis", f"unknown basis {raw.get('basis')!r} (density, count or flow)")
        return None
    values = {}
    for key in ("yellow", "orange", "red"):
        value = raw.get(key)
        if not _is_number(value) or value < 0:
            problems.add(SITE_FILE, f"{where}.{key}", f"must be a non-negative number, got {value!r}")
            return None
        values[key] = float(value)
    try:
        return LevelThresholds(basis, **values)
    except ValueError as exc:
        problems.add(SITE_FILE, where, str(exc))
        return None


def _zones(doc: dict[str, Any], config: dict[str, Any], crs: str, problems: _Problems) -> list[Zone]:
    f = ZONES_FILE
    features = doc.get("features")
    if doc.get("type") != "FeatureCollection" or not isinstance(features, list):
        problems.add(f, "", "must be a GeoJSON FeatureCollection with a 'features' list")
        return []
    if not features:
        problems.add(f, "features", "a site needs at least one zone")
    table = config.get("thresholds", {}) if isinstance(config.get("thresholds", {}), dict) else {}
    default = _thresholds(table.get("default", {"basis": "density", "yellow": 0.72, "orange": 1.08,
                                               "red": 2.17}), "thresholds.default", problems)
    per_zone = table.get("zones", {})
    transformer = geometry.to_metric(crs) if crs else None
    zones: list[Zone] = []
    shapes = {}
    for i, feature in enumerate(features):
        props = feature.get("properties") if isinstance(feature, dict) else None
        props = props if isinstance(props, dict) else {}
        zid = props.get("id")
        where = f"feature {i}" + (f" (id {zid!r})" if zid is not None else "")
        if not isinstance(zid, str) or not zid.strip():
            problems.add(f, where, "properties.id is missing or not text")
            continue
        if zid in shapes or any(z.id == zid for z in zones):
            problems.add(f, where, "duplicate zone id")
            continue
        problem = geometry.polygon_problem(feature.get("geometry"))
        if problem:
            problems.add(f, where, problem)
            continue
        metric = geometry.metric_shape(feature["geometry"], transformer)
        shapes[zid] = metric
        numbers_ok = True
        area = props.get("area_m2")  # null: not given
        if area is None:
            area = metric.area
            if not area > 0:  # 0 or NaN: a sliver, or off the map of the CRS
                problems.add(f, where, f"polygon has no area in {crs} (too small, or outside the area {crs} covers)")
                numbers_ok = False
        counted = props.get("counted_entrances", 1.0)
        if not _is_number(counted) or not 0 < counted <= 1:
            problems.add(f, f"{where}.properties.counted_entrances", f"must be a share in (0, 1], got {counted!r}")
            numbers_ok = False
        for key in ("area_m2", "capacity", "width_m", "night_baseline"):
            value = props.get(key)
            if value is not None and (not _is_number(value) or value < 0 or (key != "night_baseline" and value == 0)):
                problems.add(f, f"{where}.properties.{key}", f"must be a positive number, got {value!r}")
                numbers_ok = False
        thresholds = default
        if isinstance(per_zone, dict) and zid in per_zone:
            thresholds = _thresholds(per_zone[zid], f"thresholds.zones.{zid}", problems)
        if not numbers_ok or thresholds is None:
            continue
        zones.append(Zone(
            id=zid, name=str(props.get("name", zid)), geometry=feature["geometry"],
            area_m2=float(area), thresholds=thresholds, group=props.get("group"),
            capacity=props.get("capacity"), width_m=props.get("width_m"),
            night_baseline=float(props.get("night_baseline", 0.0)), counted_entrances=float(counted),
        ))
    if isinstance(per_zone, dict):
        for zid in per_zone:
            if zid not in shapes:
                problems.add(SITE_FILE, f"thresholds.zones.{zid}", "thresholds for an unknown zone")
    for a, b, area in geometry.overlaps(shapes):
        problems.add(f, f"zones {a!r} and {b!r}", f"overlap by {area:.0f} m² (zones must not overlap)")
    return zones


def _declared_zone_ids(doc: dict[str, Any]) -> set[str]:
    """Zone ids named in the file, valid or not (so one bad zone does not cascade)."""
    features = doc.get("features")
    if not isinstance(features, list):
        return set()
    return {
        f["properties"]["id"] for f in features
        if isinstance(f, dict) and isinstance(f.get("properties"), dict)
        and isinstance(f["properties"].get("id"), str)
    }


def _sensors(doc: dict[str, Any], zone_ids: set[str], problems: _Problems) -> list[Sensor]:
    f = SENSORS_FILE
    rows = doc.get("sensor", [])
    if not isinstance(rows, list):
        problems.add(f, "sensor", "must be an array of tables ([[sensor]])")
        return []
    sensors: list[Sensor] = []
    seen: set[str] = set()
    for i, row in enumerate(rows):
        sid = row.get("id") if isinstance(row, dict) else None
        where = f"sensor {i}" + (f" (id {sid!r})" if sid is not None else "")
        if not isinstance(sid, str) or not sid.strip():
            problems.add(f, where, "id is missing or not text")
            continue
        if sid in seen:
            problems.add(f, where, "duplicate sensor id")
            continue
        if sid.startswith(AERIAL_SENSOR_PREFIX):
            problems.add(f, where,
                         f"ids starting {AERIAL_SENSOR_PREFIX!r} are reserved for the drone estimate of each zone")
            continue
        seen.add(sid)
        try:
            kind = SensorKind(row.get("kind"))
        except ValueError:
            kinds = ", ".join(k.value for k in SensorKind)
            problems.add(f, f"{where}.kind", f"unknown kind {row.get('kind')!r} (one of {kinds})")
            continue
        zones = row.get("zones", [])
        if not isinstance(zones, list) or not all(isinstance(z, str) for z in zones):
            problems.add(f, f"{where}.zones", "must be a list of zone ids")
            continue
        bad = [z for z in zones if z not in zone_ids]
        if bad:
            problems.add(f, f"{where}.zones", f"unknown zone(s) {', '.join(map(repr, bad))}")
            continue
        if kind in (SensorKind.ZONE_COUNT, SensorKind.LINE_COUNT, SensorKind.DEVICE_COUNT) and not zones:
            problems.add(f, f"{where}.zones", f"a {kind.value} sensor needs at least one zone")
            continue
        ok = True
        direction = row.get("direction")
        if direction is not None and direction not in ("in", "out"):
            problems.add(f, f"{where}.direction", f"must be 'in' or 'out', got {direction!r}")
            ok = False
        for key in ("calibration", "reliability", "width_m", "capacity"):
            value = row.get(key)
            if value is not None and (not _is_number(value) or value <= 0):
                problems.add(f, f"{where}.{key}", f"must be a positive number, got {value!r}")
                ok = False
        if kind is SensorKind.DEVICE_COUNT and row.get("calibration") is None:
            problems.add(f, f"{where}.calibration", "a device_count sensor needs a calibration factor (persons per device)")
            ok = False
        location = row.get("location")
        if location is not None and not (
            isinstance(location, list) and len(location) == 2 and all(_is_number(v) for v in location)
            and -180 <= location[0] <= 180 and -90 <= location[1] <= 90
        ):
            problems.add(f, f"{where}.location", f"must be [lon, lat] in degrees, got {location!r}")
            ok = False
        if not ok:
            continue
        known = {"id", "kind", "zones", "name", "direction", "calibration", "reliability", "width_m",
                 "location", "capacity"}
        sensors.append(Sensor(
            id=sid, kind=kind, zones=tuple(zones), name=str(row.get("name", sid)),
            direction=direction, calibration=row.get("calibration"),
            reliability=row.get("reliability"), width_m=row.get("width_m"),
            location=tuple(location) if location else None, capacity=row.get("capacity"),
            properties={k: v for k, v in row.items() if k not in known},
        ))
    return sensors


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:  # an int beyond any float
        return False
