"""Forecasts: a zone's issued forecast per hour, with quantiles and the chance of each level."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query

from crowdsafety.api.auth import AUTH_RESPONSES, READERS, allow
from pydantic import BaseModel, ConfigDict, Field

from crowdsafety.api.deps import RuntimeDep
from crowdsafety.api.schemas import INVALID, UNKNOWN_ZONE, IsoTime
from crowdsafety.service.forecasting import ForecastState, forecast_states

router = APIRouter(prefix="/api/v1", tags=["forecasts"],
                   dependencies=[allow(*READERS)], responses=AUTH_RESPONSES)

MAX_RANGE = timedelta(days=8)


class LevelChances(BaseModel):
    model_config = ConfigDict(strict=True)

    green: float
    yellow: float
    orange: float
    red: float


class ZoneForecastOut(BaseModel):
    """The latest forecast issued for one zone and hour."""

    model_config = ConfigDict(strict=True)

    zone_id: str
    start: datetime = Field(description="start of the forecast hour")
    issued_at: datetime = Field(description="when the forecast was issued")
    model: str
    quantity: str = Field(description="people (persons present) or passes_per_hour (persons passing per hour)")
    p10: float = Field(description="10 % quantile, in the quantity's unit")
    p50: float = Field(description="median, in the quantity's unit")
    p90: float = Field(description="90 % quantile, in the quantity's unit")
    p50_basis: float = Field(description="median in the unit of the zone's thresholds "
                                         "(persons/m², persons or persons/m/min)")
    level: str = Field(description="the most likely level")
    probabilities: LevelChances = Field(description="chance of each level (sum 1)")

    @classmethod
    def of(cls, s: ForecastState) -> ZoneForecastOut:
        chances = {lv.value: p for lv, p in s.probabilities.items()}
        return cls(zone_id=s.zone_id, start=s.start, issued_at=s.issued_at, model=s.model, quantity=s.quantity,
                   p10=s.p10, p50=s.p50, p90=s.p90, p50_basis=s.p50_basis, level=s.level.value,
                   probabilities=LevelChances(**chances))


@router.get("/zones/{zone_id}/forecast", operation_id="get_zone_forecast", response_model=list[ZoneForecastOut],
            responses={**INVALID, **UNKNOWN_ZONE})
def get_zone_forecast(
    zone_id: str,
    runtime: RuntimeDep,
    start: Annotated[IsoTime | None, Query(description="from the hour containing it (default: the service clock's hour)")] = None,
    end: Annotated[IsoTime | None, Query(description="until, exclusive (default: 24 h after start)")] = None,
) -> list[ZoneForecastOut]:
    """The zone's latest issued forecast for every hour overlapping [start, end), at most 8 days;
    empty when nothing has been issued for those hours yet."""
    if zone_id not in {z.id for z in runtime.site.zones}:
        raise HTTPException(404, f"unknown zone {zone_id[:80]!r}")
    start = (start or runtime.clock.now()).replace(minute=0, second=0, microsecond=0)
    end = end or start + timedelta(hours=24)
    if start >= end:
        raise HTTPException(422, "start must be before end")
    if end - start > MAX_RANGE:
        raise HTTPException(422, "range longer than 8 days; ask in parts")
    return [ZoneForecastOut.of(s) for s in forecast_states(runtime, zone_id, start, end)]
