"""Aerial observation uploads (what a drone flight saw) into :class:`AerialDraft` records.

Three formats, each a whole upload (one malformed record refuses all of it; the error names every
problem found with its record and field):

- JSON: ``{"observations": [{"category", "time", "geometry", "people"?, "description"?}, ...]}``;
  no other keys;
- GeoJSON: a FeatureCollection whose features carry the geometry and the same fields as
  ``properties`` (other properties are ignored: tools add their own);
- CSV with a header: ``category,time`` and either ``geometry`` (GeoJSON text) or ``lon,lat``
  with an optional ``radius_m`` (a circle of that radius, m), plus optional ``people`` and
  ``description`` (other columns are ignored).

``category``: an :class:`AerialCategory` value; ``time``: ISO 8601 with a UTC offset;
``geometry``: a GeoJSON Point or Polygon in WGS84 (lon, lat); ``people``: a whole number >= 0,
required for a crowd estimate and only there, which needs an area (a polygon or a radius).
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from shapely.geometry import shape as to_shape
from shapely.validation import explain_validity

from crowdsafety.domain import AerialCategory, CrowdSafetyError

#: Largest upload accepted, bytes.
MAX_BYTES = 10 * 2**20
#: Most observations in one upload.
MAX_OBSERVATIONS = 10_000
#: Most problems an error lists (the rest are counted).
MAX_PROBLEMS = 50
#: Most people one crowd estimate may count.
MAX_PEOPLE = 1_000_000
#: Longest description kept, characters.
MAX_DESCRIPTION = 1000
#: Largest circle radius of a CSV row, m.
MAX_RADIUS_M = 5000.0
#: Vertices of the polygon standing for a CSV circle.
CIRCLE_VERTICES = 32

FORMATS = ("json", "geojson", "csv")
FIELDS = ("category", "time", "geometry", "people", "description")


@dataclass(frozen=True)
class AerialDraft:
    """One uploaded observation, well-formed but not yet accepted for a flight. ``where`` names
    it in the upload (``observations[2]``, ``features[0]``, ``line 3``); ``at`` is UTC."""

    where: str
    category: AerialCategory
    geometry: dict[str, Any]
    at: datetime
    people: int | None = None
    description: str = ""

    def field(self, name: str) -> str:
        """Where the field ``name`` of this record is in the upload, as the parser names it."""
        return _namer(self.where)(name)


@dataclass(frozen=True)
class UploadProblem:
    """What is wrong (``message``) and where in the upload (record and field)."""

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


class AerialUploadError(CrowdSafetyError, ValueError):
    """An upload refused as a whole; ``problems`` lists what is wrong and where."""

    def __init__(self, problems: list[UploadProblem]):
        self.problems = list(problems)
        shown = "; ".join(str(p) for p in self.problems[:MAX_PROBLEMS])
        more = len(self.problems) - MAX_PROBLEMS
        super().__init__(shown + (f"; and {more} more" if more > 0 else ""))


def format_of(name_or_media_type: str) -> str:
    """``json``, ``geojson`` or ``csv`` from a file name or a media type; AerialUploadError otherwise."""
    text = name_or_media_type.strip().lower().split(";")[0].strip()
    for fmt, endings in (("geojson", (".geojson", "application/geo+json")), ("json", (".json", "application/json")),
                         ("csv", (".csv", "text/csv"))):
        if text.endswith(endings):
            return fmt
    raise AerialUploadError([UploadProblem("", f"unknown format {name_or_media_type!r}: expected a .json, "
                                               ".geojson or .csv file (application/json, application/geo+json, "
                                               "text/csv)")])


def parse_upload(data: bytes | str, fmt: str) -> list[AerialDraft]:
    """The drafts of an upload in ``fmt`` (see :data:`FORMATS`); AerialUploadError naming every problem."""
    if fmt not in FORMATS:
        raise AerialUploadError([UploadProblem("", f"unknown format {fmt!r} (one of {', '.join(FORMATS)})")])
    if len(data) > MAX_BYTES:
        raise AerialUploadError([UploadProblem("", f"larger than {MAX_BYTES // 2**20} MiB; split the upload")])
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise AerialUploadError([UploadProblem(f"byte {exc.start}", f"not UTF-8 text ({exc.reason})")]) from None
    problems: list[UploadProblem] = []
    drafts = _csv(data, problems) if fmt == "csv" else _json(data, problems)
    if not problems and not drafts:
        problems.append(UploadProblem("", "the upload holds no observations"))
    if not problems and len(drafts) > MAX_OBSERVATIONS:
        problems.append(UploadProblem("", f"{len(drafts)} observations; at most {MAX_OBSERVATIONS} per upload"))
    if problems:
        raise AerialUploadError(problems)
    return drafts


# -- JSON and GeoJSON ----------------------------------------------------------------------------

def _json(text: str, problems: list[UploadProblem]) -> list[AerialDraft]:
    try:
        doc = json.loads(text, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as exc:
        problems.append(UploadProblem("", f"not valid JSON: {exc}"))
        return []
    if isinstance(doc, dict) and doc.get("type") == "FeatureCollection":
        return _features(doc, problems)
    if not isinstance(doc, dict) or set(doc) != {"observations"} or not isinstance(doc["observations"], list):
        problems.append(UploadProblem("", "expected {\"observations\": [...]} or a GeoJSON FeatureCollection"))
        return []
    drafts = []
    for i, record in enumerate(doc["observations"]):
        where = f"observations[{i}]"
        if not isinstance(record, dict):
            problems.append(UploadProblem(where, "must be an object with category, time, geometry"))
            continue
        unknown = sorted(map(str, set(record) - set(FIELDS)))
        if unknown:
            problems.append(UploadProblem(where, f"unknown field(s) {', '.join(map(repr, unknown))} "
                                                 f"(expected {', '.join(FIELDS)})"))
            continue
        draft = _draft(where, record, _namer(where), problems)
        if draft is not None:
            drafts.append(draft)
    return drafts


def _features(doc: Mapping[str, Any], problems: list[UploadProblem]) -> list[AerialDraft]:
    features = doc.get("features")
    if not isinstance(features, list):
        problems.append(UploadProblem("features", "a FeatureCollection needs a 'features' list"))
        return []
    drafts = []
    for i, feature in enumerate(features):
        where = f"features[{i}]"
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            problems.append(UploadProblem(where, "must be a GeoJSON Feature"))
            continue
        props = feature.get("properties")
        if not isinstance(props, dict):
            problems.append(UploadProblem(f"{where}.properties", "must be an object with category and time"))
            continue
        record = {k: props.get(k) for k in FIELDS if k in props and k != "geometry"}
        record["geometry"] = feature.get("geometry")
        draft = _draft(where, record, _namer(where), problems)
        if draft is not None:
            drafts.append(draft)
    return drafts


# -- CSV -----------------------------------------------------------------------------------------

def _csv(text: str, problems: list[UploadProblem]) -> list[AerialDraft]:
    rows = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip() for h in next(rows)]
    except StopIteration:
        return []
    except csv.Error as exc:
        problems.append(UploadProblem("line 1", f"unreadable CSV header ({exc})"))
        return []
    missing = [c for c in ("category", "time") if c not in header]
    if "geometry" not in header and not {"lon", "lat"} <= set(header):
        missing.append("geometry (or lon and lat)")
    duplicated = sorted({h for h in header if header.count(h) > 1 and h})
    if missing or duplicated:
        problems.append(UploadProblem("line 1", (f"missing column(s) {', '.join(missing)}" if missing else "")
                                      + ("; " if missing and duplicated else "")
                                      + (f"column(s) {', '.join(duplicated)} given twice" if duplicated else "")))
        return []
    drafts = []
    try:
        for values in rows:
            line = rows.line_num
            if not any(v.strip() for v in values):
                continue
            where = f"line {line}"
            if len(values) != len(header):
                problems.append(UploadProblem(where, f"{len(values)} values for {len(header)} columns"))
                continue
            cells = {h: v.strip() for h, v in zip(header, values, strict=True)}
            record = _csv_record(where, cells, problems)
            if record is not None:
                draft = _draft(where, record, _namer(where), problems)
                if draft is not None:
                    drafts.append(draft)
            if len(problems) > MAX_PROBLEMS or len(drafts) > MAX_OBSERVATIONS:
                break
    except csv.Error as exc:
        problems.append(UploadProblem(f"line {rows.line_num}", f"unreadable CSV ({exc})"))
    return drafts


def _csv_record(where: str, cells: dict[str, str], problems: list[UploadProblem]) -> dict[str, Any] | None:
    """The row as a record: the geometry from GeoJSON text or lon/lat (and radius), text to numbers."""
    record: dict[str, Any] = {k: cells[k] for k in ("category", "time", "description") if cells.get(k)}
    if cells.get("people"):
        try:
            record["people"] = int(cells["people"])
        except ValueError:
            problems.append(UploadProblem(f"{where}, people", f"must be a whole number, got {cells['people']!r}"))
            return None
    if cells.get("geometry"):
        try:
            record["geometry"] = json.loads(cells["geometry"], parse_constant=_reject_constant)
        except (ValueError, RecursionError) as exc:
            problems.append(UploadProblem(f"{where}, geometry", f"not valid GeoJSON text: {exc}"))
            return None
        return record
    if "lon" not in cells:
        problems.append(UploadProblem(f"{where}, geometry", "required (GeoJSON text)"))
        return None
    numbers = {}
    for key in ("lon", "lat", "radius_m"):
        text = cells.get(key, "")
        if not text and key == "radius_m":
            continue
        try:
            numbers[key] = float(text)
            if not math.isfinite(numbers[key]):
                raise ValueError
        except ValueError:
            problems.append(UploadProblem(f"{where}, {key}", f"must be a number, got {text!r}"))
            return None
    point = [numbers["lon"], numbers["lat"]]
    radius = numbers.get("radius_m")
    if radius is None:
        record["geometry"] = {"type": "Point", "coordinates": point}
    elif not 0 < radius <= MAX_RADIUS_M:
        problems.append(UploadProblem(f"{where}, radius_m", f"must be a number of metres in (0, {MAX_RADIUS_M:g}], "
                                                            f"got {radius:g}"))
        return None
    elif _point_problem(point) is None:
        record["geometry"] = circle(point[0], point[1], radius)
    else:
        record["geometry"] = {"type": "Point", "coordinates": point}  # named as a bad point below
    return record


def circle(lon: float, lat: float, radius_m: float) -> dict[str, Any]:
    """A GeoJSON Polygon of :data:`CIRCLE_VERTICES` vertices with the area of a circle of
    ``radius_m`` around (lon, lat): degree lengths of the WGS84 ellipsoid at ``lat``, good to
    well under 1 % for radii of a few km away from the poles."""
    phi = math.radians(lat)
    m_lat = 111_132.92 - 559.82 * math.cos(2 * phi) + 1.175 * math.cos(4 * phi)
    m_lon = max(111_412.84 * math.cos(phi) - 93.5 * math.cos(3 * phi), 1e-3)
    n = CIRCLE_VERTICES
    r = radius_m * math.sqrt(math.pi / (n / 2 * math.sin(2 * math.pi / n)))  # polygon area = circle area
    ring = [[round(lon + r / m_lon * math.cos(a), 7), round(lat + r / m_lat * math.sin(a), 7)]
            for a in (2 * math.pi * k / n for k in range(n))]
    return {"type": "Polygon", "coordinates": [ring + [ring[0]]]}


# -- one record ----------------------------------------------------------------------------------

def _namer(where: str) -> Callable[[str], str]:
    """How the fields of the record at ``where`` are named: ``observations[0].time``,
    ``features[0].properties.time`` / ``features[0].geometry``, ``line 3, time``."""
    if where.startswith("features["):
        return lambda name: f"{where}.geometry" if name == "geometry" else f"{where}.properties.{name}"
    if where.startswith("line "):
        return lambda name: f"{where}, {name}"
    return lambda name: f"{where}.{name}"


def _draft(where: str, record: Mapping[str, Any], at: Callable[[str], str],
           problems: list[UploadProblem]) -> AerialDraft | None:
    """The record as a draft, or None after adding every problem it has to ``problems``."""
    before = len(problems)
    raw = record.get("category")
    category = None
    try:
        category = AerialCategory(raw) if isinstance(raw, str) else None
    except ValueError:
        pass
    if category is None:
        known = ", ".join(c.value for c in AerialCategory)
        problems.append(UploadProblem(at("category"), f"unknown category {_shown(raw)} (one of {known})"))
    moment = _time(record.get("time"), at("time"), problems)
    shape = record.get("geometry")
    problem = _geometry_problem(shape)
    if problem:
        problems.append(UploadProblem(at("geometry"), problem))
    people = record.get("people")
    if people is not None and (isinstance(people, bool) or not isinstance(people, int)
                               or not 0 <= people <= MAX_PEOPLE):
        problems.append(UploadProblem(at("people"), f"must be a whole number 0-{MAX_PEOPLE:,}, got {_shown(people)}"))
    elif category is AerialCategory.CROWD_ESTIMATE:
        if people is None:
            problems.append(UploadProblem(at("people"), "a crowd estimate needs a people count"))
        if not problem and shape["type"] != "Polygon":
            problems.append(UploadProblem(at("geometry"), "a crowd estimate needs an area: a Polygon "
                                                          "(or, in CSV, a radius_m)"))
    elif category is not None and people is not None:
        problems.append(UploadProblem(at("people"), f"only a crowd estimate carries a people count, "
                                                    f"not {category.value}"))
    description = record.get("description", "")
    if description is None:
        description = ""
    if not isinstance(description, str):
        problems.append(UploadProblem(at("description"), f"must be text, got {_shown(description)}"))
    elif len(description) > MAX_DESCRIPTION:
        problems.append(UploadProblem(at("description"), f"{len(description)} characters; at most {MAX_DESCRIPTION}"))
    elif not _storable(description):
        problems.append(UploadProblem(at("description"), "holds a NUL character or a lone surrogate (not UTF-8 text)"))
    if len(problems) > before or category is None or moment is None:
        return None
    return AerialDraft(where=where, category=category, geometry=shape, at=moment, people=people,
                       description=description.strip())


def _time(raw: Any, where: str, problems: list[UploadProblem]) -> datetime | None:
    if not isinstance(raw, str):
        problems.append(UploadProblem(where, f"must be an ISO 8601 time with offset, e.g. 2026-08-14T21:05:00+02:00, "
                                             f"got {_shown(raw)}"))
        return None
    try:
        moment = datetime.fromisoformat(raw.strip())
    except ValueError:
        problems.append(UploadProblem(where, f"not an ISO 8601 time: {_shown(raw)}"))
        return None
    if moment.utcoffset() is None:
        problems.append(UploadProblem(where, f"needs a time zone offset (e.g. +02:00 or Z): {_shown(raw)}"))
        return None
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        problems.append(UploadProblem(where, f"out of range in UTC: {_shown(raw)}"))
        return None


def _geometry_problem(shape: Any) -> str | None:
    """Why ``shape`` is no GeoJSON Point or Polygon in WGS84, or None."""
    if not isinstance(shape, dict):
        return "must be a GeoJSON Point or Polygon object"
    if shape.get("type") == "Point":
        return _point_problem(shape.get("coordinates"))
    if shape.get("type") != "Polygon":
        return f"geometry type must be Point or Polygon, got {_shown(shape.get('type'))}"
    try:
        polygon = to_shape(shape)
    except Exception as exc:  # noqa: BLE001 - shapely raises several types for malformed coordinates
        return f"coordinates are malformed ({exc})"
    if polygon.is_empty:
        return "polygon is empty"
    lon_min, lat_min, lon_max, lat_max = polygon.bounds
    if not (-180 <= lon_min <= lon_max <= 180 and -90 <= lat_min <= lat_max <= 90):
        return "coordinates are outside WGS84 lon/lat range (expected [lon, lat] in degrees)"
    if not polygon.is_valid:
        return f"invalid polygon: {explain_validity(polygon)} (self-intersecting or badly closed)"
    return None


def _point_problem(coords: Any) -> str | None:
    if not (isinstance(coords, list) and len(coords) in (2, 3)
            and all(isinstance(c, (int, float)) and not isinstance(c, bool) for c in coords)):
        return "a Point needs coordinates [lon, lat]"
    lon, lat = coords[0], coords[1]
    try:
        inside = -180 <= float(lon) <= 180 and -90 <= float(lat) <= 90
    except OverflowError:
        inside = False
    return None if inside else f"coordinates [{lon!r}, {lat!r}] are outside WGS84 lon/lat range"


def _storable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return "\x00" not in text


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not a JSON number")
