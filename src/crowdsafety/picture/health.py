"""Sensor health: is a sensor silent, stale, frozen or reporting the impossible?

Judged at a moment ``at`` from the recent window of observations (``2 × frozen_after_intervals``
intervals), worst first:

- **NO_DATA**: never reported (not in the window, not in ``last_seen``).
- **STALE**: latest interval start older than ``at - stale_after_intervals · interval_s``.
- **SPIKE**: the latest value is physically impossible: a zone count (or calibrated device count)
  above ``max_density`` (6 persons/m²) × the zone area; a line count above ``max_line_flow``
  (100 persons/m/min) × its width, or above ``max_line_rate`` (5,000 persons/min) anyway; or a
  jump: above ``jump_factor`` (10) × the reference and at least ``jump_min`` (200) above it, the
  reference being the larger of the previous value and the median of the values in the
  ``jump_window`` (6) intervals before (at least ``jump_history`` (3) of them), so a steep but
  steady rise is no spike, nor a return after a gap or after fewer than 4 reported zeros in the
  window. The short window still knows the level just before a spike after an evening's
  decline (the simulated Scheveningen summer: 7 of 10 injected spikes flagged instead of 5 with
  a two-hour median, and no more false flags); the price is a flag on the first value after a
  longer run of reported zeros.
- **FROZEN**: every metric of a people sensor has repeated its latest value, not all zero, for
  ``frozen_after_intervals`` reports or more, while another people sensor of one of its zones
  (or, where none of them reported lately, of the site) changed within that many intervals.
- **OK** otherwise. ``detail`` says why in words.

A drone's estimate (the virtual sensor ``aerial:<zone>``) reports only while a flight covers its
zone: it is never NO_DATA, STALE or FROZEN, only SPIKE when its latest value is impossible, and
it is no neighbour whose moving makes another sensor FROZEN.

The same code judges every interval of a replay at once (:class:`HealthCheck`), so the rolling
health of ``compute_states`` and a single ``assess_health`` agree.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd

from crowdsafety.domain import HealthStatus, SensorHealth, SensorKind, Site
from crowdsafety.picture import device_count
from crowdsafety.picture.grid import NEVER, ObservationGrid, build_grid, to_ns
from crowdsafety.picture.index import ALL_METRICS, SiteIndex, site_index

#: Status codes in order of precedence (a higher code wins).
OK, FROZEN, SPIKE, STALE, NO_DATA = range(5)
STATUSES = (HealthStatus.OK, HealthStatus.FROZEN, HealthStatus.SPIKE, HealthStatus.STALE, HealthStatus.NO_DATA)


@dataclass(frozen=True)
class HealthLimits:
    """What counts as physically impossible."""

    max_density: float = 6.0  # persons/m² a zone can hold
    max_line_flow: float = 100.0  # persons/m/min through a counter's width
    max_line_rate: float = 5000.0  # persons/min through any counter
    jump_factor: float = 10.0  # jump against the recent median, ×
    jump_min: float = 200.0  # persons (devices) per interval a jump must at least add
    jump_history: int = 3  # earlier values needed to judge a jump
    jump_window: int = 6  # intervals before a value whose median is its reference


DEFAULT_LIMITS = HealthLimits()


class HealthCheck:
    """Health of every sensor at the rows ``eval_rows`` of a grid, judged at ``at_ns`` [rows]."""

    def __init__(
        self,
        index: SiteIndex,
        grid: ObservationGrid,
        *,
        eval_rows: np.ndarray,
        at_ns: np.ndarray,
        limits: HealthLimits = DEFAULT_LIMITS,
    ):
        site = index.site
        self.index, self.grid, self.eval_rows, self.at_ns = index, grid, eval_rows, at_ns
        m = site.frozen_after_intervals
        values = grid.values
        has = ~np.isnan(values)
        cols = np.arange(index.n_columns)

        last_row = _ffill_index(grid.reported)[eval_rows]
        in_grid = np.where(last_row >= 0, grid.starts_ns[np.maximum(last_row, 0)], NEVER)
        self.last_seen = np.maximum(in_grid, grid.seen_before_ns)
        never = self.last_seen == NEVER
        stale = ~never & (self.last_seen < (at_ns - site.stale_after_intervals * grid.interval_ns)[:, None])

        # Column level, each at its latest report at or before the row.
        last_c = _ffill_index(has)
        seen_c = last_c >= 0
        prev = np.vstack([np.full((1, len(cols)), np.nan), values[np.maximum(last_c, 0), cols][:-1]])
        prev[1:][~seen_c[:-1]] = np.nan
        changed = has & ~(values == prev)
        moved = has & ~np.isnan(prev) & (values != prev)
        count = np.cumsum(has, axis=0)
        run = count - np.maximum.accumulate(np.where(changed, count - 1, -1), axis=0)
        moving_c = _recent(moved, m)

        at_c = last_c[eval_rows]
        self.seen_c = at_c >= 0
        self.latest_c = np.where(self.seen_c, values[np.maximum(at_c, 0), cols], np.nan)
        self.run_c = np.where(self.seen_c, run[eval_rows], 0)
        self.cap_c = column_caps(index, limits)
        self.spike_c, self.reference_c = _spikes(values, prev, at_c, self.cap_c, limits)

        run_min = np.full(self.run_c.shape[:-1] + (index.n_sensors,), np.iinfo(np.int64).max)
        if index.n_columns:
            masked = np.where(self.seen_c, self.run_c, np.iinfo(np.int64).max)
            run_min[:, index.people_sensors] = np.minimum.reduceat(masked, index.col_starts, axis=1)
        self.run_s = run_min
        stuck = index.per_sensor_any(self.seen_c & (self.latest_c != 0)) & (run_min >= m)
        spike = index.per_sensor_any(self.spike_c > 0)
        frozen = stuck & _neighbours_move(index, index.per_sensor_any(moving_c)[eval_rows],
                                          _recent(grid.reported, m)[eval_rows])
        codes = np.full(stale.shape, OK, dtype=np.int8)
        for mask, code in ((frozen, FROZEN), (spike, SPIKE), (stale, STALE), (never, NO_DATA)):
            codes[mask] = code
        aerial = index.is_aerial
        codes[:, aerial] = np.where(spike[:, aerial], SPIKE, OK)
        self.codes = codes

    def healthy(self) -> np.ndarray:
        """[rows, S] bool: the sensor is OK at that row."""
        return np.asarray(self.codes == OK)

    def sensor_health(self, k: int) -> list[SensorHealth]:
        """Health of every sensor at the ``k``-th evaluated row."""
        at = _datetime(int(self.at_ns[k]))
        times: dict[int, datetime | None] = {NEVER: None}
        out = []
        for s, (sensor_id, code, seen) in enumerate(
            zip(self.index.sensor_ids, self.codes[k].tolist(), self.last_seen[k].tolist(), strict=True)
        ):
            if seen not in times:
                times[seen] = _datetime(seen)
            out.append(SensorHealth(
                sensor_id=sensor_id,
                at=at,
                status=STATUSES[code],
                last_seen=times[seen],
                detail="" if code == OK else self._detail(k, s, code, seen),
            ))
        return out

    def _detail(self, k: int, s: int, code: int, seen: int) -> str:
        if code == NO_DATA:
            return "never reported"
        if code == STALE:
            silent_s = (int(self.at_ns[k]) - seen - self.grid.interval_ns) // 1_000_000_000
            return f"no data for {_duration(silent_s)}"
        cols = np.flatnonzero(self.index.col_sensor == s)
        if code == SPIKE:
            c = cols[self.spike_c[k, cols] > 0][0]
            metric, value = _metric(self.index, c), self.latest_c[k, c]
            if self.spike_c[k, c] == 1:
                return f"{metric} {value:g} above the physical limit {self.cap_c[c]:.0f} per interval"
            return f"{metric} {value:g} jumped from {self.reference_c[k, c]:g}"
        shown = [c for c in cols if self.seen_c[k, c] and self.latest_c[k, c] != 0]
        return f"value {self.latest_c[k, shown[0]]:g} unchanged for {self.run_s[k, s]} intervals"


def assess_health(
    site: Site,
    observations: pd.DataFrame,
    *,
    at: datetime,
    last_seen: Mapping[str, datetime] | None = None,
    limits: HealthLimits = DEFAULT_LIMITS,
) -> list[SensorHealth]:
    """Health of every sensor of the site at ``at`` from ``observations`` starting before it.

    Looks at the ``2 × frozen_after_intervals`` intervals up to ``at`` (intervals on the epoch
    grid of ``interval_s``); ``last_seen`` (latest interval start per sensor, e.g. from the
    store) tells a sensor silent in that window from one that never reported.
    """
    index = site_index(site)
    at_ns = to_ns(at)
    window = 2 * site.frozen_after_intervals
    interval_ns = index.interval_s * 1_000_000_000
    origin = ((at_ns - 1) // interval_ns - window + 1) * interval_ns
    grid = build_grid(index, observations, origin_ns=origin, n_intervals=window, until_ns=at_ns)
    for sensor_id, seen in (last_seen or {}).items():
        s = index.sensor_pos.get(sensor_id)
        seen_ns = to_ns(seen)
        if s is not None and seen_ns < at_ns:
            grid.seen_before_ns[s] = max(grid.seen_before_ns[s], seen_ns)
    check = HealthCheck(
        index, grid, eval_rows=np.array([window - 1]), at_ns=np.array([at_ns]), limits=limits
    )
    return check.sensor_health(0)


def _ffill_index(mask: np.ndarray) -> np.ndarray:
    """[T, N]: the latest row at or before each row where ``mask`` is true, else -1."""
    rows = np.where(mask, np.arange(len(mask))[:, None], -1)
    return np.maximum.accumulate(rows, axis=0) if len(mask) else rows


def _recent(mask: np.ndarray, n: int) -> np.ndarray:
    """[T, N]: ``mask`` was true in one of the last ``n`` rows."""
    total = np.cumsum(mask, axis=0)
    earlier = np.vstack([np.zeros((min(n, len(mask)),) + mask.shape[1:], dtype=total.dtype), total[:-n]])
    return np.asarray(total - earlier > 0)


def column_caps(index: SiteIndex, limits: HealthLimits) -> np.ndarray:
    """Largest physically possible value per column, per interval (cached on the index)."""
    cached = index.cache.get(limits)
    if cached is not None:
        return cached
    site, minutes = index.site, index.interval_s / 60.0
    zone_pos = {z: i for i, z in enumerate(index.zone_ids)}
    caps = np.full(index.n_columns, np.inf)
    ends = np.r_[index.col_starts[1:], index.n_columns]
    for s, first, end in zip(index.people_sensors, index.col_starts, ends, strict=True):
        sensor = site.sensors[s]
        zones = [site.zones[zone_pos[z]] for z in sensor.zones if z in zone_pos]
        if sensor.kind is SensorKind.LINE_COUNT:
            widths = [w for w in (sensor.width_m, *(z.width_m for z in zones)) if w is not None]
            per_min = min(limits.max_line_flow * widths[0], limits.max_line_rate) if widths else limits.max_line_rate
            caps[first:end] = per_min * minutes
        elif zones:
            persons_per_unit = device_count.calibration(sensor) if sensor.kind is SensorKind.DEVICE_COUNT else 1.0
            caps[first:end] = limits.max_density * sum(z.area_m2 for z in zones) / persons_per_unit
    index.cache[limits] = caps
    return caps


def _spikes(
    values: np.ndarray, previous: np.ndarray, at_c: np.ndarray, caps: np.ndarray, limits: HealthLimits
) -> tuple[np.ndarray, np.ndarray]:
    """Per evaluated row and column: 0 fine, 1 above the cap, 2 a jump; and the jump's reference."""
    code = np.zeros(at_c.shape, dtype=np.int8)
    reference = np.full(at_c.shape, np.nan)
    rows, cols = np.nonzero(at_c >= 0)
    if not len(rows):
        return code, reference
    cells, where = np.unique(np.stack([at_c[rows, cols], cols]), axis=1, return_inverse=True)
    value = values[cells[0], cells[1]]
    median = _prior_median(values, cells[0], cells[1], limits.jump_window, limits.jump_history)
    ref = np.where(np.isnan(median), np.nan, np.fmax(median, previous[cells[0], cells[1]]))
    with np.errstate(invalid="ignore"):
        jump = (value > limits.jump_factor * ref) & (value - ref >= limits.jump_min)
    cell_code = np.where(value > caps[cells[1]], 1, np.where(jump, 2, 0))
    code[rows, cols] = cell_code[where.ravel()]
    reference[rows, cols] = ref[where.ravel()]
    return code, reference


def _prior_median(values: np.ndarray, rows: np.ndarray, cols: np.ndarray, window: int, min_count: int) -> np.ndarray:
    """Median of the up to ``window`` values before (row, col), NaN with fewer than ``min_count``."""
    out = np.full(len(rows), np.nan)
    chunk = max(1, 2_000_000 // window)
    offsets = np.arange(-window, 0)
    for a in range(0, len(rows), chunk):
        r, c = rows[a:a + chunk, None] + offsets, cols[a:a + chunk, None]
        win = np.where(r >= 0, values[np.maximum(r, 0), c], np.nan)
        n = np.sum(~np.isnan(win), axis=1)
        ordered = np.sort(win, axis=1)  # NaN last
        lo = np.take_along_axis(ordered, np.maximum((n - 1) // 2, 0)[:, None], axis=1)[:, 0]
        hi = np.take_along_axis(ordered, (n // 2).clip(max=window - 1)[:, None], axis=1)[:, 0]
        out[a:a + chunk] = np.where(n >= min_count, (lo + hi) / 2, np.nan)
    return out


def _neighbours_move(index: SiteIndex, moving: np.ndarray, active: np.ndarray) -> np.ndarray:
    """[rows, S]: another standing people sensor (not a drone's estimate) of a shared zone moved
    (or, none active there, of the site)."""
    people = index.is_people & ~index.is_aerial
    ms, mz = index.member_sensor, index.member_zone
    moving = moving & people
    active = active & people
    zone_moving = _group_sum(moving[:, ms], mz, index.n_zones)[:, mz] - moving[:, ms]
    zone_active = _group_sum(active[:, ms], mz, index.n_zones)[:, mz] - active[:, ms]
    zone_moves = _group_sum(zone_moving > 0, ms, index.n_sensors) > 0
    zone_has = _group_sum(zone_active > 0, ms, index.n_sensors) > 0
    site_moves = moving.sum(axis=1, keepdims=True) - moving > 0
    return np.where(zone_has, zone_moves, site_moves)


def _group_sum(values: np.ndarray, group: np.ndarray, n_groups: int) -> np.ndarray:
    """[rows, L] summed by ``group`` [L] -> [rows, n_groups]."""
    out = np.zeros((values.shape[0], n_groups))
    if len(group):
        order = np.argsort(group, kind="stable")
        g = group[order]
        starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
        out[:, g[starts]] = np.add.reduceat(values[:, order].astype(float), starts, axis=1)
    return out


def _metric(index: SiteIndex, col: int) -> str:
    sensor = int(index.col_sensor[col])
    return ALL_METRICS[int(np.flatnonzero(index.col_lut[sensor] == col)[0])]


def _datetime(ns: int) -> datetime:
    return pd.Timestamp(ns, tz="UTC").to_pydatetime()


def _duration(seconds: int) -> str:
    """'25 min', '3 h 5 min', '2 d 4 h'."""
    minutes = max(0, seconds) // 60
    days, hours, mins = minutes // 1440, minutes // 60 % 24, minutes % 60
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {mins} min" if mins else f"{hours} h"
    return f"{mins} min"
