"""Per-row validation of incoming observations.

A row is a mapping ``{"sensor_id", "start", "metric", "value"}`` with optional ``interval_s``
(seconds, default the site's interval) and ``quality``. ``start`` is ISO 8601 text with a UTC
offset. Counts must be non-negative whole numbers; booleans and text are never numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Iterable

import numpy as np
import pandas as pd

from crowdsafety.domain import METRICS_BY_KIND, OBSERVATION_COLUMNS, Quality, Site
from crowdsafety.domain.observation import SIGNED_METRICS

MAX_INTERVAL_S = 86_400
_MAX_VALUE = 10**12  # larger values are implausible for any metric
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def _epoch_us(t: datetime) -> int:
    return (t - _EPOCH) // timedelta(microseconds=1)
_QUALITIES = {q.value for q in Quality}
_FIELDS = {"sensor_id", "start", "interval_s", "metric", "value", "quality"}


@dataclass(frozen=True)
class Rejection:
    """A rejected row: its position in the batch, the field at fault (if one) and why."""

    index: int
    reason: str
    field: str | None = None


@dataclass(frozen=True)
class ValidatedBatch:
    """Valid rows as an observation frame, and the rejected ones."""

    frame: pd.DataFrame
    rejected: list[Rejection]


class _Reject(Exception):
    def __init__(self, reason: str, field: str | None = None):
        self.reason, self.field = reason, field


def validate_rows(site: Site, rows: Iterable[Any], *, now: datetime | None = None) -> ValidatedBatch:
    """Check every row against ``site``; valid rows are returned as a frame, the rest as rejections."""
    now = now or datetime.now(timezone.utc)
    latest_allowed = now + timedelta(seconds=site.max_future_s)
    latest_us = _epoch_us(latest_allowed)
    metrics = _metrics_by_sensor(site)
    starts: dict[str, int] = {}  # start text -> µs since the epoch: a batch repeats few interval starts
    valid: list[tuple[Any, ...]] = []
    rejected: list[Rejection] = []
    for i, row in enumerate(rows):
        try:
            valid.append(_check_row(site, metrics, row, latest_us, starts))
        except _Reject as exc:
            rejected.append(Rejection(i, exc.reason, exc.field))
    sensor_id, start_us, interval_s, metric, value, quality = zip(*valid) if valid else ([],) * 6
    frame = pd.DataFrame({
        "sensor_id": pd.array(sensor_id, dtype="str"),
        "start": pd.to_datetime(np.asarray(start_us, dtype="int64"), unit="us", utc=True),
        "interval_s": np.asarray(interval_s, dtype="int64"),
        "metric": pd.array(metric, dtype="str"),
        "value": np.asarray(value, dtype="float64"),
        "quality": pd.array(quality, dtype="str"),
        "received_at": pd.Timestamp(now).tz_convert("UTC"),
    }, columns=list(OBSERVATION_COLUMNS))
    return ValidatedBatch(frame, rejected)


def _metrics_by_sensor(site: Site) -> dict[str, tuple[str, dict[str, bool]]]:
    """Sensor id -> (kind name, allowed metrics), cached on the (frozen) site."""
    cached = site.__dict__.get("_ingest_metrics")
    if cached is None:
        cached = {s.id: (s.kind.value, METRICS_BY_KIND[s.kind]) for s in site.sensors}
        object.__setattr__(site, "_ingest_metrics", cached)
    return cached


def _check_row(
    site: Site, metrics: dict[str, tuple[str, dict[str, bool]]], row: Any, latest_us: int, starts: dict[str, int]
) -> tuple[Any, ...]:
    """(sensor_id, start in µs since the epoch, interval_s, metric, value, quality) of a valid row."""
    if not isinstance(row, dict):
        raise _Reject(f"must be an object with sensor_id, start, metric, value; got {type(row).__name__}")
    if not row.keys() <= _FIELDS:
        raise _Reject(f"unknown field(s): {', '.join(sorted(map(str, row.keys() - _FIELDS)))}")
    sensor_id = row.get("sensor_id")
    if not isinstance(sensor_id, str):
        raise _Reject("required text is missing", "sensor_id")
    if sensor_id not in metrics:
        raise _Reject(f"unknown sensor {sensor_id[:80]!r} for site {site.id!r}", "sensor_id")
    kind, allowed = metrics[sensor_id]
    raw_start = row.get("start")
    start_us = starts.get(raw_start) if isinstance(raw_start, str) else None
    if start_us is None:
        start_us = _epoch_us(_timestamp(raw_start))
        starts[raw_start] = start_us
    interval_s = row.get("interval_s", site.interval_s)
    if not _is_int(interval_s) or not 0 < interval_s <= MAX_INTERVAL_S:
        raise _Reject(f"must be a whole number of seconds 1-{MAX_INTERVAL_S}, got {_show(interval_s)}", "interval_s")
    if start_us > latest_us:
        raise _Reject(f"{_timestamp(raw_start).isoformat()} is in the future (more than {site.max_future_s} s ahead)",
                      "start")
    if start_us < 0:
        raise _Reject(f"{_timestamp(raw_start).isoformat()} lies before 1970: no sensor's time", "start")
    metric = row.get("metric")
    if not isinstance(metric, str) or metric not in allowed:
        raise _Reject(f"metric {_show(metric)} does not fit a {kind} sensor (expected {', '.join(allowed)})", "metric")
    value = row.get("value")
    if type(value) is int and 0 <= value <= _MAX_VALUE:  # the usual count: nothing more to check
        value = float(value)
    else:
        value = _value(value, whole=allowed[metric], signed=metric in SIGNED_METRICS)
    quality = row.get("quality", "ok")
    if quality not in _QUALITIES:
        raise _Reject(f"must be one of {', '.join(sorted(_QUALITIES))}, got {_show(quality)}", "quality")
    return sensor_id, start_us, interval_s, metric, value, quality


def _timestamp(raw: Any) -> datetime:
    if not isinstance(raw, str):
        raise _Reject(f"must be ISO 8601 text with a UTC offset, got {_show(raw)}", "start")
    try:
        stamp = datetime.fromisoformat(raw)
    except ValueError:
        raise _Reject(f"unparsable timestamp {_show(raw)}", "start") from None
    if stamp.tzinfo is None or stamp.utcoffset() is None:
        raise _Reject(f"timestamp {_show(raw)} has no time zone (add Z or +01:00)", "start")
    try:
        return stamp.astimezone(timezone.utc)
    except OverflowError:  # e.g. 0001-01-01T00:00+01:00
        raise _Reject(f"timestamp {_show(raw)} is out of range in UTC", "start") from None


def _value(raw: Any, *, whole: bool, signed: bool) -> float:
    if isinstance(raw, bool) or not isinstance(raw, (int, float)):
        raise _Reject(f"must be a number, got {_show(raw)}", "value")
    if isinstance(raw, float) and not math.isfinite(raw):  # an int may be too large for a float
        raise _Reject(f"must be finite, got {raw}", "value")
    if not signed and raw < 0:
        raise _Reject(f"must not be negative, got {_show(raw)}", "value")
    if whole and (isinstance(raw, float) and not raw.is_integer()):
        raise _Reject(f"a count must be a whole number, got {raw}", "value")
    if abs(raw) > _MAX_VALUE:
        raise _Reject(f"implausibly large value {_show(raw)}", "value")
    return float(raw)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
