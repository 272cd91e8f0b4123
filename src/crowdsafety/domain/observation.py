"""Observations: one value of one sensor for one interval.

Raw observations are append-only. In bulk they travel as a pandas DataFrame with
:data:`OBSERVATION_COLUMNS` (``start`` and ``received_at`` tz-aware UTC).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timezone
from enum import Enum

from crowdsafety.domain.site import SensorKind


class Quality(str, Enum):
    """Quality flag a source attaches to a value."""

    OK = "ok"
    ESTIMATED = "estimated"  # filled or derived by the source
    SUSPECT = "suspect"  # the source itself doubts the value


#: Metrics each sensor kind may report, with whether the value must be a whole number.
METRICS_BY_KIND: dict[SensorKind, dict[str, bool]] = {
    SensorKind.ZONE_COUNT: {"count": True},
    SensorKind.LINE_COUNT: {"in": True, "out": True, "passes": True},
    SensorKind.DEVICE_COUNT: {"devices": True},
    SensorKind.PARKING: {"occupied": True, "capacity": True},
    SensorKind.TRANSIT: {"boardings": True, "alightings": True},
    SensorKind.TRAFFIC: {"vehicles": True},
    SensorKind.AERIAL_ESTIMATE: {"count": True},
    SensorKind.WEATHER: {
        "temperature_c": False,
        "precipitation_mm": False,
        "sunshine_min": False,
        "wind_ms": False,
    },
}

#: Metrics that may be negative (all others are counts or amounts >= 0).
SIGNED_METRICS = frozenset({"temperature_c"})

OBSERVATION_COLUMNS: tuple[str, ...] = (
    "sensor_id",
    "start",
    "interval_s",
    "metric",
    "value",
    "quality",
    "received_at",
)


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class Observation:
    """One value of ``metric`` measured by ``sensor_id`` over [start, start + interval_s)."""

    sensor_id: str
    start: datetime
    interval_s: int
    metric: str
    value: float
    quality: Quality = Quality.OK
    received_at: datetime = field(default_factory=_utc_now)

    def __post_init__(self) -> None:
        if self.start.tzinfo is None:
            raise ValueError("start must carry a time zone")
        if self.interval_s <= 0:
            raise ValueError(f"interval_s must be positive, got {self.interval_s}")
        if not math.isfinite(self.value):
            raise ValueError(f"value must be finite, got {self.value}")

    @property
    def key(self) -> tuple[str, datetime, int, str]:
        """Identity of the measured thing; a different value for the same key is a correction."""
        return (self.sensor_id, self.start, self.interval_s, self.metric)
