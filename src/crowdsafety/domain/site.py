"""A site: one deployment with its zones and sensors (checked on construction, then frozen)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from crowdsafety.domain.flight import AirspaceZone
from crowdsafety.domain.levels import LevelThresholds


class SensorKind(str, Enum):
    """Kinds of observation sources (see DESIGN.md)."""

    ZONE_COUNT = "zone_count"  # people present in an area (counting camera)
    LINE_COUNT = "line_count"  # people crossing a line (in/out of a zone, or passes)
    DEVICE_COUNT = "device_count"  # wifi/bluetooth devices; needs a calibration factor
    PARKING = "parking"  # garage occupancy
    TRANSIT = "transit"  # boardings/alightings at a stop
    TRAFFIC = "traffic"  # vehicle counts
    WEATHER = "weather"
    AERIAL_ESTIMATE = "aerial_estimate"  # people counted from a drone while a flight covers the zone


#: Prefix of the virtual sensors the site loader adds per zone for drone crowd estimates.
AERIAL_SENSOR_PREFIX = "aerial:"

#: Kinds whose values are people in or through a zone (they feed the picture directly).
PEOPLE_KINDS = frozenset({SensorKind.ZONE_COUNT, SensorKind.LINE_COUNT, SensorKind.DEVICE_COUNT})


@dataclass(frozen=True)
class Zone:
    """A polygon of public space.

    ``geometry`` is a GeoJSON Polygon/MultiPolygon mapping in WGS84; ``area_m2`` is the walkable
    area in m²; ``width_m`` the effective walkway width in m (flow zones); ``capacity`` persons.
    ``counted_entrances``: share (0-1] of the people entering the zone whom its line counters
    see; only a zone whose entrances are all counted (>= 0.95) gets presence from the balance
    in - out, the others get inflow/outflow only.
    """

    id: str
    name: str
    geometry: dict[str, Any]
    area_m2: float
    thresholds: LevelThresholds
    group: str | None = None
    capacity: int | None = None
    width_m: float | None = None
    night_baseline: float = 0.0  # persons expected at the nightly re-anchoring hour
    counted_entrances: float = 1.0

    def __post_init__(self) -> None:
        if not self.area_m2 > 0:
            raise ValueError(f"zone {self.id}: area_m2 must be positive, got {self.area_m2}")
        if not 0 < self.counted_entrances <= 1:
            raise ValueError(f"zone {self.id}: counted_entrances must be in (0, 1], got {self.counted_entrances}")
        if self.width_m is not None and not self.width_m > 0:
            raise ValueError(f"zone {self.id}: width_m must be positive, got {self.width_m}")


@dataclass(frozen=True)
class Sensor:
    """A source of observations tied to zones.

    ``zones``: zone ids it informs. ``direction`` for line counters: ``"in"`` means its ``in``
    metric enters ``zones[0]`` (``"out"`` swaps them). ``calibration`` for device counts: persons
    per detected device. ``reliability``: relative standard deviation of its people estimate
    (0.05 = ±5 %), used when fusing several sensors of one zone. ``width_m``: walkway width for
    flow counters, m. ``location``: (lon, lat) WGS84.
    """

    id: str
    kind: SensorKind
    zones: tuple[str, ...] = ()
    name: str = ""
    direction: str | None = None
    calibration: float | None = None
    reliability: float | None = None
    width_m: float | None = None
    location: tuple[float, float] | None = None
    capacity: int | None = None
    properties: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)

    @property
    def virtual(self) -> bool:
        """A sensor the site adds itself (``aerial:<zone>``): nothing to simulate or check for silence."""
        return bool(self.properties.get("virtual"))


@dataclass(frozen=True)
class Site:
    """One deployment: zones, sensors, time zone (IANA name) and interval length (s).

    ``airspace``: its no-fly and restricted zones for drones; ``ceiling_m``: the highest any
    flight may fly, m above ground; ``aerial_reliability``: relative sd of a drone's crowd estimate.
    """

    id: str
    name: str
    timezone: str
    interval_s: int
    zones: tuple[Zone, ...]
    sensors: tuple[Sensor, ...]
    night_reset_hour: int | None = 5  # local hour at which line-count balances re-anchor
    stale_after_intervals: int = 3
    frozen_after_intervals: int = 12
    max_future_s: int = 300  # observations starting later than now + this are rejected
    tile_url: str | None = None
    folder: str | None = None
    airspace: tuple[AirspaceZone, ...] = ()
    ceiling_m: float = 120.0  # the EU open-category limit
    aerial_reliability: float = 0.25

    def zone(self, zone_id: str) -> Zone:
        for z in self.zones:
            if z.id == zone_id:
                return z
        raise KeyError(zone_id)

    def sensor(self, sensor_id: str) -> Sensor:
        try:
            return self._sensor_index[sensor_id]
        except KeyError:
            raise KeyError(sensor_id) from None

    @property
    def _sensor_index(self) -> dict[str, Sensor]:
        index = self.__dict__.get("_index")
        if index is None:
            index = {s.id: s for s in self.sensors}
            object.__setattr__(self, "_index", index)
        return index

    def has_sensor(self, sensor_id: str) -> bool:
        return sensor_id in self._sensor_index

    def sensors_of_zone(self, zone_id: str) -> list[Sensor]:
        return [s for s in self.sensors if zone_id in s.zones]
