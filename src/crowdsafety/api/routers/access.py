"""Emergency access: the site's emergency routes, flagged where they cross crowded zones."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from crowdsafety.api.auth import AUTH_RESPONSES, READERS, allow

from crowdsafety.api.decide_deps import DeciderDep
from crowdsafety.api.schemas import ZoneFeatureCollection

router = APIRouter(prefix="/api/v1", tags=["emergency access"],
                   dependencies=[allow(*READERS)], responses=AUTH_RESPONSES)


@router.get("/emergency-routes", operation_id="get_emergency_routes", response_model=ZoneFeatureCollection)
def get_emergency_routes(decider: DeciderDep) -> ZoneFeatureCollection:
    """Every emergency route as a GeoJSON LineString feature; properties: ``id``, ``name``,
    ``zone_ids`` (zones it crosses), ``clear``, ``crowded_now`` ([{zone_id, level}]: held orange
    or red) and ``crowded_expected`` ([{zone_id, level, at, probability}]: from the forecast)."""
    features = []
    for s in decider.route_status():
        props: dict[str, Any] = {
            "id": s.route.id, "name": s.route.name, "zone_ids": list(s.route.zone_ids), "clear": s.clear,
            "crowded_now": [{"zone_id": b.zone_id, "level": b.level.value} for b in s.now],
            "crowded_expected": [{"zone_id": b.zone_id, "level": b.level.value,
                                  "at": b.at.isoformat() if b.at else None, "probability": b.probability}
                                 for b in s.expected],
        }
        features.append({"type": "Feature", "id": s.route.id, "geometry": s.route.geometry, "properties": props})
    return ZoneFeatureCollection(features=features)
