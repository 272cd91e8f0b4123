"""A drone's crowd estimate (people counted in a polygon) as people per zone it covers.

A zone gets an estimate when the polygon covers at least :data:`MIN_COVER` of the zone's
polygon: people = count × area(zone) / area(estimate), the estimate's density (persons/m²)
spread over the whole zone. Areas are polygon areas in metres, in the UTM zone of the estimate.
A zone covered less is left out: the estimate says too little about the rest of it.
"""

from __future__ import annotations

from typing import Any

import shapely
from shapely.geometry.base import BaseGeometry

from crowdsafety.domain import Site
from crowdsafety.sites import geometry

#: Share of a zone's polygon an estimate must cover to stand for the zone.
MIN_COVER = 0.5


def zone_people(site: Site, estimate: dict[str, Any], people: int) -> dict[str, int]:
    """Persons per zone id for a crowd estimate of ``people`` in the GeoJSON Polygon ``estimate``
    (WGS84), for the zones it covers at least :data:`MIN_COVER`; rounded to whole persons."""
    crs = geometry.utm_crs(*_centre(estimate))
    transformer = geometry.to_metric(crs)
    area = _metric(estimate, transformer)
    if not area.area > 0:
        return {}
    out = {}
    for zone in site.zones:
        shape = _metric(zone.geometry, transformer)
        if shape.area > 0 and area.intersects(shape) and area.intersection(shape).area >= MIN_COVER * shape.area:
            out[zone.id] = round(people * shape.area / area.area)
    return out


def _metric(polygon: dict[str, Any], transformer: Any) -> BaseGeometry:
    shape = geometry.metric_shape(polygon, transformer)
    return shape if shape.is_valid else shapely.make_valid(shape)


def _centre(polygon: dict[str, Any]) -> tuple[float, float]:
    ring = polygon["coordinates"][0]
    lons, lats = [p[0] for p in ring], [p[1] for p in ring]
    return (min(lons) + max(lons)) / 2, (min(lats) + max(lats)) / 2
