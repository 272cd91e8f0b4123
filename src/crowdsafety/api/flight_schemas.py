"""API schemas of the flight register (strict; unknown fields are refused). Times are ISO 8601
with a time zone; areas are GeoJSON Polygons in WGS84 (``[lon, lat]`` degrees). A flight is
answered as a GeoJSON Feature: its area as geometry, the rest as properties."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from crowdsafety.api.schemas import IsoTime, Problem, RuleRefusal
from crowdsafety.domain.flight import Flight
from crowdsafety.service.flights import MAX_TEXT, PERMIT, FlightRefused

PurposeName = Literal["crowd_overview", "environmental_enforcement", "search"]
FlightStatusName = Literal["registered", "active", "ended"]
#: Most positions of an area's outline (a drawn polygon has tens; this bounds the checks' work).
MAX_POSITIONS = 2000

Position = Annotated[list[float], Field(min_length=2, max_length=3, description="[lon, lat] in degrees")]
Ring = Annotated[list[Position], Field(min_length=4, max_length=MAX_POSITIONS,
                                       description="a closed ring: the first position again at the end")]


class _Out(BaseModel):
    model_config = ConfigDict(strict=True)


class _In(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")


class PolygonIn(_In):
    """A GeoJSON Polygon in WGS84: the outer ring, then any holes."""

    type: Literal["Polygon"]
    coordinates: list[Ring] = Field(min_length=1, max_length=20)


class FlightIn(_In):
    """A flight to register. ``operator``: the operating organisation (scrubbed of personal
    data); ``permit``: its permit, licence or registration number; ``aircraft``: type and
    registration of the drone; ``max_altitude_m``: the highest it will fly, m above ground.
    Checked against the site's no-fly and restricted zones, its ceiling and the other flights."""

    model_config = ConfigDict(strict=True, extra="forbid", json_schema_extra={"examples": [
        {"operator": "Politie Den Haag", "permit": "NLD-UAS-0042", "aircraft": "DJI Matrice 30T PH-4DR",
         "purpose": "crowd_overview",
         "area": {"type": "Polygon", "coordinates": [[[4.2795, 52.1095], [4.2845, 52.1095], [4.2845, 52.1112],
                                                      [4.2795, 52.1112], [4.2795, 52.1095]]]},
         "start": "2026-07-05T16:00:00+02:00", "end": "2026-07-05T18:00:00+02:00", "max_altitude_m": 60}]})

    operator: str = Field(min_length=1, max_length=MAX_TEXT)
    permit: str = Field(pattern=f"^{PERMIT.pattern}$", max_length=40)
    aircraft: str = Field(min_length=1, max_length=MAX_TEXT)
    purpose: PurposeName
    area: PolygonIn
    start: IsoTime = Field(strict=False, description="window start, ISO 8601 with a time zone")
    end: IsoTime = Field(strict=False, description="window end, ISO 8601 with a time zone")
    max_altitude_m: float = Field(gt=0, le=10_000, allow_inf_nan=False)


class FlightProperties(_Out):
    """A flight's register entry; ``start`` / ``end``: its window; ``started_at`` /
    ``ended_at``: when its operator started and ended it."""

    id: str
    site_id: str
    operator: str
    permit: str
    aircraft: str
    purpose: PurposeName
    status: FlightStatusName
    start: datetime
    end: datetime
    max_altitude_m: float
    registered_at: datetime
    started_at: datetime | None
    ended_at: datetime | None


class FlightFeature(_Out):
    """A flight as a GeoJSON Feature: ``geometry`` is its area (a Polygon)."""

    type: Literal["Feature"] = "Feature"
    id: str
    geometry: dict[str, Any]
    properties: FlightProperties

    @classmethod
    def of(cls, f: Flight) -> FlightFeature:
        return cls(id=f.id, geometry=f.area, properties=FlightProperties(
            id=f.id, site_id=f.site_id, operator=f.operator, permit=f.permit, aircraft=f.aircraft,
            purpose=f.purpose.value, status=f.status.value, start=f.window.start, end=f.window.end,
            max_altitude_m=f.max_altitude_m, registered_at=f.registered_at, started_at=f.started_at,
            ended_at=f.ended_at))


class FlightCollection(_Out):
    """Flights as a GeoJSON FeatureCollection, latest window first."""

    type: Literal["FeatureCollection"] = "FeatureCollection"
    features: list[FlightFeature]


def refused_problem(refused: FlightRefused) -> Problem:
    """The 422 answer to a refused flight: every rule it breaks, and all of them in ``detail``."""
    return Problem(detail=str(refused), refusals=[RuleRefusal(rule=r.rule, where=r.where, message=r.message)
                                                  for r in refused.refusals])
