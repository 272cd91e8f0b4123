"""The picture of a site: per interval, every zone's people, density, flow, level and data status.

Per zone and interval, from the observations of its people sensors (zone_count, device_count,
line_count, aerial_estimate) that are healthy and reported a usable value (quality not ``suspect``):

- direct estimates (zone counts, calibrated device counts, Little's law in flow zones, and a
  drone's crowd estimate of this interval or held from up to three before, :mod:`.aerial`) are
  fused by inverse variance (:mod:`.fusion`);
- a zone whose in/out line counters see (nearly) all its entrances (``counted_entrances >=``
  :data:`~crowdsafety.picture.balance.FULLY_COUNTED`) follows the Kalman-corrected balance
  (:mod:`.balance`), updated by those direct estimates; in any other zone the counters give
  inflow/outflow only (the counted persons / ``counted_entrances``) and presence is the fused
  direct estimate;
- inflow/outflow (persons per interval) where every in/out counter of the zone reported (a
  silent counter would make them too low);
- flow (persons/m/min) from ``passes`` (:mod:`.flow`); density, service level and colour
  (:mod:`.levels`).

Data status: OK when every standing people sensor of the zone (all but the aerial estimates,
which report only while a drone flies over) is healthy and fed its figures, REDUCED when an
estimate exists without some of them (or rests on an aerial estimate alone), NO_DATA when no
presence can be estimated: then people, density, level and service level are None, never 0.
``sources`` lists the sensors that fed the zone's people, inflow/outflow or flow figures in that
interval, and no other (``aerial:<zone>`` while a drone's estimate holds).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd

from crowdsafety.domain import DataStatus, HealthStatus, SensorHealth, Site, ZoneState
from crowdsafety.picture import aerial, balance, fusion, levels
from crowdsafety.picture.device_count import device_count_estimate
from crowdsafety.picture.flow import flow_rate, littles_law_presence
from crowdsafety.picture.grid import ObservationGrid, build_grid, to_ns
from crowdsafety.picture.health import DEFAULT_LIMITS, HealthCheck, HealthLimits, assess_health
from crowdsafety.picture.index import SiteIndex, site_index
from crowdsafety.picture.zone_count import zone_count_estimate

_OK, _REDUCED, _NO_DATA = range(3)
#: Grid cells (intervals × (columns + sensors)) per block of compute_states.
_BLOCK_CELLS = 4_000_000
_STATUSES = (DataStatus.OK, DataStatus.REDUCED, DataStatus.NO_DATA)


@dataclass(frozen=True)
class _Carry:
    """The filter state carried from one interval to the next, per zone (NaN: none)."""

    people: np.ndarray
    sd: np.ndarray
    drift: np.ndarray

    @classmethod
    def from_states(cls, index: SiteIndex, previous: Mapping[str, ZoneState] | None) -> _Carry:
        previous = previous or {}
        none: tuple[float | None, ...] = (None,) * 3
        rows = []
        for zone_id in index.zone_ids:
            state = previous.get(zone_id)
            if state is None or state.people is None:
                rows.append(none)
            else:
                rows.append((state.people, state.uncertainty, state.drift))
        fields = np.array(rows, dtype=float).reshape(-1, 3).T  # None becomes NaN
        return cls(*fields)


@dataclass(frozen=True)
class _Interval:
    """Result arrays of one interval (per zone) and the carry for the next."""

    carry: _Carry
    inflow: np.ndarray
    outflow: np.ndarray
    flow: np.ndarray
    status: np.ndarray
    fed: np.ndarray  # [members] bool: the (sensor, zone) pair fed the zone's figures


@dataclass(frozen=True)
class _Held:
    """Per grid row, each aerial link's held estimate (:func:`.aerial.held_values`) and its age."""

    count: np.ndarray
    age: np.ndarray

    @classmethod
    def of(cls, index: SiteIndex, grid: ObservationGrid) -> _Held:
        return cls(*aerial.held_values(grid.values, grid.usable, index.aerials.col))

    def row(self, row: int) -> tuple[np.ndarray, np.ndarray]:
        return self.count[row], self.age[row]


class PictureModel:
    """The picture of one site; indexes the site once, then estimates an interval with arrays."""

    def __init__(self, site: Site, *, limits: HealthLimits = DEFAULT_LIMITS):
        self.site = site
        self.index = site_index(site)
        self.limits = limits

    def assess_health(
        self, observations: pd.DataFrame, *, at: datetime, last_seen: Mapping[str, datetime] | None = None
    ) -> list[SensorHealth]:
        """Health of every sensor at ``at`` (see :func:`crowdsafety.picture.health.assess_health`)."""
        return assess_health(self.site, observations, at=at, last_seen=last_seen, limits=self.limits)

    def estimate_interval(
        self,
        observations: pd.DataFrame,
        *,
        start: datetime,
        previous: Mapping[str, ZoneState] | None,
        health: Mapping[str, SensorHealth],
    ) -> list[ZoneState]:
        """Every zone's state over [start, start + interval_s).

        ``observations``: rows of that interval, and of the :data:`~.aerial.HOLD_INTERVALS` before
        for aerial estimates (others are ignored). ``previous``: the states of the interval
        before, which carry the balance filter. ``health``: per sensor id; a sensor whose status
        is not OK is left out, one missing from the mapping counts as OK.
        """
        start_ns, hold = to_ns(start), aerial.HOLD_INTERVALS
        origin = start_ns - hold * self.index.interval_s * 1_000_000_000
        grid = build_grid(self.index, observations, origin_ns=origin, n_intervals=hold + 1)
        healthy = np.ones(self.index.n_sensors, dtype=bool)
        for sensor_id, h in health.items():
            s = self.index.sensor_pos.get(sensor_id)
            if s is not None and h.status is not HealthStatus.OK:
                healthy[s] = False
        anchor = self._anchors(np.array([start_ns]))[0]
        carry = _Carry.from_states(self.index, previous)
        held = _Held.of(self.index, grid)
        result = self._step(grid.values[hold], grid.usable[hold], healthy, carry, anchor, held.row(hold))
        return self._states(result, start_ns)

    def compute_states(
        self,
        observations: pd.DataFrame,
        *,
        start: datetime,
        end: datetime,
        previous: Mapping[str, ZoneState] | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> tuple[list[ZoneState], list[SensorHealth]]:
        """States of every zone for the intervals [start, end), and the sensors' health at ``end``.

        Health is judged per interval at its end from the observations up to then (rows before
        ``start`` serve as history: pass ``2 × frozen_after_intervals`` intervals of it, at least
        :data:`~.aerial.HOLD_INTERVALS`).
        ``progress`` is called with the number of intervals done since its previous call. Long
        ranges are computed in blocks of intervals to bound memory.
        """
        start_ns, end_ns = to_ns(start), to_ns(end)
        step = self.index.interval_s * 1_000_000_000
        n = max(0, -(-(end_ns - start_ns) // step))
        if n == 0:
            return [], self.assess_health(observations, at=end)
        warmup = max(2 * self.site.frozen_after_intervals, aerial.HOLD_INTERVALS)
        block = max(1, _BLOCK_CELLS // (self.index.n_columns + self.index.n_sensors + 1))
        carry = _Carry.from_states(self.index, previous)
        states: list[ZoneState] = []
        report = _Progress(progress, n)
        for first in range(0, n, block):
            size = min(block, n - first)
            origin = start_ns + (first - warmup) * step
            grid = build_grid(self.index, observations, origin_ns=origin, n_intervals=warmup + size, until_ns=end_ns)
            rows = warmup + np.arange(size)
            starts = grid.starts_ns[rows]
            check = HealthCheck(
                self.index, grid, eval_rows=rows, at_ns=np.minimum(starts + step, end_ns), limits=self.limits
            )
            healthy, anchors = check.healthy(), self._anchors(starts)
            held = _Held.of(self.index, grid)
            for k, row in enumerate(rows):
                result = self._step(
                    grid.values[row], grid.usable[row], healthy[k], carry, bool(anchors[k]), held.row(row)
                )
                states += self._states(result, int(starts[k]))
                carry = result.carry
                report.advance()
        return states, check.sensor_health(size - 1)

    def _anchors(self, starts_ns: np.ndarray) -> np.ndarray:
        site = self.site
        return balance.anchor_flags(
            starts_ns, interval_s=site.interval_s, timezone=site.timezone, hour=site.night_reset_hour
        )

    def _step(
        self,
        values: np.ndarray,
        usable: np.ndarray,
        healthy: np.ndarray,
        carry: _Carry,
        anchor: bool,
        held: tuple[np.ndarray, np.ndarray],
    ) -> _Interval:
        ix, n_zones = self.index, self.index.n_zones
        ok = usable & healthy[ix.col_sensor]
        v = np.where(ok, values, np.nan)
        passes = _passes(v, ix.flows.col)
        fed = np.zeros(ix.n_members, dtype=bool)

        counts, devices, littles, aerials = ix.counts, ix.devices, ix.littles, ix.aerials
        people_c, var_c = zone_count_estimate(v[counts.col], share=counts.share, reliability=counts.b)
        people_d, var_d = device_count_estimate(
            v[devices.col], calibration=devices.a, share=devices.share, reliability=devices.b
        )
        people_l = littles_law_presence(passes[littles.col], interval_s=ix.interval_s, length_m=littles.a)
        held_count, held_age = held
        held_count = np.where(healthy[ix.col_sensor[aerials.col]], held_count, np.nan)
        people_a, var_a = aerial.aerial_estimate(held_count, held_age, share=aerials.share, reliability=aerials.b)
        direct = np.concatenate([people_c, people_d, people_l, people_a])
        direct_var = np.concatenate([var_c, var_d, fusion.measurement_variance(people_l, littles.b), var_a])
        zone = np.concatenate([counts.zone, devices.zone, littles.zone, aerials.zone])
        has = ~np.isnan(direct)
        fed[np.concatenate([counts.member, devices.member, littles.member, aerials.member])[has]] = True
        measured, measured_var, n_direct = fusion.fuse_by_zone(direct[has], direct_var[has], zone[has], n_zones)

        flows = ix.flows
        rate = flow_rate(passes[flows.col], interval_s=ix.interval_s, width_m=flows.a)
        has = ~np.isnan(rate)
        fed[flows.member[has]] = True
        n_flow = np.bincount(flows.zone[has], minlength=n_zones)
        with np.errstate(invalid="ignore"):
            flow = np.bincount(flows.zone[has], weights=rate[has], minlength=n_zones) / n_flow

        carry, inflow, outflow = self._balance(v, carry, anchor, measured, measured_var, n_direct, fed)
        n_fed = np.bincount(ix.member_zone, weights=fed & ~ix.member_aerial, minlength=n_zones)
        complete = (n_fed == ix.n_people) & (ix.n_people > 0)
        status = np.where(np.isnan(carry.people), _NO_DATA, np.where(complete, _OK, _REDUCED))
        return _Interval(carry, inflow, outflow, flow, status, fed)

    def _balance(
        self,
        v: np.ndarray,
        carry: _Carry,
        anchor: bool,
        measured: np.ndarray,
        measured_var: np.ndarray,
        n_direct: np.ndarray,
        fed: np.ndarray,
    ) -> tuple[_Carry, np.ndarray, np.ndarray]:
        """People per zone (the Kalman balance in fully counted zones, else ``measured``) and the
        inflow/outflow of zones with in/out counters; marks the counters that fed them in ``fed``."""
        ix, n_zones = self.index, self.index.n_zones
        lines = ix.lines
        count_in, count_out = v[lines.col], v[lines.col + 1]
        has = ~(np.isnan(count_in) & np.isnan(count_out))
        count_in, count_out = np.nan_to_num(count_in), np.nan_to_num(count_out)
        zone = lines.zone[has]
        scale = 1.0 / ix.counted_entrances
        enter = np.where(lines.a > 0, count_in, count_out)[has]
        leave = np.where(lines.a > 0, count_out, count_in)[has]
        inflow = np.bincount(zone, weights=enter, minlength=n_zones) * scale
        outflow = np.bincount(zone, weights=leave, minlength=n_zones) * scale
        n_lines = np.bincount(zone, minlength=n_zones)
        crossings = np.bincount(zone, weights=(count_in + count_out)[has], minlength=n_zones) * scale
        process_var = np.bincount(
            zone, weights=balance.crossing_variance(count_in, count_out, lines.b)[has], minlength=n_zones
        ) * scale**2 + balance.missing_variance(crossings, n_lines, ix.n_lines)

        known = ~np.isnan(carry.people)
        prior_people, prior_var = balance.prior(ix.area, ix.night_baseline)
        people = np.where(known, carry.people, prior_people)
        variance = np.where(known & ~np.isnan(carry.sd), carry.sd**2, prior_var)
        drift = np.where(known & ~anchor, np.nan_to_num(carry.drift), 0.0)
        if anchor:
            night, night_var = balance.night_measurement(ix.night_baseline)
            direct = ix.has_direct | (n_direct > 0)
            measured = np.where(direct, measured, night)
            measured_var = np.where(direct, measured_var, night_var)
        people, variance, drift = balance.balance_step(
            people, variance, drift, net=inflow - outflow, process_variance=process_var,
            measurement=measured, measurement_variance=measured_var,
        )

        is_balance = ix.is_balance
        all_counted = (n_lines == ix.n_lines) & (n_lines > 0)
        fed[lines.member[has]] |= (is_balance | all_counted)[lines.zone[has]]
        estimated = np.where(is_balance, (n_lines > 0) | (n_direct > 0), n_direct > 0)
        carry = _Carry(
            people=np.where(estimated, np.where(is_balance, people, measured), np.nan),
            sd=np.where(estimated, np.sqrt(np.where(is_balance, variance, measured_var)), np.nan),
            drift=np.where(estimated & is_balance, np.where(known, drift, 0.0), np.nan),
        )
        return carry, np.where(all_counted, inflow, np.nan), np.where(all_counted, outflow, np.nan)

    def _states(self, result: _Interval, start_ns: int) -> list[ZoneState]:
        ix, carry = self.index, result.carry
        density = levels.density(carry.people, ix.area)
        level = levels.level_codes(ix.basis, carry.people, density, result.flow, ix.thresholds).tolist()
        service = levels.service_level_codes(density, result.flow, ix.basis == levels.FLOW_BASIS).tolist()
        start = pd.Timestamp(start_ns, tz="UTC").to_pydatetime()
        people, sd, drift, inflow, outflow, flow, dens = (
            _values(a)
            for a in (carry.people, carry.sd, carry.drift, result.inflow, result.outflow, result.flow, density)
        )
        fed, member_ids = result.fed.tolist(), ix.member_ids
        aerial_fed = np.bincount(ix.member_zone, weights=result.fed & ix.member_aerial, minlength=ix.n_zones)
        aerial_fed = (aerial_fed > 0).tolist()
        statuses = result.status.tolist()
        states = []
        for z, zone_id in enumerate(ix.zone_ids):
            status = statuses[z]
            if status == _OK:  # every standing member fed, and the aerial ones that did
                sources = ix.all_sources[z]
                if aerial_fed[z]:
                    sources += tuple(member_ids[m] for m in ix.zone_aerials[z] if fed[m])
            else:
                sources = tuple(member_ids[m] for m in ix.zone_members[z] if fed[m])
            states.append(ZoneState(
                zone_id=zone_id,
                start=start,
                interval_s=ix.interval_s,
                people=people[z],
                density=dens[z],
                level=None if level[z] < 0 else levels.LEVELS[level[z]],
                service_level=None if service[z] < 0 else levels.SERVICE_LEVELS[service[z]],
                status=_STATUSES[status],
                sources=sources,
                inflow=inflow[z],
                outflow=outflow[z],
                flow=flow[z],
                drift=drift[z],
                uncertainty=sd[z],
            ))
        return states


class _Progress:
    """Calls ``callback`` with the intervals done since its last call, about every 1 %."""

    def __init__(self, callback: Callable[[int], None] | None, total: int):
        self.callback, self.total, self.every = callback, total, max(1, total // 100)
        self.done = self.reported = 0

    def advance(self) -> None:
        self.done += 1
        if self.callback is not None and (self.done - self.reported >= self.every or self.done == self.total):
            self.callback(self.done - self.reported)
            self.reported = self.done


def _passes(v: np.ndarray, passes_cols: np.ndarray) -> np.ndarray:
    """``v`` with each line counter's ``passes`` column filled from ``in + out`` where missing."""
    cols = np.unique(passes_cols)
    count_in, count_out = v[cols - 2], v[cols - 1]
    either = np.where(np.isnan(count_in) & np.isnan(count_out), np.nan, np.nansum([count_in, count_out], axis=0))
    out = v.copy()
    out[cols] = np.where(np.isnan(v[cols]), either, v[cols])
    return out


def _values(array: np.ndarray) -> list[float | None]:
    """Floats with NaN as None."""
    return [None if x != x else x for x in array.tolist()]
