"""Zone polygons: validity, walkable area in a metric CRS, overlaps."""

from __future__ import annotations

import functools
import threading
from typing import Any

from pyproj import CRS, Transformer
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry
import numpy as np
import shapely
from shapely.validation import explain_validity

#: Overlap area below which two zones only touch (rounding of shared edges), m².
OVERLAP_TOLERANCE_M2 = 1.0


def polygon_problem(geometry: Any) -> str | None:
    """Why a GeoJSON geometry is not a usable zone polygon, or None when it is."""
    if not isinstance(geometry, dict):
        return "geometry is missing or not an object"
    if geometry.get("type") not in ("Polygon", "MultiPolygon"):
        return f"geometry type must be Polygon or MultiPolygon, got {geometry.get('type')!r}"
    try:
        geom = shape(geometry)
    except Exception as exc:  # shapely raises several types for malformed coordinates
        return f"coordinates are malformed ({exc})"
    if geom.is_empty:
        return "polygon is empty"
    lon_min, lat_min, lon_max, lat_max = geom.bounds
    if not (-180 <= lon_min <= lon_max <= 180 and -90 <= lat_min <= lat_max <= 90):
        return "coordinates are outside WGS84 lon/lat range (expected [lon, lat] in degrees)"
    if not geom.is_valid:
        return f"invalid polygon: {explain_validity(geom)} (self-intersecting or badly closed)"
    return None


def to_metric(crs: str) -> Transformer:
    """A WGS84 -> ``crs`` transformer (axis order lon, lat); made once per CRS and thread (making
    one takes about 40 ms; pyproj transformers are not shared between threads)."""
    return _transformer(crs, threading.get_ident())


@functools.lru_cache(maxsize=64)
def _transformer(crs: str, thread: int) -> Transformer:
    return Transformer.from_crs(CRS.from_epsg(4326), CRS.from_user_input(crs), always_xy=True)


def utm_crs(lon: float, lat: float) -> str:
    """The WGS84 UTM zone of a point (``EPSG:326xx`` north, ``327xx`` south): metres, true to a
    fraction of a percent within a few hundred km."""
    zone = min(60, max(1, int((lon + 180) // 6) + 1))
    return f"EPSG:{(32600 if lat >= 0 else 32700) + zone}"


def metric_shape(geometry: dict[str, Any], transformer: Transformer) -> BaseGeometry:
    """The polygon projected into the metric CRS (metres)."""
    def project(coords: np.ndarray) -> np.ndarray:
        x, y = transformer.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(shape(geometry), project)


def overlaps(shapes: dict[str, BaseGeometry]) -> list[tuple[str, str, float]]:
    """Pairs of zone ids whose metric polygons overlap by more than the tolerance, with m²."""
    from shapely.strtree import STRtree

    ids = list(shapes)
    if len(ids) < 2:
        return []
    geoms = [shapes[i] for i in ids]
    tree = STRtree(geoms)
    found = []
    for a, b in zip(*tree.query(geoms, predicate="intersects")):
        if a < b:
            area = geoms[a].intersection(geoms[b]).area
            if area > OVERLAP_TOLERANCE_M2:
                found.append((ids[a], ids[b], area))
    return found
