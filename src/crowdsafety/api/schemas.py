"""API schemas, kept apart from the domain types (strict: no lax coercion of counts)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from crowdsafety.domain import SensorHealth, Site, ZoneState


class _Out(BaseModel):
    model_config = ConfigDict(strict=True)


class ObservationIn(BaseModel):
    """One observation row as posted (documented schema; rows are validated one by one)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "sensor_id": "cam-pier", "start": "2026-07-05T14:00:00+02:00", "interval_s": 300,
        "metric": "count", "value": 412}]})

    sensor_id: str
    start: str = Field(description="interval start, ISO 8601 with a UTC offset")
    interval_s: int | None = Field(None, description="interval length in s (default: the site's)")
    metric: str
    value: float
    quality: Literal["ok", "estimated", "suspect"] = "ok"


class RejectedRow(_Out):
    index: int
    field: str | None
    reason: str


class IngestResult(_Out):
    """received = rows in the request; accepted = valid rows (new + duplicates + corrections)."""

    received: int
    accepted: int
    inserted: int
    duplicates: int
    corrections: int
    rejected: list[RejectedRow]


class Problem(_Out):
    """An error answer: what is wrong and where."""

    detail: str
    rejected: list[RejectedRow] | None = None


class ZoneStateOut(_Out):
    zone_id: str
    start: datetime
    interval_s: int
    people: float | None = Field(description="persons present")
    density: float | None = Field(description="persons/m²")
    level: str | None
    service_level: str | None = Field(description="Fruin level of service A-F")
    status: str = Field(description="ok, reduced or no_data")
    sources: list[str]
    inflow: float | None = Field(description="persons per interval")
    outflow: float | None = Field(description="persons per interval")
    flow: float | None = Field(description="persons/m/min")
    drift: float | None = Field(description="line-count balance correction since the last anchor, persons")
    uncertainty: float | None = Field(description="standard deviation of people, persons")

    @classmethod
    def of(cls, s: ZoneState) -> "ZoneStateOut":
        return cls(
            zone_id=s.zone_id, start=s.start, interval_s=s.interval_s, people=s.people, density=s.density,
            level=s.level.value if s.level else None,
            service_level=s.service_level.value if s.service_level else None, status=s.status.value,
            sources=list(s.sources), inflow=s.inflow, outflow=s.outflow, flow=s.flow, drift=s.drift,
            uncertainty=s.uncertainty,
        )


class SiteOut(_Out):
    id: str
    name: str
    timezone: str
    interval_s: int
    now: datetime = Field(description="the service clock (a replay clock in the demo)")
    latest_interval: datetime | None
    zones: int
    sensors: int
    bbox: list[float] = Field(description="[west, south, east, north] in WGS84 degrees")
    tile_url: str | None

    @classmethod
    def of(cls, site: Site, now: datetime, latest: datetime | None, bbox: list[float]) -> "SiteOut":
        return cls(id=site.id, name=site.name, timezone=site.timezone, interval_s=site.interval_s, now=now,
                   latest_interval=latest, zones=len(site.zones), sensors=len(site.sensors), bbox=bbox,
                   tile_url=site.tile_url)


class SensorOut(_Out):
    id: str
    name: str
    kind: str
    zones: list[str]
    location: list[float] | None = Field(description="[lon, lat] WGS84")
    health: str
    health_detail: str
    last_seen: datetime | None

    @classmethod
    def of(cls, sensor: Any, health: SensorHealth | None) -> "SensorOut":
        return cls(
            id=sensor.id, name=sensor.name, kind=sensor.kind.value, zones=list(sensor.zones),
            location=list(sensor.location) if sensor.location else None,
            health=health.status.value if health else "no_data",
            health_detail=health.detail if health else "not assessed yet",
            last_seen=health.last_seen if health else None,
        )


class ZoneFeatureCollection(BaseModel):
    """GeoJSON FeatureCollection; each feature's properties hold the zone and its latest state."""

    type: Literal["FeatureCollection"] = "FeatureCollection"
    features: list[dict[str, Any]]
