"""Builders for small sites (straight from domain types) and observation frames."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd

from crowdsafety.domain import OBSERVATION_COLUMNS, LevelBasis, LevelThresholds, Sensor, SensorKind, Site, Zone

#: 12:00 local time in Amsterdam (summer); far from the 05:00 nightly reset.
T0 = datetime(2024, 7, 1, 10, 0, tzinfo=UTC)
INTERVAL_S = 900
SQUARE = {"type": "Polygon", "coordinates": [[[4.0, 52.0], [4.001, 52.0], [4.001, 52.001], [4.0, 52.0]]]}

Row = tuple[Any, ...]  # (sensor_id, interval index or datetime, metric, value[, quality[, received_at]])


def zone(zone_id: str, *, area: float = 1000.0, basis: str = "density", width: float | None = None,
         night_baseline: float = 0.0, counted: float = 1.0) -> Zone:
    thresholds = {
        "density": LevelThresholds.fruin_density(),
        "flow": LevelThresholds.fruin_flow(),
        "count": LevelThresholds(LevelBasis.COUNT, 100, 200, 300),
    }[basis]
    return Zone(id=zone_id, name=zone_id, geometry=SQUARE, area_m2=area, thresholds=thresholds,
                width_m=width, night_baseline=night_baseline, counted_entrances=counted)


def sensor(sensor_id: str, kind: str, *zones: str, **fields: Any) -> Sensor:
    return Sensor(id=sensor_id, kind=SensorKind(kind), zones=tuple(zones), **fields)


def site(zones: list[Zone], sensors: list[Sensor], **fields: Any) -> Site:
    settings = {"timezone": "Europe/Amsterdam", "interval_s": INTERVAL_S, "night_reset_hour": None,
                "stale_after_intervals": 3, "frozen_after_intervals": 4}
    settings.update(fields)
    return Site(id="test", name="Test", zones=tuple(zones), sensors=tuple(sensors), **settings)


def at(k: int) -> datetime:
    """Start of interval ``k`` after T0."""
    return T0 + timedelta(seconds=INTERVAL_S * k)


def frame(rows: list[Row]) -> pd.DataFrame:
    """Observation frame from (sensor, k or start, metric, value[, quality[, received_at]]) rows."""
    records = []
    for row in rows:
        sensor_id, when, metric, value = row[:4]
        start = at(when) if isinstance(when, int) else when
        quality = row[4] if len(row) > 4 else "ok"
        received = row[5] if len(row) > 5 else start + timedelta(seconds=INTERVAL_S)
        records.append((sensor_id, start, INTERVAL_S, metric, float(value), quality, received))
    out = pd.DataFrame(records, columns=list(OBSERVATION_COLUMNS))
    for column in ("start", "received_at"):
        out[column] = pd.to_datetime(out[column], utc=True)
    return out
