"""A site pre-indexed as numpy arrays, built once per site and reused every interval.

Observations become a row of *columns*, one per (people sensor, metric): ``count`` for a
zone_count or aerial_estimate sensor, ``devices`` for a device_count sensor, ``in``/``out``/``passes``
for a line_count sensor; columns of one sensor are contiguous. *Links* tie columns to zones with the
factor or sign each estimator needs, so an interval is estimated with array operations and
``np.bincount`` per zone instead of Python loops over zones. A line counter feeds the in/out
counts of a zone graded by density or count (its presence too where the zone is fully counted,
see :data:`~crowdsafety.picture.balance.FULLY_COUNTED`), and the flow and Little's-law presence
of a zone graded by flow; only its first two zones count (``in`` enters the first, leaves the
second). Every link also names its *member*, the (sensor, zone) pair, so the picture can tell
which sensors fed which zone. Aerial estimates (a drone over the zone, now and then) are
members too, but not *standing* ones: a zone is not short of data while no drone flies over it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from crowdsafety.domain import METRICS_BY_KIND, LevelBasis, SensorKind, Site
from crowdsafety.picture import aerial, balance, device_count, flow, zone_count
from crowdsafety.picture.levels import BASIS_CODES

#: Metric columns per people sensor kind, in column order.
PEOPLE_METRICS: dict[SensorKind, tuple[str, ...]] = {
    SensorKind.ZONE_COUNT: ("count",),
    SensorKind.DEVICE_COUNT: ("devices",),
    SensorKind.LINE_COUNT: ("in", "out", "passes"),
    SensorKind.AERIAL_ESTIMATE: ("count",),
}
#: Every metric any sensor may report (observation metrics outside the site's columns are ignored).
ALL_METRICS: tuple[str, ...] = tuple(dict.fromkeys(m for ms in METRICS_BY_KIND.values() for m in ms))

#: (column, zone, a, b, share, member) of one link.
LinkRow = tuple[int, int, float, float, float, int]


@dataclass(frozen=True)
class Links:
    """Parallel arrays: ``col`` (observation column), ``zone``, per-link parameters ``a``, ``b``
    and ``share`` (the zone's part of the sensor's area), and ``member`` (position of the
    (sensor, zone) pair in ``SiteIndex.member_sensor``)."""

    col: np.ndarray
    zone: np.ndarray
    a: np.ndarray
    b: np.ndarray
    share: np.ndarray
    member: np.ndarray

    @classmethod
    def from_rows(cls, rows: list[LinkRow]) -> Links:
        arr = np.array(rows, dtype=float).reshape(-1, 6)
        ints = arr[:, [0, 1, 5]].astype(np.int64)
        return cls(ints[:, 0], ints[:, 1], arr[:, 2].copy(), arr[:, 3].copy(), arr[:, 4].copy(), ints[:, 2])


def site_index(site: Site) -> SiteIndex:
    """The index of ``site``, built on first use and kept on the (frozen) site object."""
    index = site.__dict__.get("_picture_index")
    if index is None:
        index = SiteIndex(site)
        object.__setattr__(site, "_picture_index", index)
    return index


class SiteIndex:
    """Arrays over the zones (Z), sensors (S) and metric columns (C) of a site."""

    def __init__(self, site: Site):
        self.site = site
        #: Derived arrays other modules keep per index (e.g. health caps per limits).
        self.cache: dict[object, np.ndarray] = {}
        self.interval_s = site.interval_s
        zones = site.zones
        self.zone_ids = [z.id for z in zones]
        self.area = np.array([z.area_m2 for z in zones], dtype=float)
        self.night_baseline = np.array([z.night_baseline for z in zones], dtype=float)
        self.counted_entrances = np.array([z.counted_entrances for z in zones], dtype=float)
        self.basis = np.array([BASIS_CODES[z.thresholds.basis] for z in zones], dtype=np.int8)
        self.thresholds = np.array(
            [(z.thresholds.yellow, z.thresholds.orange, z.thresholds.red) for z in zones], dtype=float
        ).reshape(-1, 3)

        self.sensor_ids = [s.id for s in site.sensors]
        self.sensor_lookup = pd.Index(self.sensor_ids)
        self.sensor_pos = {s: i for i, s in enumerate(self.sensor_ids)}
        self.metric_lookup = pd.Index(ALL_METRICS)
        self.is_people = np.array([s.kind in PEOPLE_METRICS for s in site.sensors], dtype=bool)
        #: Drone estimates: they report only while a flight covers their zone.
        self.is_aerial = np.array([s.kind is SensorKind.AERIAL_ESTIMATE for s in site.sensors], dtype=bool)

        col_sensor, self.col_lut, rows, members = _columns_and_links(site)

        self.col_sensor = np.array(col_sensor, dtype=np.int64)
        #: First column of each people sensor (columns of a sensor are contiguous), and its sensor.
        self.people_sensors = np.flatnonzero(self.is_people)
        self.col_starts = np.searchsorted(self.col_sensor, self.people_sensors)
        #: b = relative sd.
        self.counts = Links.from_rows(rows["counts"])
        #: a = calibration, b = relative sd.
        self.devices = Links.from_rows(rows["devices"])
        #: Little's law on ``passes`` in flow zones: a = zone length m, b = relative sd.
        self.littles = Links.from_rows(rows["littles"])
        #: In/out counters of zones graded by density or count: col = the ``in`` column (``out`` is
        #: col + 1), a = sign of ``in``, b = relative sd.
        self.lines = Links.from_rows(rows["lines"])
        #: col = the ``passes`` column (``in`` + ``out`` where a counter reports no passes): a = width m.
        self.flows = Links.from_rows(rows["flows"])
        #: Drone crowd estimates: b = relative sd.
        self.aerials = Links.from_rows(rows["aerials"])
        mem = np.array(members, dtype=np.int64).reshape(-1, 2)
        self.member_sensor, self.member_zone = mem[:, 0], mem[:, 1]
        self.member_aerial = self.is_aerial[self.member_sensor]
        self.member_ids = [self.sensor_ids[s] for s in self.member_sensor.tolist()]

        n_zones = len(zones)
        #: Standing people sensors per zone (all but the aerial estimates).
        self.n_people = np.bincount(self.member_zone[~self.member_aerial], minlength=n_zones)
        self.n_lines = np.bincount(self.lines.zone, minlength=n_zones)
        #: Zones whose presence follows the in/out balance: counters on (nearly) every entrance.
        self.is_balance = (self.n_lines > 0) & (self.counted_entrances >= balance.FULLY_COUNTED)
        direct_zones = np.concatenate([self.counts.zone, self.devices.zone, self.littles.zone])
        self.has_direct = np.bincount(direct_zones, minlength=n_zones) > 0
        #: Per zone, the positions of its members (its people sensors), the sensor ids of its
        #: standing members, and the positions of its aerial members.
        self.zone_members: list[list[int]] = [[] for _ in zones]
        for m, (_, z) in enumerate(members):
            self.zone_members[z].append(m)
        self.all_sources = [
            tuple(self.sensor_ids[self.member_sensor[m]] for m in group if not self.member_aerial[m])
            for group in self.zone_members
        ]
        self.zone_aerials = [[m for m in group if self.member_aerial[m]] for group in self.zone_members]

    @property
    def n_zones(self) -> int:
        return len(self.zone_ids)

    @property
    def n_sensors(self) -> int:
        return len(self.sensor_ids)

    @property
    def n_columns(self) -> int:
        return len(self.col_sensor)

    @property
    def n_members(self) -> int:
        return len(self.member_sensor)

    def per_sensor_any(self, col_values: np.ndarray) -> np.ndarray:
        """``col_values`` [..., C] bool -> [..., S]: any column of the sensor is true."""
        out = np.zeros(col_values.shape[:-1] + (self.n_sensors,), dtype=bool)
        if self.n_columns:
            out[..., self.people_sensors] = np.logical_or.reduceat(col_values, self.col_starts, axis=-1)
        return out


def _columns_and_links(site: Site) -> tuple[list[int], np.ndarray, dict[str, list[LinkRow]], list[tuple[int, int]]]:
    """Columns (their sensors), the (sensor, metric) -> column table, link rows, (sensor, zone) pairs."""
    zones = site.zones
    zone_pos = {z.id: i for i, z in enumerate(zones)}
    col_sensor: list[int] = []
    col_lut = np.full((len(site.sensors), len(ALL_METRICS)), -1, dtype=np.int64)
    rows: dict[str, list[LinkRow]] = {
        "counts": [], "devices": [], "littles": [], "lines": [], "flows": [], "aerials": []
    }
    members: list[tuple[int, int]] = []
    for s, sensor in enumerate(site.sensors):
        metrics = PEOPLE_METRICS.get(sensor.kind)
        if metrics is None:
            continue
        col = len(col_sensor)
        for m in metrics:
            col_lut[s, ALL_METRICS.index(m)] = len(col_sensor)
            col_sensor.append(s)
        zs = [zone_pos[z] for z in dict.fromkeys(sensor.zones) if z in zone_pos]
        member = {z: len(members) + i for i, z in enumerate(zs)}
        members += [(s, z) for z in zs]
        total_area = sum(zones[z].area_m2 for z in zs)
        for z in zs:
            share = zones[z].area_m2 / total_area
            if sensor.kind is SensorKind.ZONE_COUNT:
                rows["counts"].append((col, z, 1.0, zone_count.reliability(sensor), share, member[z]))
            elif sensor.kind is SensorKind.DEVICE_COUNT:
                calibration = device_count.calibration(sensor)
                rows["devices"].append((col, z, calibration, device_count.reliability(sensor), share, member[z]))
            elif sensor.kind is SensorKind.AERIAL_ESTIMATE:
                rows["aerials"].append((col, z, 1.0, aerial.reliability(sensor), share, member[z]))
        if sensor.kind is not SensorKind.LINE_COUNT:
            continue
        for z, sign in zip(zs[:2], balance.signs(sensor), strict=False):
            flow_zone = zones[z].thresholds.basis is LevelBasis.FLOW
            if not flow_zone:
                rows["lines"].append((col, z, sign, balance.reliability(sensor), 1.0, member[z]))
            width = sensor.width_m or zones[z].width_m
            if width is None:
                continue
            rows["flows"].append((col + 2, z, width, 0.0, 1.0, member[z]))
            if flow_zone:
                length = zones[z].area_m2 / (zones[z].width_m or width)
                rows["littles"].append((col + 2, z, length, flow.presence_reliability(sensor), 1.0, member[z]))
    return col_sensor, col_lut, rows, members
