"""A synthetic year of incidents on HTM trams 1, 9 and 11 at Scheveningen (seeded, deterministic).

Every incident is one line × platform × time, drawn from a Poisson rate per service hour, platform
and category: the platform's character (nightlife, beach, tourist, event venue, residential), the
hour of the week, the season and a synthetic daily temperature (beach days), school and public
holidays, planned events, a random day effect (overdispersion) and a few planted hot cells
(line × platform × weekday × hour) with extra incidents all year. The assumptions, with their numbers,
are written down in ``demo_sites/scheveningen/INCIDENTS.md``. No personal data: a reference, a
time, a category, an urgency, the place and the reporting channel.

Regenerate the shipped file with ``python -m crowdsafety.sources.scheveningen_incidents``.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import holidays
import numpy as np

from crowdsafety.sources.incident_history import HISTORY_COLUMNS, write_incident_history

SITE_DIR = Path(__file__).parents[1] / "demo_sites" / "scheveningen"
FEED_DIR = SITE_DIR / "gtfs"
HISTORY_FILE = SITE_DIR / "incidents_history.csv"
TIMEZONE = ZoneInfo("Europe/Amsterdam")
FIRST_DAY, LAST_DAY = date(2025, 9, 1), date(2026, 8, 31)
SERVICE_HOURS = (0, *range(6, 24))  # local; trams run 06:00-00:30, hour 0 holds half an hour
INCIDENTS_PER_YEAR = 2400  # expected, before the planted hot cells
CATEGORY_SHARES = {  # of all incidents, before the hot cells
    "harassment": 0.30, "aggression": 0.13, "theft": 0.15, "overcrowding": 0.17,
    "medical": 0.06, "vandalism": 0.09, "environmental": 0.04, "other": 0.06,
}
CATEGORIES = tuple(CATEGORY_SHARES)
DAY_EFFECT_SHAPE = 4.0  # gamma day effect, mean 1, sd 0.5

#: Character of each station (0-1): nightlife, beach, tourist, event venue, shopping.
STATIONS = {
    "kurhaus": dict(nightlife=1.0, beach=0.8, tourist=0.4),
    "schev-slag-beelden-aan-zee": dict(nightlife=0.8, beach=0.6, tourist=0.3),
    "circustheater": dict(nightlife=0.5, event=0.6),
    "zwarte-pad": dict(beach=1.0, nightlife=0.4),
    "strandweg": dict(beach=0.8, nightlife=0.5),
    "badhuiskade": dict(nightlife=0.3, beach=0.3, shopping=0.3),
    "keizerstraat": dict(shopping=0.7),
    "world-forum": dict(event=1.0),
    "madurodam": dict(tourist=1.0),
}

#: Planned events: (local date, stations, hours from-to local, crowd factor).
EVENTS = (
    (date(2025, 12, 31), ("kurhaus", "zwarte-pad", "strandweg", "schev-slag-beelden-aan-zee"), (20, 24), 3.0),
    (date(2026, 4, 27), ("kurhaus", "schev-slag-beelden-aan-zee", "keizerstraat"), (12, 24), 2.0),
    (date(2026, 6, 13), ("strandweg", "keizerstraat", "badhuiskade"), (10, 19), 2.5),
    (date(2026, 7, 18), ("zwarte-pad", "kurhaus"), (18, 24), 2.5),
    (date(2026, 8, 14), ("kurhaus", "schev-slag-beelden-aan-zee", "zwarte-pad", "circustheater"), (20, 24), 3.0),
    (date(2026, 8, 15), ("kurhaus", "schev-slag-beelden-aan-zee", "zwarte-pad", "circustheater"), (20, 24), 3.5),
    (date(2026, 8, 21), ("kurhaus", "schev-slag-beelden-aan-zee", "zwarte-pad", "circustheater"), (20, 24), 3.0),
    (date(2026, 8, 22), ("kurhaus", "schev-slag-beelden-aan-zee", "zwarte-pad", "circustheater"), (20, 24), 3.5),
    *((date(2025, 11, 8) + timedelta(weeks=5 * i), ("world-forum",), (18, 24), 3.0) for i in range(8)),
)


@dataclass(frozen=True)
class HotCell:
    """A planted hot cell: ``line`` at ``platform`` on ``weekday`` (0 Monday) at local ``hour``
    gets ``per_year`` expected incidents a year on top, shared equally by ``categories``."""

    line: str
    platform: str
    weekday: int
    hour: int
    categories: tuple[str, ...]
    per_year: float


HOT_CELLS = (
    HotCell("1", "HTM:202", 5, 23, ("harassment", "aggression"), 10.0),  # Kurhaus, Saturday late
    HotCell("1", "HTM:202", 4, 23, ("harassment", "aggression"), 6.0),  # Kurhaus, Friday late
    HotCell("11", "HTM:701", 5, 22, ("harassment", "aggression"), 6.0),  # Strandweg, Saturday
    HotCell("9", "HTM:214", 6, 18, ("theft", "harassment"), 5.0),  # Zwarte Pad, Sunday beach return
    HotCell("9", "HTM:601", 2, 15, ("theft",), 5.0),  # Madurodam, Wednesday afternoon pickpockets
    HotCell("1", "HTM:707", 6, 0, ("harassment", "vandalism"), 6.0),  # Beelden aan Zee, last trams Sat night
    HotCell("11", "HTM:717", 4, 21, ("vandalism", "aggression"), 5.0),  # Duinstraat, Friday evening
)

SOURCES = ("chatbot", "operator", "police")
SOURCE_SHARES = {  # chatbot, operator (tram driver via control room), police
    "harassment": (0.65, 0.25, 0.10), "aggression": (0.30, 0.45, 0.25), "theft": (0.50, 0.20, 0.30),
    "overcrowding": (0.40, 0.60, 0.00), "medical": (0.25, 0.70, 0.05), "vandalism": (0.20, 0.70, 0.10),
    "environmental": (0.50, 0.45, 0.05), "other": (0.50, 0.45, 0.05),
}
URGENCIES = ("low", "normal", "high", "emergency")
URGENCY_SHARES = {
    "harassment": (0.15, 0.60, 0.22, 0.03), "aggression": (0.05, 0.40, 0.40, 0.15),
    "theft": (0.20, 0.65, 0.14, 0.01), "overcrowding": (0.30, 0.55, 0.14, 0.01),
    "medical": (0.05, 0.35, 0.40, 0.20), "vandalism": (0.45, 0.50, 0.05, 0.00),
    "environmental": (0.65, 0.35, 0.00, 0.00), "other": (0.40, 0.55, 0.05, 0.00),
}


@dataclass(frozen=True)
class LinePlatform:
    """One platform where one line calls, in one direction (``headsign``)."""

    line: str
    headsign: str
    platform: str
    station: str


def line_platforms(feed: Path = FEED_DIR) -> tuple[LinePlatform, ...]:
    """The platforms each line calls at, per direction, from the feed's routes, trips, stop_times and stops."""
    rows = {}
    for name in ("routes", "trips", "stop_times", "stops"):
        with (feed / f"{name}.txt").open(encoding="utf-8-sig", newline="") as table:
            rows[name] = list(csv.DictReader(table))
    line_of = {r["route_id"]: r["route_short_name"] for r in rows["routes"]}
    trips = {r["trip_id"]: (line_of[r["route_id"]], r["trip_headsign"]) for r in rows["trips"]}
    station_of = {r["stop_id"]: r["parent_station"].removeprefix("HTM:S:") for r in rows["stops"]}
    seen: dict[tuple[str, str], LinePlatform] = {}
    for r in sorted(rows["stop_times"], key=lambda r: (r["trip_id"], int(r["stop_sequence"]))):
        line, headsign = trips[r["trip_id"]]
        seen.setdefault((line, r["stop_id"]), LinePlatform(line, headsign, r["stop_id"], station_of[r["stop_id"]]))
    return tuple(seen.values())


def generate(seed: int = 2025, feed: Path = FEED_DIR) -> list[dict[str, str]]:
    """The incident rows (:data:`HISTORY_COLUMNS`), sorted by time; the same for the same seed."""
    rng = np.random.default_rng(seed)
    places = line_platforms(feed)
    days = [FIRST_DAY + timedelta(days=i) for i in range((LAST_DAY - FIRST_DAY).days + 1)]
    rates = _rates(places, days, rng)  # (day, hour, place, category), expected incidents
    counts = rng.poisson(rates)
    rows = []
    for d, h, p, c in zip(*np.nonzero(counts), strict=True):
        for _ in range(counts[d, h, p, c]):
            minute = rng.integers(0, 30 if SERVICE_HOURS[h] == 0 else 60)
            local = datetime.combine(days[d], time(SERVICE_HOURS[h], int(minute), int(rng.integers(0, 60))),
                                     TIMEZONE)
            if SERVICE_HOURS[h] == 0:
                local += timedelta(days=1)  # hour 0 belongs to the night after the service day
            category = CATEGORIES[c]
            rows.append({
                "at": local.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "category": category,
                "urgency": URGENCIES[rng.choice(4, p=URGENCY_SHARES[category])],
                "line": places[p].line, "direction": places[p].headsign, "stop_id": places[p].platform,
                "source": SOURCES[rng.choice(3, p=SOURCE_SHARES[category])],
            })
    rows.sort(key=lambda r: (r["at"], r["line"], r["stop_id"], r["category"]))
    return [{"ref": f"HIST-{i + 1:05d}", **r} for i, r in enumerate(rows)]


def write_history(path: Path = HISTORY_FILE, seed: int = 2025) -> int:
    """Generate and write the history CSV; the number of incidents."""
    rows = generate(seed)
    write_incident_history(rows, path)
    return len(rows)


# -- the rate model ---------------------------------------------------------------------------


def _rates(places: tuple[LinePlatform, ...], days: list[date], rng: np.random.Generator) -> np.ndarray:
    hours = np.array(SERVICE_HOURS)
    weekday = np.array([d.weekday() for d in days])
    temp = _daily_max_temperature(days, rng)
    school = holidays.country_holidays("NL", subdiv="Midden", categories=("school",), years=(2025, 2026))
    public = holidays.country_holidays("NL", years=(2025, 2026))
    free = np.array([d.weekday() >= 5 or d in school or d in public for d in days], dtype=float)
    beach_day = np.clip((temp - 18.0) / 8.0, 0.0, 1.5) * (1.0 + free)  # 0 on cool days, up to 3
    night = _night_profile(hours, weekday)  # (day, hour)
    volume = _passenger_profile(hours, weekday)  # (day, hour)
    trait = {k: np.array([STATIONS.get(p.station, {}).get(k, 0.0) for p in places])
             for k in ("nightlife", "beach", "tourist", "event", "shopping")}
    busy = 0.4 + trait["beach"] + trait["tourist"] + trait["event"] + trait["shopping"] + 0.5 * trait["nightlife"]
    event = _event_boost(places, days, hours)  # (day, hour, place), 0 outside events
    beach = beach_day[:, None, None] * trait["beach"][None, None, :] * (hours >= 10)[None, :, None]
    crowd = volume[:, :, None] * busy[None, None, :] * (1.0 + 1.5 * beach + event)
    quiet = 1.0 - np.clip(trait["nightlife"] + trait["beach"] + trait["tourist"] + trait["event"], 0, 1)
    nightlife = night[:, :, None] * (0.3 + 2.0 * trait["nightlife"])[None, None, :]
    hot = (temp >= 24.0)[:, None, None]
    shapes = {
        "harassment": crowd * (1.0 + 3.0 * nightlife),
        "aggression": crowd * (0.2 + 4.0 * nightlife) + 0.5 * event * volume[:, :, None],
        "theft": crowd * (0.5 + trait["tourist"] + trait["shopping"] + 0.8 * beach),
        "overcrowding": crowd * (0.2 + 2.0 * beach + 1.5 * event),
        "medical": crowd * (1.0 + 1.5 * hot),
        "vandalism": (0.2 + night[:, :, None]) * (0.3 + quiet + 0.3 * trait["nightlife"])[None, None, :],
        "environmental": crowd * (0.2 + beach + 0.5 * event),
        "other": crowd,
    }
    day_effect = rng.gamma(DAY_EFFECT_SHAPE, 1.0 / DAY_EFFECT_SHAPE, size=len(days))[:, None, None]
    half_hour = np.where(hours == 0, 0.5, 1.0)[None, :, None]
    rates = np.zeros((len(days), len(hours), len(places), len(CATEGORIES)))
    for c, category in enumerate(CATEGORIES):
        shape = shapes[category] * day_effect * half_hour
        rates[..., c] = shape * (INCIDENTS_PER_YEAR * CATEGORY_SHARES[category] / shape.sum())
    _plant_hot_cells(rates, places, weekday)
    return rates


def _daily_max_temperature(days: list[date], rng: np.random.Generator) -> np.ndarray:
    """°C: a seasonal cycle (coast of Holland: about 6 °C in January, 22 °C in late July) plus
    AR(1) weather (sd 3 °C, day-to-day correlation 0.7)."""
    seasonal = np.array([14.0 + 8.0 * math.cos(2 * math.pi * (d.timetuple().tm_yday - 205) / 365.25) for d in days])
    noise = np.zeros(len(days))
    for i in range(1, len(days)):
        noise[i] = 0.7 * noise[i - 1] + rng.normal(0.0, 3.0 * math.sqrt(1 - 0.49))
    return seasonal + noise


def _night_profile(hours: np.ndarray, weekday: np.ndarray) -> np.ndarray:
    """Nightlife weight per (day, hour): evenings from 20:00, strongest Friday and Saturday nights;
    hour 0 counts to the night of the service day."""
    evening = np.clip((hours - 19) / 4.0, 0.0, 1.0) + (hours == 0) * 1.2
    weekend_night = np.select([weekday == 4, weekday == 5, weekday == 3], [2.0, 2.5, 1.2], 1.0)
    return weekend_night[:, None] * evening[None, :]


def _passenger_profile(hours: np.ndarray, weekday: np.ndarray) -> np.ndarray:
    """Relative passengers per (day, hour): weekday peaks at 08:00 and 17:00, weekend midday."""
    h = np.where(hours == 0, 24, hours).astype(float)
    workday = 0.3 + 0.8 * np.exp(-((h - 8) ** 2) / 2) + 0.9 * np.exp(-((h - 17) ** 2) / 3) + 0.5 * (h >= 10) * (h <= 20)
    weekend = 0.25 + 1.0 * np.exp(-((h - 15) ** 2) / 12)
    return np.where((weekday >= 5)[:, None], weekend[None, :], workday[None, :])


def _event_boost(places: tuple[LinePlatform, ...], days: list[date], hours: np.ndarray) -> np.ndarray:
    boost = np.zeros((len(days), len(hours), len(places)))
    index = {d: i for i, d in enumerate(days)}
    for day, stations, (first, last), factor in EVENTS:
        if day not in index:
            continue
        h = np.array([(first <= x < last) or (x == 0 and last >= 24) for x in hours])
        p = np.array([pl.station in stations for pl in places])
        boost[index[day]][np.ix_(h, p)] = factor
    return boost


def _plant_hot_cells(rates: np.ndarray, places: tuple[LinePlatform, ...], weekday: np.ndarray) -> None:
    for cell in HOT_CELLS:
        p = next(i for i, pl in enumerate(places) if (pl.line, pl.platform) == (cell.line, cell.platform))
        h = SERVICE_HOURS.index(cell.hour)
        service_day = (cell.weekday - 1) % 7 if cell.hour == 0 else cell.weekday  # hour 0: the night before
        on = weekday == service_day
        for category in cell.categories:
            rates[on, h, p, CATEGORIES.index(category)] += cell.per_year / len(cell.categories) / on.sum()


if __name__ == "__main__":
    print(f"{HISTORY_FILE}: {write_history()} incidents ({', '.join(HISTORY_COLUMNS)})")
