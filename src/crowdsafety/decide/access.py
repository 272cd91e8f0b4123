"""Emergency access: routes for emergency services (``emergency_routes.geojson`` in the site
folder, LineStrings in WGS84 with ``id`` and ``name``) flagged where they cross a zone that is
orange or red now, or expected to be by the forecast."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from shapely.geometry import shape

from crowdsafety.domain import Level, Site, SiteDefinitionError, SiteProblem

ROUTES_FILE = "emergency_routes.geojson"


@dataclass(frozen=True)
class EmergencyRoute:
    """A route with its GeoJSON LineString and the ids of the zones it crosses, in site order."""

    id: str
    name: str
    geometry: dict[str, Any]
    zone_ids: tuple[str, ...]


@dataclass(frozen=True)
class Blockage:
    """A crowded zone on a route: its level, and for an expected one when and how likely (0-1)."""

    zone_id: str
    level: Level
    at: datetime | None = None
    probability: float | None = None


@dataclass(frozen=True)
class RouteStatus:
    route: EmergencyRoute
    now: tuple[Blockage, ...]
    expected: tuple[Blockage, ...]

    @property
    def clear(self) -> bool:
        return not self.now and not self.expected


def load_routes(site: Site) -> tuple[EmergencyRoute, ...]:
    """The site's emergency routes (none without the file); SiteDefinitionError names every problem."""
    if site.folder is None or not (Path(site.folder) / ROUTES_FILE).exists():
        return ()
    path = Path(site.folder) / ROUTES_FILE
    try:
        features = json.loads(path.read_text(encoding="utf-8"))["features"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise SiteDefinitionError([SiteProblem(ROUTES_FILE, "", f"not a GeoJSON FeatureCollection: {exc}")]) from None
    zones = [(z.id, shape(z.geometry)) for z in site.zones]
    problems, routes, seen = [], [], set()
    for i, f in enumerate(features):
        props = (f or {}).get("properties") or {}
        rid, geometry = props.get("id"), (f or {}).get("geometry") or {}
        where = f"feature {i}" + (f" ({rid})" if isinstance(rid, str) else "")
        if not isinstance(rid, str) or not rid or rid in seen:
            problems.append(SiteProblem(ROUTES_FILE, where, "needs a unique `id`"))
            continue
        seen.add(rid)
        if geometry.get("type") != "LineString" or len(geometry.get("coordinates") or []) < 2:
            problems.append(SiteProblem(ROUTES_FILE, where, "geometry must be a LineString of at least 2 [lon, lat] points"))
            continue
        try:
            line = shape(geometry)
        except (ValueError, TypeError, AttributeError) as exc:
            problems.append(SiteProblem(ROUTES_FILE, where, f"unreadable geometry: {exc}"))
            continue
        crossed = tuple(zid for zid, poly in zones if poly.intersects(line))
        routes.append(EmergencyRoute(rid, str(props.get("name", rid)), geometry, crossed))
    if problems:
        raise SiteDefinitionError(problems)
    return tuple(routes)


def route_status(routes: tuple[EmergencyRoute, ...], now: Mapping[str, Level | None],
                 expected: Mapping[str, Blockage], from_level: Level = Level.ORANGE) -> list[RouteStatus]:
    """Per route the zones on it at ``from_level`` or worse ``now`` (held level per zone) and
    ``expected`` (per zone the expected level, its time and chance)."""
    out = []
    for r in routes:
        blocked_now = tuple(Blockage(z, lv) for z in r.zone_ids
                            if (lv := now.get(z)) is not None and lv.rank >= from_level.rank)
        ahead = tuple(b for z in r.zone_ids if (b := expected.get(z)) is not None and b.level.rank >= from_level.rank)
        out.append(RouteStatus(r, blocked_now, ahead))
    return out
