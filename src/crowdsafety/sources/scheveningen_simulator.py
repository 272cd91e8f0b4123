"""A deterministic, realistic summer of observations for the Scheveningen demo site.

Everything follows from the weather, the calendar and the planned events:

1. **Weather**: per day a maximum temperature (°C; seasonal mean + AR(1) anomaly with a warm
   tail), a sunshine fraction, rain (mm) and wind (m/s), serially correlated; spread over the day
   per interval and reported by the site's weather sensor.
2. **People present per zone** (the ground truth, persons): the zone's reference peak (density
   on a hot sunny Sunday × area) × a day factor (weekday / Saturday / Sunday or public holiday,
   school holidays of region Midden, the day's weather) × a diurnal profile of the zone's kind ×
   ``exp(-k · rain in the last hour)`` × slow noise, plus planned events, capped at the zone's
   capacity. An access zone (group ``access``) carries a share of the arrivals and departures of
   the zones it leads to, for as long as it takes to walk through it.
3. **Flows**: per interval a zone is entered by ``churn + max(ΔP, 0)`` and left by
   ``churn + max(-ΔP, 0)`` persons, ``churn = P · interval / dwell``. Arrivals from and
   departures to outside the site (``max(±ΔP, 0)`` + the zone's outside share of churn) drive
   trams, garages and road traffic.
4. **Sensors** measure that with noise: cameras the presence (slight occlusion when dense), line
   counters their share of the flows with a small systematic bias (so in − out drifts), wifi
   counters presence / persons-per-device plus static devices, garages cars up to capacity, tram
   stops boardings and alightings, road counters vehicles up to road capacity.
5. **Faults** (outages, frozen values, drift, spikes) are drawn per sensor and day and returned.

Random numbers are keyed by (seed, stream, UTC day) and a day of history is simulated before
the range, so an interval's values, faults included, do not depend on the range simulated.
Every number is an assumption, listed with its source in ``demo_sites/scheveningen/ASSUMPTIONS.md``.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from zoneinfo import ZoneInfo

import holidays
import numpy as np
import pandas as pd

from crowdsafety.domain import METRICS_BY_KIND, OBSERVATION_COLUMNS, Sensor, SensorKind, Site, Zone
from crowdsafety.domain.events import PlannedEvent
from crowdsafety.domain.site import PEOPLE_KINDS
from crowdsafety.sources.events_toml import load_events

__all__ = [
    "FAULT_COLUMNS",
    "Simulation",
    "default_season",
    "run",
    "simulate",
    "simulate_truth",
]

HOLIDAY_REGION = ("NL", "Midden")  # The Hague's school-holiday region
FAULT_COLUMNS = ("sensor_id", "fault", "metric", "start", "end", "detail")


@dataclass(frozen=True)
class Simulation:
    """What :func:`run` returns.

    ``observations``: ``OBSERVATION_COLUMNS``, ordered by start, then sensor as listed in the site.
    ``truth``: ``zone_id``, ``start``, ``people`` (persons present). ``faults``: ``FAULT_COLUMNS``
    (``metric`` "*" = every metric of the sensor; [start, end) clipped to the range).
    ``weather``: per local date ``tmax_c``, ``tmin_c``, ``sun_frac``, ``rain_mm``, ``wind_ms``,
    ``school_holiday``, ``day_type`` (0 weekday, 1 weekday in school holidays, 2 Saturday,
    3 Sunday or public holiday) and ``beach_weather`` (0..1.3, 1 = 28 °C and sunny).
    """

    observations: pd.DataFrame
    truth: pd.DataFrame
    faults: pd.DataFrame
    weather: pd.DataFrame


@dataclass(frozen=True)
class _Profile:
    """How a kind of zone fills (see ASSUMPTIONS.md)."""

    diurnal: tuple[tuple[float, float], ...]  # (local hour, share of the day's peak)
    day_type: tuple[float, float, float, float]  # weekday, weekday in school holidays, Sat, Sun
    weather: float  # 0..1: how strongly the day's weather drives visitors
    rain: float  # presence × exp(-rain · mm of rain in the last hour)
    dwell_min: float  # mean time a visitor spends in the zone, minutes
    outside: float  # share of the zone's comings and goings that enter or leave the site
    density: float  # peak persons/m² on the reference day (hot sunny Sunday)
    event_pull: float  # persons/m² a planned event puts here, relative to its other zones


PROFILES: dict[str, _Profile] = {
    "beach": _Profile(
        diurnal=((0, 0), (5, 0), (7, 0.01), (9, 0.08), (11, 0.45), (13, 0.85), (15, 1), (17, 0.85),
                 (19, 0.45), (21, 0.15), (22.5, 0.04), (24, 0)),
        day_type=(0.45, 0.75, 0.85, 1.0), weather=1.0, rain=0.9, dwell_min=150, outside=0.8,
        density=0.09, event_pull=0.15),
    "boulevard": _Profile(
        diurnal=((0, 0.08), (2, 0.03), (5, 0), (7, 0.02), (9, 0.08), (11, 0.35), (13, 0.75), (15, 0.95),
                 (16.5, 1), (18, 0.85), (20, 0.75), (21.5, 0.55), (23, 0.25), (24, 0.08)),
        day_type=(0.5, 0.75, 0.9, 1.0), weather=0.75, rain=0.5, dwell_min=40, outside=0.15,
        density=0.18, event_pull=0.6),
    "pier": _Profile(
        diurnal=((0, 0.02), (1, 0), (9.5, 0), (10, 0.1), (12, 0.5), (14, 0.85), (16, 1), (18, 0.85),
                 (20, 0.7), (22, 0.4), (23.5, 0.08), (24, 0.02)),
        day_type=(0.45, 0.75, 0.9, 1.0), weather=0.7, rain=0.3, dwell_min=60, outside=0.2,
        density=0.25, event_pull=0.6),
    "square": _Profile(
        diurnal=((0, 0.12), (3, 0.02), (5, 0), (7, 0.03), (9, 0.1), (11, 0.4), (13, 0.8), (15, 1),
                 (17, 0.9), (19, 0.8), (21, 0.7), (23, 0.35), (24, 0.12)),
        day_type=(0.55, 0.75, 0.95, 1.0), weather=0.6, rain=0.4, dwell_min=20, outside=0.2,
        density=0.2, event_pull=0.8),
    "shopping": _Profile(
        diurnal=((0, 0.02), (5, 0), (7, 0.02), (9, 0.15), (11, 0.6), (13, 0.9), (14.5, 1), (16, 0.95),
                 (17.5, 0.7), (19, 0.45), (21, 0.3), (23, 0.1), (24, 0.02)),
        day_type=(0.7, 0.85, 1.3, 1.0), weather=0.3, rain=0.1, dwell_min=30, outside=0.3,
        density=0.1, event_pull=0.3),
    "harbour": _Profile(
        diurnal=((0, 0.02), (5, 0), (6, 0.05), (9, 0.15), (11, 0.4), (12.5, 0.8), (14, 0.75), (16, 0.7),
                 (18, 0.9), (19.5, 1), (21, 0.7), (23, 0.25), (24, 0.02)),
        day_type=(0.5, 0.7, 0.9, 1.0), weather=0.5, rain=0.3, dwell_min=75, outside=0.5,
        density=0.06, event_pull=0.6),
}
#: Reference peak density per zone id (persons/m²), overriding its kind's default.
ZONE_DENSITY = {
    "noorderstrand": 0.08, "strand_bad": 0.08, "zuiderstrand": 0.06, "noordboulevard": 0.15,
    "boulevard": 0.20, "pier": 0.22, "kurhaus": 0.28, "palace_promenade": 0.12,
    "keizerstraat": 0.10, "haven": 0.06,
}
#: Zones an access zone leads to (else its two nearest zones), and its share of their flows.
ACCESS_FEEDERS = {"zwarte_pad": ("noorderstrand", "noordboulevard")}
ACCESS_SHARE = 0.25
WALKING_SPEED_MS = 1.34  # Weidmann (1993)
LINE_BIAS_SD = 0.02  # relative systematic error of a counter's in and of its out
TRANSIT_SHARE = 0.25  # of visitors arriving or leaving by tram
CAR_SHARE, PERSONS_PER_CAR = 0.35, 2.3
GARAGE_SHARE = 0.5  # of the car visitors of its zones that park in one garage
ROAD_SHARE = 0.5  # of the car visitors of its zones that pass one counted access road
ROAD_CAPACITY_PER_H = 2400.0  # vehicles, both directions of a two-lane access road
COMMUTE = ((0, 0.1), (5, 0.05), (7, 0.6), (8, 1), (10, 0.6), (13, 0.7), (17, 1), (19, 0.6), (22, 0.3), (24, 0.1))
TEMPERATURE_SHAPE = ((0, 0.2), (5, 0), (9, 0.45), (15, 1), (19, 0.75), (24, 0.2))
FAULT_RATES = {"outage": 0.01, "frozen": 0.006, "spike": 0.008, "drift": 0.003}  # per sensor and day
FAULT_LOOKBACK_DAYS = 10  # the longest fault (a drift) started at most this many days earlier

Events = Sequence[PlannedEvent] | None
_Fault = tuple[str, str, str, int, int, float]  # sensor_id, fault, metric, first, stop (grid index), factor


def default_season(year: int) -> tuple[datetime, datetime]:
    """June 1 00:00 to September 1 00:00 local time of ``year`` (end exclusive)."""
    tz = ZoneInfo("Europe/Amsterdam")
    return datetime(year, 6, 1, tzinfo=tz), datetime(year, 9, 1, tzinfo=tz)


def run(site: Site, *, start: datetime, end: datetime, seed: int = 0, events: Events = None,
        faults: bool = True) -> Simulation:
    """Simulate every sensor of ``site`` over [start, end) (tz-aware). ``events`` default to the
    site's ``events.toml``; ``faults=False`` gives clean data."""
    model = _Model(site, start, end, seed, load_events(site) if events is None else tuple(events))
    series = [(s, m, v) for s in model.site.sensors for m, v in model.sensor_values(s).items()]
    plan = model.fault_plan() if faults else []
    values, dropped = _apply_faults(series, plan)
    return Simulation(model.observations(series, values, dropped), model.truth_frame(),
                      model.fault_frame(plan), model.weather_frame())


def simulate(site: Site, *, start: datetime, end: datetime, seed: int = 0, events: Events = None,
             faults: bool = True) -> pd.DataFrame:
    """Observations (``OBSERVATION_COLUMNS``) of every sensor of ``site`` over [start, end)."""
    return run(site, start=start, end=end, seed=seed, events=events, faults=faults).observations


def simulate_truth(site: Site, *, start: datetime, end: datetime, seed: int = 0,
                   events: Events = None) -> pd.DataFrame:
    """Ground truth: persons present per zone and interval (``zone_id``, ``start``, ``people``)."""
    return _Model(site, start, end, seed, load_events(site) if events is None else tuple(events)).truth_frame()


class _Rand:
    """Random numbers keyed by (seed, stream, UTC day): an interval always gets the same draw."""

    def __init__(self, seed: int, ordinals: np.ndarray, slots: int):
        self.seed, self.ordinals, self.slots = seed, ordinals, slots

    def gen(self, key: str, *extra: int) -> np.random.Generator:
        return np.random.default_rng([self.seed, zlib.crc32(key.encode()), *extra])

    def _days(self, key: str, draw: Callable[[np.random.Generator, int], np.ndarray]) -> np.ndarray:
        return np.concatenate([draw(self.gen(key, int(d)), i) for i, d in enumerate(self.ordinals)])

    def normal(self, key: str) -> np.ndarray:
        return self._days(key, lambda g, _: g.standard_normal(self.slots))

    def uniform(self, key: str) -> np.ndarray:
        return self._days(key, lambda g, _: g.random(self.slots))

    def daily_normal(self, key: str) -> np.ndarray:
        return self._days(key, lambda g, _: np.full(self.slots, g.standard_normal()))

    def poisson(self, key: str, lam: np.ndarray) -> np.ndarray:
        lam = np.maximum(lam, 0.0).reshape(-1, self.slots)
        return self._days(key, lambda g, i: g.poisson(lam[i])).astype(float)

    def smooth(self, key: str, minutes: float) -> np.ndarray:
        """AR(1) noise with unit sd and correlation time ``minutes``, restarting each UTC day."""
        e = self.normal(key).reshape(-1, self.slots)
        phi = math.exp(-(1440 / self.slots) / minutes)
        out = np.empty_like(e)
        out[:, 0] = e[:, 0]
        for j in range(1, self.slots):
            out[:, j] = phi * out[:, j - 1] + math.sqrt(1 - phi**2) * e[:, j]
        return out.ravel()


def _ar1(e: np.ndarray, phi: float, sd: float) -> np.ndarray:
    """A stationary AR(1) series with coefficient ``phi`` and sd ``sd`` from white noise ``e``."""
    out = np.empty_like(e)
    out[0] = sd * e[0]
    for i in range(1, len(e)):
        out[i] = phi * out[i - 1] + sd * math.sqrt(1 - phi**2) * e[i]
    return out


def _weather_year(seed: int, year: int) -> pd.DataFrame:
    """Daily coastal weather of one year, by date: tmax_c, tmin_c (°C), sun_frac (0..1 of
    daylight), rain_mm, rain_start_h and rain_hours (local hours), wind_ms (daily mean, m/s)."""
    g = np.random.default_rng([seed, zlib.crc32(b"weather-days"), year])
    days = pd.date_range(f"{year}-01-01", f"{year}-12-31", freq="D")
    n = len(days)
    climate = 15.0 + 7.0 * np.cos(2 * np.pi * (days.day_of_year.to_numpy() - 205) / 365.25)
    anomaly = _ar1(g.standard_normal(n), 0.7, 3.5)
    cloud = _ar1(g.standard_normal(n), 0.5, 1.0)
    sun = np.clip(1 / (1 + np.exp(-(0.1 + 1.2 * cloud + 0.25 * anomaly))), 0.02, 0.97)
    rainy = g.random(n) < 1 / (1 + np.exp(0.9 + 3.0 * (sun - 0.45)))
    rain_hours = g.uniform(1, 6, n)
    tmax = climate + anomaly + 0.04 * np.maximum(anomaly, 0) ** 2 - 1.5 * rainy  # heat waves: a warm tail
    return pd.DataFrame({
        "tmax_c": tmax, "tmin_c": tmax - (3 + 6 * sun), "sun_frac": sun,
        "rain_mm": np.where(rainy, g.gamma(0.8, 10.0, n), 0.0),
        "rain_start_h": g.uniform(0, 24 - rain_hours), "rain_hours": rain_hours,
        "wind_ms": 2.5 + g.gamma(2.5, 1.2, n) + 1.0 * rainy,
    }, index=days)


def _beach_weather(w: pd.DataFrame) -> np.ndarray:
    """How attractive each day is for the beach: 0 (cold, wet), 1 (28 °C and sunny), up to 1.3."""
    warmth = np.minimum(np.clip((w["tmax_c"].to_numpy() - 14) / 14, 0, None) ** 1.6, 1.3)
    dryness = 1 - 0.5 * np.minimum(w["rain_mm"].to_numpy() / 6, 1)
    return warmth * (0.35 + 0.65 * w["sun_frac"].to_numpy()) * dryness


def _profile(zone: Zone) -> _Profile | None:
    """The zone's kind from the first word of its group (``beach-north`` -> beach); None = access."""
    kind = (zone.group or "boulevard").split("-")[0]
    return None if kind == "access" else PROFILES.get(kind, PROFILES["boulevard"])


def _walk_length_m(zone: Zone) -> float:
    """Length of an access path, m: walkable area / width."""
    return zone.area_m2 / zone.width_m if zone.width_m else math.sqrt(zone.area_m2)


class _Model:
    """Truth, flows and sensor values on a grid of whole UTC days covering [start, end)."""

    def __init__(self, site: Site, start: datetime, end: datetime, seed: int, events: tuple[PlannedEvent, ...]):
        if start.tzinfo is None or end.tzinfo is None or not start < end:
            raise ValueError("start and end must be tz-aware with start < end")
        if 86400 % site.interval_s:
            raise ValueError(f"interval_s {site.interval_s} does not divide a day")
        # virtual sensors (drone estimates) have nothing to simulate
        self.site = replace(site, sensors=tuple(s for s in site.sensors if not s.virtual))
        self.seed, self.events = seed, events
        self.dt = site.interval_s
        self.slots = 86400 // self.dt
        first = pd.Timestamp(start).tz_convert("UTC").floor("D") - pd.Timedelta(days=1)  # a day of history
        last = pd.Timestamp(end).tz_convert("UTC").ceil("D")
        self.starts = pd.date_range(first, last, freq=f"{self.dt}s", inclusive="left")
        self.range = np.asarray((self.starts >= pd.Timestamp(start)) & (self.starts < pd.Timestamp(end)))
        days = pd.date_range(first, last, freq="D", inclusive="left")
        self.rand = _Rand(seed, np.array([d.toordinal() for d in days.date]), self.slots)
        local = self.starts.tz_convert(site.timezone)
        self.hour = np.asarray(local.hour + local.minute / 60.0)
        self.day, dates = pd.factorize(local.tz_localize(None).normalize())
        self.dates = pd.DatetimeIndex(dates)
        self.weather = self._daily_weather()
        self.interval_weather = self._interval_weather()
        self.truth = self._presence()
        self.flows = {z.id: self._flows(z) for z in site.zones}

    # --- weather and calendar ------------------------------------------------------------

    def _daily_weather(self) -> pd.DataFrame:
        years = sorted(set(self.dates.year))
        w = pd.concat([_weather_year(self.seed, y) for y in years]).loc[self.dates]
        country, subdiv = HOLIDAY_REGION
        public = holidays.country_holidays(country, subdiv=subdiv, years=years, categories=("public",))
        school = holidays.country_holidays(country, subdiv=subdiv, years=years, categories=("school",))
        days = [d.date() for d in self.dates]
        sunday = np.array([d in public for d in days]) | (self.dates.day_of_week == 6)
        w["school_holiday"] = [d in school for d in days]
        weekday = w["school_holiday"].astype(int).to_numpy()
        w["day_type"] = np.where(sunday, 3, np.where(self.dates.day_of_week == 5, 2, weekday))
        w["beach_weather"] = _beach_weather(w)
        return w

    def _at(self, column: str) -> np.ndarray:
        """A daily weather column per interval."""
        return self.weather[column].to_numpy()[self.day]

    def _interval_weather(self) -> dict[str, np.ndarray]:
        r = self.rand
        tmin, tmax = self._at("tmin_c"), self._at("tmax_c")
        shape = _interp(self.hour, TEMPERATURE_SHAPE)
        lon, lat = self._weather_location()
        declination = np.radians(23.44) * np.sin(2 * np.pi * (284 + self.starts.day_of_year.to_numpy()) / 365)
        half_day_h = np.degrees(np.arccos(-np.tan(np.radians(lat)) * np.tan(declination))) / 15
        utc_hour = self.starts.hour.to_numpy() + self.starts.minute.to_numpy() / 60 + self.dt / 7200
        daylight = np.abs(utc_hour - (12 - lon / 15)) < half_day_h
        sunny = np.clip(self._at("sun_frac") + 0.35 * r.smooth("weather/sun", 30), 0, 1)
        rain_start = self._at("rain_start_h")
        raining = (self.hour >= rain_start) & (self.hour < rain_start + self._at("rain_hours"))
        rain_rate = self._at("rain_mm") / self._at("rain_hours") * self.dt / 3600
        wind = self._at("wind_ms") * (0.8 + 0.4 * shape) * (1 + 0.1 * r.normal("weather/wind"))
        return {
            "temperature_c": tmin + (tmax - tmin) * shape + 0.3 * r.smooth("weather/t", 60),
            "precipitation_mm": np.where(raining, rain_rate * 1.25 * np.abs(r.normal("weather/rain")), 0.0),
            "sunshine_min": self.dt / 60 * daylight * sunny,
            "wind_ms": np.maximum(wind, 0.0),
        }

    def _weather_location(self) -> tuple[float, float]:
        located = [s.location for s in self.site.sensors if s.kind is SensorKind.WEATHER and s.location]
        return located[0] if located else (4.28, 52.11)

    # --- people ------------------------------------------------------------------------

    def _presence(self) -> dict[str, np.ndarray]:
        """Persons present per zone and interval."""
        hour_of_rain = np.convolve(self.interval_weather["precipitation_mm"], np.ones(3600 // self.dt))
        rain = hour_of_rain[: len(self.hour)]
        weather = self.weather["beach_weather"].to_numpy()
        truth: dict[str, np.ndarray] = {}
        for zone in self.site.zones:
            p = _profile(zone)
            if p is None:
                continue
            calm = (1 - p.weather) * 0.45
            by_type = np.array(p.day_type)[self.weather["day_type"].to_numpy()]
            day = by_type * (calm + p.weather * weather) / (calm + p.weather)  # 1 on the reference day
            peak = ZONE_DENSITY.get(zone.id, p.density) * zone.area_m2
            noise = 1 + 0.08 * self.rand.smooth(f"truth/{zone.id}", 45)
            people = peak * day[self.day] * _interp(self.hour, p.diurnal) * np.exp(-p.rain * rain) * noise
            truth[zone.id] = zone.night_baseline + np.maximum(people, 0) + self._event_people(zone)
        for zone in self.site.zones:
            if zone.id not in truth:  # access: passers-through × the time to walk the path
                passing = ACCESS_SHARE * sum(sum(self._exchange(truth[f], f)) for f in self._feeders(zone, truth))
                truth[zone.id] = zone.night_baseline + passing / self.dt * _walk_length_m(zone) / WALKING_SPEED_MS
        return {z.id: np.minimum(truth[z.id], z.capacity) if z.capacity else truth[z.id] for z in self.site.zones}

    def _dwell_min(self, zone: Zone) -> float:
        p = _profile(zone)
        return p.dwell_min if p else _walk_length_m(zone) / WALKING_SPEED_MS / 60

    def _flows(self, zone: Zone) -> tuple[np.ndarray, np.ndarray]:
        """(entries, exits) persons per interval."""
        people = self.truth[zone.id]
        delta = np.diff(people, prepend=people[0])
        churn = people * self.dt / (self._dwell_min(zone) * 60)
        return churn + np.maximum(delta, 0), churn + np.maximum(-delta, 0)

    def _exchange(self, people: np.ndarray, zone_id: str) -> tuple[np.ndarray, np.ndarray]:
        """(arriving, leaving) persons per interval between the zone and outside the site."""
        zone = self.site.zone(zone_id)
        delta = np.diff(people, prepend=people[0])
        churn = (_profile(zone) or PROFILES["boulevard"]).outside * people * self.dt / (self._dwell_min(zone) * 60)
        return np.maximum(delta, 0) + churn, np.maximum(-delta, 0) + churn

    def _feeders(self, zone: Zone, truth: dict[str, np.ndarray]) -> tuple[str, ...]:
        """The zones an access zone leads to: named in ACCESS_FEEDERS, else the two nearest."""
        named = tuple(f for f in ACCESS_FEEDERS.get(zone.id, ()) if f in truth)
        if named:
            return named
        here = _centre(zone)
        return tuple(sorted(truth, key=lambda z: _distance_m(here, _centre(self.site.zone(z)))))[:2]

    def _event_people(self, zone: Zone) -> np.ndarray:
        """Extra persons for planned events: rising from 1.5 h before the start to a peak (at most
        1 h after it), decaying with a 40-minute time constant after the end. The peak share of
        the visitors present at once is 2.5 h / (duration + 1.5 h), within 0.25..0.7."""
        out = np.zeros(len(self.hour))
        t = self.starts.as_unit("s").asi8.astype(float)
        for e in self.events:
            zones = [z for z in self.site.zones if z.id in e.zones]
            if zone not in zones:
                continue
            pull = {z.id: z.area_m2 * (_profile(z) or PROFILES["boulevard"]).event_pull for z in zones}
            begin, end = e.start.timestamp(), e.end.timestamp()
            share = float(np.clip(2.5 * 3600 / (end - begin + 5400), 0.25, 0.7))
            peak = e.expected_visitors * share * pull[zone.id] / sum(pull.values())
            rise = np.clip((t - (begin - 5400)) / (5400 + min(3600, (end - begin) / 2)), 0, 1)
            out += peak * np.where(t < end, rise, np.exp(-np.clip(t - end, 0, None) / 2400))
        return out

    # --- sensors -----------------------------------------------------------------------

    def sensor_values(self, sensor: Sensor) -> dict[str, np.ndarray]:
        """Values per metric of one sensor over the grid, before faults."""
        return _SENSOR_MODELS[sensor.kind](self, sensor)

    def _zone_count(self, s: Sensor) -> dict[str, np.ndarray]:
        people = sum(self.truth[z] for z in s.zones)
        density = people / sum(self.site.zone(z).area_m2 for z in s.zones)
        r = s.reliability or 0.05
        bias = 1 + 0.5 * r * self.rand.gen(f"bias/{s.id}").standard_normal()
        occlusion = 1 - 0.1 * density / (density + 0.5)
        return {"count": people * bias * occlusion * (1 + r * self.rand.normal(f"noise/{s.id}"))}

    def _line_count(self, s: Sensor) -> dict[str, np.ndarray]:
        zone = self.site.zone(s.zones[0])
        entries, exits = self.flows[zone.id]
        siblings = [o for o in self.site.sensors if o.kind is SensorKind.LINE_COUNT and o.zones[0] == zone.id]
        if _profile(zone) is None and len(siblings) == 2:  # a path: arrivals walk from land to sea
            feeders = self._feeders(zone, self.truth)
            arriving, leaving = (sum(x) for x in zip(*(self._exchange(self.truth[f], f) for f in feeders)))
            to_sea = arriving / np.maximum(arriving + leaving, 1e-9)
            if len(s.zones) > 1 and s.zones[1] in feeders:  # the sea end
                enter, leave = entries * (1 - to_sea), exits * to_sea
            else:
                enter, leave = entries * to_sea, exits * (1 - to_sea)
        else:
            cover = float(s.properties.get("coverage", 1 / len(siblings)))  # share of the entrances it sees
            enter, leave = entries * cover, exits * cover
        if s.direction == "out":
            enter, leave = leave, enter
        bias = 1 + LINE_BIAS_SD * self.rand.gen(f"bias/{s.id}").standard_normal(2)
        out = {"in": self.rand.poisson(f"in/{s.id}", enter * bias[0]),
               "out": self.rand.poisson(f"out/{s.id}", leave * bias[1])}
        if s.width_m:
            out["passes"] = out["in"] + out["out"]
        return out

    def _device_count(self, s: Sensor) -> dict[str, np.ndarray]:
        people = sum(self.truth[z] for z in s.zones)
        g = self.rand.gen(f"bias/{s.id}")
        per_device = (s.calibration or 2.0) * (1 + 0.1 * g.standard_normal())  # the true factor is off
        per_device = np.maximum(per_device * (1 + 0.08 * self.rand.daily_normal(f"day/{s.id}")), 0.5)
        static = g.uniform(10, 40)  # devices that never leave: shops, flats, tills
        noise = 1 + 0.5 * (s.reliability or 0.25) * self.rand.normal(f"noise/{s.id}")
        return {"devices": self.rand.poisson(f"devices/{s.id}", (people / per_device + static) * noise)}

    def _parking(self, s: Sensor) -> dict[str, np.ndarray]:
        capacity = float(s.capacity or 500)
        people = np.zeros(len(self.hour))
        for z in self._visitor_zones(s):
            people += self.truth[z] / self._served(s.kind, z)
        demand = 0.15 * capacity + people * GARAGE_SHARE * CAR_SHARE / PERSONS_PER_CAR
        full = capacity - self.rand.poisson(f"full/{s.id}", np.full(demand.shape, 2.0))
        occupied = np.where(demand >= capacity, full, demand + 2 * self.rand.normal(f"noise/{s.id}"))
        return {"occupied": np.clip(occupied, 0, capacity), "capacity": np.full(demand.shape, capacity)}

    def _transit(self, s: Sensor) -> dict[str, np.ndarray]:
        residents = 4.0 * _interp(self.hour, COMMUTE)
        arriving, leaving = self._visitors(s)
        return {"boardings": self.rand.poisson(f"board/{s.id}", residents + TRANSIT_SHARE * leaving),
                "alightings": self.rand.poisson(f"alight/{s.id}", residents + TRANSIT_SHARE * arriving)}

    def _traffic(self, s: Sensor) -> dict[str, np.ndarray]:
        commuters = 30 * _interp(self.hour, COMMUTE) * np.where(self._at("day_type") >= 2, 0.6, 1.0)
        visitors = ROAD_SHARE * CAR_SHARE / PERSONS_PER_CAR * sum(self._visitors(s))
        lam = np.minimum(commuters + visitors, ROAD_CAPACITY_PER_H * self.dt / 3600)  # a full road
        return {"vehicles": self.rand.poisson(f"vehicles/{s.id}", lam)}

    def _weather_sensor(self, s: Sensor) -> dict[str, np.ndarray]:
        return dict(self.interval_weather)

    def _visitor_zones(self, s: Sensor) -> list[str]:
        """The sensor's zones that visitors stay in (not access paths)."""
        return [z for z in s.zones if _profile(self.site.zone(z)) is not None]

    def _visitors(self, s: Sensor) -> tuple[np.ndarray, np.ndarray]:
        """(arriving, leaving) visitors of the sensor's zones, shared among sensors of its kind."""
        arriving, leaving = np.zeros(len(self.hour)), np.zeros(len(self.hour))
        for z in self._visitor_zones(s):
            a, b = self._exchange(self.truth[z], z)
            n = self._served(s.kind, z)
            arriving, leaving = arriving + a / n, leaving + b / n
        return arriving, leaving

    def _served(self, kind: SensorKind, zone_id: str) -> int:
        """How many sensors of ``kind`` share the zone's visitors."""
        return sum(1 for s in self.site.sensors if s.kind is kind and zone_id in s.zones)

    # --- faults and output ---------------------------------------------------------------

    def fault_plan(self) -> list[_Fault]:
        """Faults drawn per sensor and UTC day, those that touch the range."""
        plan = []
        for s in self.site.sensors:
            main = next(iter(METRICS_BY_KIND[s.kind]))
            for i in range(-FAULT_LOOKBACK_DAYS, len(self.rand.ordinals)):
                g = self.rand.gen(f"fault/{s.id}", int(self.rand.ordinals[0]) + i)
                u, first = g.random(4), i * self.slots + int(g.integers(self.slots))
                kinds = {  # fault: (length in intervals, factor)
                    "outage": (int(g.uniform(1, 12) * 3600 / self.dt), 0.0),
                    "frozen": (int(g.uniform(2, 8) * 3600 / self.dt), 0.0),
                    "spike": (1, float(g.uniform(8, 20))),
                    "drift": (int(g.integers(3, 11)) * self.slots, float(g.choice([-1, 1]) * g.uniform(0.2, 0.5))),
                }
                for (fault, rate), draw in zip(FAULT_RATES.items(), u):
                    if draw >= rate or (fault == "drift" and s.kind not in PEOPLE_KINDS):
                        continue
                    length, factor = kinds[fault]
                    if self.range[max(first, 0):max(first + length, 0)].any():
                        metric = main if fault in ("spike", "drift") else "*"
                        plan.append((s.id, fault, metric, first, first + length, factor))
        return plan

    def observations(self, series: list[tuple[Sensor, str, np.ndarray]], values: np.ndarray,
                     dropped: np.ndarray) -> pd.DataFrame:
        rows, cols = np.nonzero(~dropped & self.range[:, None])
        position = {s.id: i for i, s in enumerate(self.site.sensors)}
        uniform = np.stack([self.rand.uniform(f"delay/{s.id}") for s in self.site.sensors], axis=1)
        delay_s = 15 - 30 * np.log1p(-uniform)  # 15 s + exponential, mean 30 s
        of_series = np.array([position[s.id] for s, _, _ in series])
        start = self.starts[rows]
        received = start + pd.to_timedelta(self.dt + delay_s[rows, of_series[cols]], unit="s")
        return pd.DataFrame({
            "sensor_id": np.array([s.id for s, _, _ in series], dtype=object)[cols],
            "start": start,
            "interval_s": np.full(len(rows), self.dt, dtype=np.int64),
            "metric": np.array([m for _, m, _ in series], dtype=object)[cols],
            "value": values[rows, cols],
            "quality": np.full(len(rows), "ok", dtype=object),
            "received_at": received.floor("ms").as_unit(start.unit),
        }, columns=list(OBSERVATION_COLUMNS))

    def truth_frame(self) -> pd.DataFrame:
        idx = np.flatnonzero(self.range)
        ids = [z.id for z in self.site.zones]
        return pd.DataFrame({
            "zone_id": np.repeat(np.array(ids, dtype=object), len(idx)),
            "start": np.tile(self.starts[idx], len(ids)),
            "people": np.round(np.concatenate([self.truth[z][idx] for z in ids])),
        })

    def fault_frame(self, plan: list[_Fault]) -> pd.DataFrame:
        lo = int(np.argmax(self.range))
        hi = lo + int(self.range.sum())
        step = pd.Timedelta(seconds=self.dt)
        rows = [(sid, fault, metric, self.starts[max(a, lo)], self.starts[min(b, hi) - 1] + step,
                 f"factor {factor:+.2f}" if fault == "drift" else f"x{factor:.1f}" if fault == "spike" else "")
                for sid, fault, metric, a, b, factor in plan]
        return pd.DataFrame(rows, columns=list(FAULT_COLUMNS))

    def weather_frame(self) -> pd.DataFrame:
        columns = ["tmax_c", "tmin_c", "sun_frac", "rain_mm", "wind_ms", "school_holiday", "day_type", "beach_weather"]
        return self.weather.iloc[np.unique(self.day[self.range])][columns].rename_axis("date")


_SENSOR_MODELS: dict[SensorKind, Callable[[_Model, Sensor], dict[str, np.ndarray]]] = {
    SensorKind.ZONE_COUNT: _Model._zone_count,
    SensorKind.LINE_COUNT: _Model._line_count,
    SensorKind.DEVICE_COUNT: _Model._device_count,
    SensorKind.PARKING: _Model._parking,
    SensorKind.TRANSIT: _Model._transit,
    SensorKind.TRAFFIC: _Model._traffic,
    SensorKind.WEATHER: _Model._weather_sensor,
}


def _apply_faults(series: list[tuple[Sensor, str, np.ndarray]], plan: list[_Fault]) -> tuple[np.ndarray, np.ndarray]:
    """(values [interval, series], dropped [interval, series]) after drift, frozen values, spikes
    and outages; counts rounded to whole numbers >= 0, other metrics to 0.01."""
    values = np.stack([v for _, _, v in series], axis=1)
    dropped = np.zeros(values.shape, dtype=bool)
    order = {"drift": 0, "frozen": 1, "spike": 2, "outage": 3}
    for sid, fault, metric, first, stop, factor in sorted(plan, key=lambda f: order[f[1]]):
        cols = [j for j, (s, m, _) in enumerate(series) if s.id == sid and metric in ("*", m)]
        lo, hi = max(first, 0), min(stop, len(values))
        if fault == "drift":
            values[lo:hi, cols] *= (1 + factor * (np.arange(lo, hi) - first) / (stop - first))[:, None]
        elif fault == "spike":
            values[lo, cols] = values[lo, cols] * factor + 10 * factor
        elif fault == "frozen":
            values[lo:hi, cols] = values[lo, cols]
        else:
            dropped[lo:hi, cols] = True
    for j, (s, m, _) in enumerate(series):
        whole = METRICS_BY_KIND[s.kind][m]
        values[:, j] = np.round(np.maximum(values[:, j], 0)) if whole else np.round(values[:, j], 2)
    return values, dropped


def _interp(hour: np.ndarray, points: tuple[tuple[float, float], ...]) -> np.ndarray:
    xs, ys = zip(*points)
    return np.interp(hour, xs, ys)


def _centre(zone: Zone) -> tuple[float, float]:
    """Mean (lon, lat) of the zone's outer ring."""
    coords = zone.geometry["coordinates"]
    ring = np.asarray(coords[0] if zone.geometry["type"] == "Polygon" else coords[0][0], dtype=float)
    return float(ring[:, 0].mean()), float(ring[:, 1].mean())


def _distance_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Approximate distance between two (lon, lat) points, m."""
    dx = (a[0] - b[0]) * 111_320 * math.cos(math.radians((a[1] + b[1]) / 2))
    return math.hypot(dx, (a[1] - b[1]) * 110_574)
