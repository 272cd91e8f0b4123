"""Derived state: what the picture says about a zone and a sensor at an interval."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from crowdsafety.domain.levels import Level, ServiceLevel


class DataStatus(str, Enum):
    """How well a zone's estimate is fed."""

    OK = "ok"  # every people sensor of the zone is healthy
    REDUCED = "reduced"  # some sensors missing or unhealthy; estimate from the rest
    NO_DATA = "no_data"  # nothing usable: people/density/level are None, never 0


class HealthStatus(str, Enum):
    """Health of one sensor."""

    OK = "ok"
    STALE = "stale"  # no data for N intervals
    FROZEN = "frozen"  # same value for M intervals while neighbours move
    SPIKE = "spike"  # physically impossible value
    NO_DATA = "no_data"  # never reported


@dataclass(frozen=True)
class SensorHealth:
    """Health of ``sensor_id`` as judged at ``at``; ``detail`` says why in words."""

    sensor_id: str
    at: datetime
    status: HealthStatus
    last_seen: datetime | None = None
    detail: str = ""


@dataclass(frozen=True)
class ZoneState:
    """Estimated state of a zone over [start, start + interval_s).

    people: persons present; density: persons/m²; inflow/outflow: persons per interval;
    flow: persons/m/min (flow zones); drift: persons the line-count balance was corrected by
    since the last anchor. ``sources`` lists the sensor ids that contributed.
    """

    zone_id: str
    start: datetime
    interval_s: int
    people: float | None
    density: float | None
    level: Level | None
    service_level: ServiceLevel | None
    status: DataStatus
    sources: tuple[str, ...] = ()
    inflow: float | None = None
    outflow: float | None = None
    flow: float | None = None
    drift: float | None = None
    uncertainty: float | None = None  # standard deviation of ``people``, persons
