"""API schemas, kept apart from the domain types (strict: no lax coercion of counts)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from crowdsafety.domain import AERIAL_SENSOR_PREFIX, SensorHealth, Site, ZoneState


class _Out(BaseModel):
    model_config = ConfigDict(strict=True)


_ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(?P<offset>[Zz]|[+-]\d{2}:?\d{2})?")


def _iso_time_text(value: Any) -> Any:
    """Refuse what lax parsing would take as a time (``0.5``: seconds since 1970; a naive time)."""
    match = _ISO_TIME.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise ValueError("expected an ISO 8601 date and time, e.g. 2026-08-14T21:00:00+02:00")
    if match["offset"] is None:
        raise ValueError("timestamp needs a time zone (add Z or +01:00)")
    return value


def _in_utc(value: datetime) -> datetime:
    """Refuse a time that cannot be expressed in UTC (a year-1 time with a positive offset)."""
    try:
        value.astimezone(UTC)
    except (OverflowError, ValueError):
        raise ValueError(f"{value.isoformat()} is out of range in UTC") from None
    return value


#: A query parameter's time: ISO 8601 text with a UTC offset that UTC can hold, nothing else.
IsoTime = Annotated[datetime, BeforeValidator(_iso_time_text), AfterValidator(_in_utc)]


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


class RuleRefusal(_Out):
    """One rule a refused flight breaks: ``rule`` (area, window, altitude, no_fly, restricted,
    overlap); ``where``: the airspace zone, the other flight or the field; ``message``: what exactly."""

    rule: str
    where: str
    message: str


class UploadError(_Out):
    """One thing wrong with a refused upload: ``where`` (record and field) and ``message``."""

    where: str
    message: str


class Problem(_Out):
    """An error answer: what is wrong and where; a refused flight lists every rule it breaks, a
    refused upload every error."""

    detail: str
    rejected: list[RejectedRow] | None = None
    refusals: list[RuleRefusal] | None = None
    errors: list[UploadError] | None = None


#: OpenAPI answers of routes with parameters or a body: the app's validation handler answers a
#: :class:`Problem` (one ``detail`` text naming each wrong field), not FastAPI's error list.
INVALID: dict[int | str, dict[str, Any]] = {
    422: {"model": Problem, "description": "a parameter or the body is malformed; detail names what and where"}}
#: Routes taking a JSON body: a body that cannot be read as JSON at all (e.g. not UTF-8), or too large.
BODY_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": Problem, "description": "the body cannot be read as JSON"},
    413: {"model": Problem, "description": "the body is larger than the route takes (1 MiB unless it says)"},
    **INVALID}
#: Routes under ``/zones/{zone_id}``.
UNKNOWN_ZONE: dict[int | str, dict[str, Any]] = {404: {"model": Problem, "description": "no such zone"}}


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
    aerial: bool = Field(description="a drone's crowd estimate fed the state (a source is an aerial:<zone> sensor)")
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
            sources=list(s.sources), aerial=any(src.startswith(AERIAL_SENSOR_PREFIX) for src in s.sources),
            inflow=s.inflow, outflow=s.outflow, flow=s.flow, drift=s.drift,
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
