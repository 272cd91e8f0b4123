"""Zones: GeoJSON with the latest state, and a zone's states over time."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, HTTPException, Query

from crowdsafety.api.auth import AUTH_RESPONSES, READERS, allow

from crowdsafety.api.deps import RuntimeDep
from crowdsafety.api.schemas import INVALID, UNKNOWN_ZONE, IsoTime, ZoneFeatureCollection, ZoneStateOut
from crowdsafety.service.forecasting import forecast_states_at

router = APIRouter(prefix="/api/v1", tags=["zones"],
                   dependencies=[allow(*READERS)], responses=AUTH_RESPONSES)

MAX_RANGE = timedelta(days=31)


@router.get("/zones", operation_id="get_zones", response_model=ZoneFeatureCollection, responses=INVALID)
def get_zones(runtime: RuntimeDep, at: IsoTime | None = Query(None, description="state at this time (default: latest)")) -> ZoneFeatureCollection:
    """Every zone as a GeoJSON feature; properties hold the latest state at or before ``at`` and,
    when ``at`` lies ahead of the service clock, the forecast for that hour (``forecast``)."""
    states = runtime.latest_states(at)
    ahead = forecast_states_at(runtime, at) if at is not None and at > runtime.clock.now() else {}
    features = []
    for zone in runtime.site.zones:
        props = {"id": zone.id, "name": zone.name, "group": zone.group, "area_m2": round(zone.area_m2, 1),
                 "capacity": zone.capacity, "level_basis": zone.thresholds.basis.value,
                 "thresholds": {"yellow": zone.thresholds.yellow, "orange": zone.thresholds.orange,
                                "red": zone.thresholds.red}}
        state = states.get(zone.id)
        if state is not None:
            props["state"] = ZoneStateOut.of(state).model_dump(mode="json")
        else:
            props["state"] = None
        if ahead:
            props["forecast"] = ahead[zone.id].as_dict() if zone.id in ahead else None
        features.append({"type": "Feature", "id": zone.id, "geometry": zone.geometry, "properties": props})
    return ZoneFeatureCollection(features=features)


@router.get("/zones/{zone_id}/states", operation_id="get_zone_states", response_model=list[ZoneStateOut],
            responses={**INVALID, **UNKNOWN_ZONE})
def get_zone_states(
    zone_id: str,
    runtime: RuntimeDep,
    start: IsoTime | None = Query(None, description="from (default: 24 h before end)"),
    end: IsoTime | None = Query(None, description="until, exclusive (default: the service clock)"),
) -> list[ZoneStateOut]:
    """The zone's computed states in [start, end), at most 31 days."""
    if zone_id not in {z.id for z in runtime.site.zones}:
        raise HTTPException(404, f"unknown zone {zone_id[:80]!r}")
    end = end or runtime.clock.now()
    start = start or end - timedelta(hours=24)
    if start >= end:
        raise HTTPException(422, "start must be before end")
    if end - start > MAX_RANGE:
        raise HTTPException(422, "range longer than 31 days; ask in parts")
    states = runtime.store.zone_states(start=start, end=end, zone_ids=[zone_id])
    return [ZoneStateOut.of(s) for s in states]
