"""The rules a drone flight must meet before it is registered (pure: no store, no clock).

:func:`check_flight` returns every rule the flight breaks, each a :class:`Refusal` naming the
rule, where (an airspace zone id, another flight's id, or a field) and what exactly:

- ``area``: a valid GeoJSON Polygon in WGS84 (lon, lat), not self-intersecting, at most
  :data:`MAX_AREA_M2`, within :data:`MAX_DISTANCE_M` of the site's zones;
- ``window``: ends after it starts, lasts at most :data:`MAX_WINDOW`, ends after ``now``;
- ``altitude``: ``max_altitude_m`` at most the site's ceiling, and at most the ceiling of every
  restricted zone in force during the window that the area enters;
- ``restricted``: the flight's purpose is among those such a zone allows (none listed: all);
- ``no_fly``: the area enters no no-fly zone in force during the window;
- ``overlap``: no other flight of the site that has not ended flies an intersecting area in an
  overlapping window.

"Enters" and "intersects" mean an intersection above :data:`TOUCH_M2`, measured in metres in
the UTM zone of the site, so shared edges do not count.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from crowdsafety.domain import AirspaceKind, AirspaceZone, Flight, FlightStatus, Site, TimeWindow
from crowdsafety.sites import geometry

#: Largest flight area, m² (25 km²).
MAX_AREA_M2 = 25e6
#: Farthest a flight area may lie from the site's zones, m.
MAX_DISTANCE_M = 5000.0
#: Longest flight window.
MAX_WINDOW = timedelta(hours=24)
#: Intersections up to this area only touch, m².
TOUCH_M2 = 1.0


@dataclass(frozen=True)
class Refusal:
    """One broken rule: ``rule`` (area, window, altitude, no_fly, restricted, overlap), ``where``
    (airspace zone id, other flight id or field name) and ``message`` (what and where, in words)."""

    rule: str
    where: str
    message: str


def check_flight(site: Site, flight: Flight, others: Iterable[Flight], now: datetime) -> list[Refusal]:
    """Every rule ``flight`` breaks at ``site`` given the ``others`` flights, judged at ``now``."""
    refusals = _window(flight.window, now)
    if flight.max_altitude_m > site.ceiling_m:
        refusals.append(Refusal("altitude", "max_altitude_m",
                                f"the flight plans {flight.max_altitude_m:g} m; the site's ceiling is "
                                f"{site.ceiling_m:g} m above ground"))
    crs = metric_crs(site)
    area, problem = _area(flight.area, crs)
    if area is None:
        refusals.append(Refusal("area", "area", problem))
        return refusals
    refusals += _area_limits(site, area, crs)
    for zone in site.airspace:
        if zone.in_force(flight.window):
            overlap = _overlap_m2(area, _metric(zone.geometry, crs))
            if overlap > TOUCH_M2:
                refusals += _airspace(zone, flight, overlap)
    for other in others:
        if other.id == flight.id or other.site_id != flight.site_id or other.status is FlightStatus.ENDED \
                or not other.window.overlaps(flight.window):
            continue
        overlap = _overlap_m2(area, _metric(other.area, crs))
        if overlap > TOUCH_M2:
            refusals.append(Refusal("overlap", other.id,
                                    f"flight {other.id} ({other.operator}, {other.status.value}) flies "
                                    f"{_span(other.window)} over an area that overlaps this flight's by "
                                    f"{_m2(overlap)}"))
    return refusals


def metric_crs(site: Site) -> str:
    """The UTM zone (WGS84) of the site's zones: metres, good to a fraction of a percent nearby."""
    lon_min, lat_min, lon_max, lat_max = shapely.union_all(
        [shape(z.geometry) for z in site.zones]).bounds
    return geometry.utm_crs((lon_min + lon_max) / 2, (lat_min + lat_max) / 2)


def _window(window: TimeWindow, now: datetime) -> list[Refusal]:
    out = []
    if window.end - window.start > MAX_WINDOW:
        out.append(Refusal("window", "end", f"the window {_span(window)} lasts "
                                            f"{(window.end - window.start) / timedelta(hours=1):.1f} h; "
                                            f"at most {MAX_WINDOW / timedelta(hours=1):g} h"))
    if window.end <= now:
        out.append(Refusal("window", "end", f"the window {_span(window)} has already ended (it is {_iso(now)})"))
    return out


def _area(raw: Any, crs: str) -> tuple[BaseGeometry | None, str]:
    """The flight area in metres, or None and why it is unusable."""
    if not isinstance(raw, dict) or raw.get("type") != "Polygon":
        kind = raw.get("type") if isinstance(raw, dict) else type(raw).__name__
        return None, f"the area must be a GeoJSON Polygon, got {kind!r}"
    problem = geometry.polygon_problem(raw)
    if problem:
        return None, f"the area is unusable: {problem}"
    metric = _metric(raw, crs)
    if not all(math.isfinite(b) for b in metric.bounds):
        return None, f"the area lies outside the region {crs} can measure"
    if not metric.area > TOUCH_M2:
        return None, f"the area has no extent ({_m2(metric.area)})"
    return metric, ""


def _area_limits(site: Site, area: BaseGeometry, crs: str) -> list[Refusal]:
    out = []
    if area.area > MAX_AREA_M2:
        out.append(Refusal("area", "area", f"the area covers {area.area / 1e6:,.1f} km²; at most "
                                           f"{MAX_AREA_M2 / 1e6:g} km²"))
    distance = area.distance(shapely.union_all([_metric(z.geometry, crs) for z in site.zones]))
    if distance > MAX_DISTANCE_M:
        out.append(Refusal("area", "area", f"the area lies {distance / 1000:,.1f} km from the nearest zone of "
                                           f"site {site.id!r}; at most {MAX_DISTANCE_M / 1000:g} km"))
    return out


def _airspace(zone: AirspaceZone, flight: Flight, overlap: float) -> list[Refusal]:
    """Refusals for a zone in force during the flight that its area enters by ``overlap`` m²."""
    label = f"'{zone.id}' ({zone.name})"
    when = _in_force(zone, flight.window)
    if zone.kind is AirspaceKind.NO_FLY:
        return [Refusal("no_fly", zone.id, f"no-fly zone {label} is {when} and overlaps the flight's area by "
                                           f"{_m2(overlap)}")]
    out = []
    if zone.ceiling_m is not None and flight.max_altitude_m > zone.ceiling_m:
        out.append(Refusal("altitude", zone.id,
                           f"restricted zone {label} allows at most {zone.ceiling_m:g} m and is {when}; the "
                           f"flight plans {flight.max_altitude_m:g} m over {_m2(overlap)} of it"))
    if zone.purposes and flight.purpose not in zone.purposes:
        allowed = ", ".join(p.value for p in zone.purposes)
        out.append(Refusal("restricted", zone.id,
                           f"restricted zone {label} allows only {allowed} and is {when}; the flight's purpose "
                           f"is {flight.purpose.value} and its area overlaps the zone by {_m2(overlap)}"))
    return out


def _in_force(zone: AirspaceZone, window: TimeWindow) -> str:
    if not zone.windows:
        return "always in force"
    return "in force " + ", ".join(_span(w) for w in zone.windows if w.overlaps(window))


def _metric(raw: dict[str, Any], crs: str) -> BaseGeometry:
    metric = geometry.metric_shape(raw, geometry.to_metric(crs))
    return metric if metric.is_valid else shapely.make_valid(metric)


def _overlap_m2(a: BaseGeometry, b: BaseGeometry) -> float:
    if not a.intersects(b):
        return 0.0
    return float(a.intersection(b).area)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ")


def _span(window: TimeWindow) -> str:
    """'2026-07-12T10:00Z–21:00Z', or both dates when it spans midnight UTC."""
    start, end = window.start.astimezone(UTC), window.end.astimezone(UTC)
    tail = end.strftime("%H:%MZ") if start.date() == end.date() else _iso(end)
    return f"{_iso(start)}–{tail}"


def _m2(area: float) -> str:
    return f"{area:,.0f} m²"
