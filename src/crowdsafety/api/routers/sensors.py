"""GET /api/v1/sensors: every sensor with its health."""

from __future__ import annotations

from fastapi import APIRouter

from crowdsafety.api.auth import AUTH_RESPONSES, READERS, allow

from crowdsafety.api.deps import RuntimeDep
from crowdsafety.api.schemas import SensorOut

router = APIRouter(prefix="/api/v1", tags=["sensors"],
                   dependencies=[allow(*READERS)], responses=AUTH_RESPONSES)


@router.get("/sensors", operation_id="get_sensors", response_model=list[SensorOut])
def get_sensors(runtime: RuntimeDep) -> list[SensorOut]:
    """Sensors of the site with kind, zones, location and health (ok, stale, frozen, spike, no_data)."""
    health = runtime.store.sensor_health()
    return [SensorOut.of(s, health.get(s.id)) for s in runtime.site.sensors]
