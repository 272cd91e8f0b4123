"""A drone's crowd estimate (people counted in a polygon) as people per zone it covers.

A zone gets an estimate when the polygon covers at least :data:`MIN_COVER` of the zone's
polygon: people = count × area(zone) / area(estimate), the estimate's density (persons/m²)
spread over the whole zone. Only ratios of areas matter, so they are taken in degrees with
longitude scaled by cos(latitude) of the estimate: across a few km the scale varies by well
under 0.1 %.
"""

from __future__ import annotations

import math
from typing import Any

import shapely
from shapely import affinity
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from crowdsafety.domain import Site

#: Share of a zone's polygon an estimate must cover to stand for the zone.
MIN_COVER = 0.5


def zone_people(site: Site, estimate: dict[str, Any], people: int) -> dict[str, int]:
    """Persons per zone id for a crowd estimate of ``people`` in the GeoJSON Polygon ``estimate``
    (WGS84), for the zones it covers at least :data:`MIN_COVER`; rounded to whole persons."""
    area = shape(estimate)
    scale = math.cos(math.radians(area.centroid.y))
    area = _local(area, scale)
    if not area.area > 0:
        return {}
    out = {}
    for zone in site.zones:
        zone_shape = _local(shape(zone.geometry), scale)
        if zone_shape.area > 0 and area.intersects(zone_shape) \
                and area.intersection(zone_shape).area >= MIN_COVER * zone_shape.area:
            out[zone.id] = round(people * zone_shape.area / area.area)
    return out


def _local(geom: BaseGeometry, scale: float) -> BaseGeometry:
    """Longitude scaled by ``scale`` (areas proportional to m² nearby), made valid if need be."""
    scaled = affinity.scale(geom, xfact=scale, yfact=1.0, origin=(0, 0))
    return scaled if scaled.is_valid else shapely.make_valid(scaled)
