"""The police drone flight of the Scheveningen demo day (deterministic for a seed).

On the evening of the replayed day, as the crowd for the fireworks builds, the police drone
team flies a crowd-overview flight over the central beach and the boulevard (:data:`ZONES`):

- it registers the flight at 19:00 local time for 19:30–20:20, at :data:`ALTITUDE_M` (inside
  the site's ``boulevard_events`` restricted zone from 20:00: at most 50 m, overview allowed),
  over an area that keeps clear of the harbour's no-fly zone, and starts it at 19:30;
- every :data:`ESTIMATE_EVERY` it uploads a crowd estimate per zone: the zone's polygon and the
  simulator's true people present in it, off by a seeded relative error (sd
  :data:`ESTIMATE_ERROR_SD`, clipped to ±:data:`ESTIMATE_ERROR_MAX`): heads counted on oblique
  imagery of a crowd;
- at 19:48 it reports household waste dumped on the boulevard near the harbour;
- it lands and ends the flight at 20:20.

The counting camera of the beach (:data:`CAMERA`) fails from 19:40 to 21:10 (an outage: no
rows), so from 19:40 the drone alone keeps the beach on the picture, and once its last estimate
has run out (a few intervals after 20:20) the beach drops off it until the camera is back.

Each upload is a JSON document in the format of :mod:`crowdsafety.sources.aerial_uploads`, so it
is parsed and checked exactly like one a real drone team sends. Times are in the site's time zone
on the given day; every number here is an assumption, listed in the site's ASSUMPTIONS.md.
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from shapely import affinity
from shapely.geometry import shape
from shapely.ops import unary_union

from crowdsafety.domain import FlightPurpose, Site
from crowdsafety.sources import scheveningen_simulator as sim

__all__ = ["DemoFlight", "FlightStep", "plan_flight", "without_camera"]

OPERATOR = "Politie Eenheid Den Haag, drone team"
PERMIT = "NLD-POL-UAS-0117"  # invented
AIRCRAFT = "quadcopter with zoom camera, police unit D7"  # invented
PURPOSE = FlightPurpose.CROWD_OVERVIEW
#: Zones the flight covers and estimates; the area is their outline widened by AREA_MARGIN_M.
ZONES = ("strand_bad", "boulevard")
AREA_MARGIN_M = 20.0
ALTITUDE_M = 45.0
#: The counting camera that fails during the flight, and when (local times).
CAMERA = "cam-strand-bad"
OUTAGE = (time(19, 40), time(21, 10))
REGISTER_AT = time(19, 0)
WINDOW = (time(19, 30), time(20, 20))
#: Crowd estimates: the first this long after the window opens, then one per interval below.
FIRST_ESTIMATE = timedelta(minutes=2, seconds=30)
ESTIMATE_EVERY = timedelta(minutes=10)
ESTIMATE_ERROR_SD = 0.20
ESTIMATE_ERROR_MAX = 0.5
#: The offence seen from the air: when, where (lon, lat) and what.
DUMPING_AT = time(19, 48)
DUMPING_POINT = (4.27025, 52.10641)  # beach stairs on the boulevard, 350 m from its harbour end
DUMPING_TEXT = "about ten bags of household waste and a mattress dumped by the beach stairs near the harbour"

#: Metres per degree of latitude (and of longitude scaled by cos(latitude)).
M_PER_DEG = 111_320.0


@dataclass(frozen=True)
class FlightStep:
    """One thing the drone team does at ``at`` (UTC): ``register``, ``start``, ``upload``
    (``upload``: a JSON upload document, ``{"observations": [...]}``) or ``end``."""

    at: datetime
    action: str
    upload: dict[str, Any] | None = None


@dataclass(frozen=True)
class DemoFlight:
    """The flight request (``area``: GeoJSON Polygon, WGS84; ``start``/``end``: its window, UTC;
    ``max_altitude_m``: m above ground), the zones it estimates, the camera that fails over
    [``outage_start``, ``outage_end``) (UTC) and the team's steps in time order."""

    operator: str
    permit: str
    aircraft: str
    purpose: FlightPurpose
    area: dict[str, Any]
    start: datetime
    end: datetime
    max_altitude_m: float
    zones: tuple[str, ...]
    camera: str
    outage_start: datetime
    outage_end: datetime
    steps: tuple[FlightStep, ...]


def plan_flight(site: Site, day: date, *, seed: int = 0, events: sim.Events = None) -> DemoFlight:
    """The demo flight over ``site`` (the Scheveningen demo site) on the local date ``day``;
    estimates from the simulator's truth for ``seed`` and ``events`` (default: the site's)."""
    tz = ZoneInfo(site.timezone)

    def at(moment: time) -> datetime:
        return datetime.combine(day, moment, tz).astimezone(UTC)

    start, end = at(WINDOW[0]), at(WINDOW[1])
    truth = sim.simulate_truth(site, start=start, end=end, seed=seed, events=events)
    people = truth.set_index(["zone_id", "start"])["people"]
    rng = np.random.default_rng([seed, zlib.crc32(b"demo-flight"), day.toordinal()])
    steps = [FlightStep(at(REGISTER_AT), "register"), FlightStep(start, "start")]
    moment = start + FIRST_ESTIMATE
    while moment < end:
        interval = pd.Timestamp(moment).floor(f"{site.interval_s}s")
        records = [_estimate(site.zone(z).geometry, moment, people[z, interval], rng) for z in ZONES]
        steps.append(FlightStep(moment, "upload", {"observations": records}))
        moment += ESTIMATE_EVERY
    dumping = {"category": "illegal_dumping", "time": at(DUMPING_AT).isoformat(),
               "geometry": {"type": "Point", "coordinates": list(DUMPING_POINT)}, "description": DUMPING_TEXT}
    steps.append(FlightStep(at(DUMPING_AT), "upload", {"observations": [dumping]}))
    steps.append(FlightStep(end, "end"))
    return DemoFlight(
        operator=OPERATOR, permit=PERMIT, aircraft=AIRCRAFT, purpose=PURPOSE,
        area=_outline([site.zone(z).geometry for z in ZONES], AREA_MARGIN_M), start=start, end=end,
        max_altitude_m=ALTITUDE_M, zones=ZONES, camera=CAMERA, outage_start=at(OUTAGE[0]), outage_end=at(OUTAGE[1]),
        steps=tuple(sorted(steps, key=lambda s: s.at)))


def without_camera(observations: pd.DataFrame, flight: DemoFlight) -> pd.DataFrame:
    """``observations`` without the rows of the flight's failing camera during its outage."""
    failed = (observations["sensor_id"] == flight.camera) & (observations["start"] >= flight.outage_start) \
        & (observations["start"] < flight.outage_end)
    return observations[~failed]


def _estimate(polygon: dict[str, Any], moment: datetime, truth: float, rng: np.random.Generator) -> dict[str, Any]:
    """A crowd-estimate record of the zone ``polygon``: ``truth`` persons off by a relative error."""
    error = float(np.clip(ESTIMATE_ERROR_SD * rng.standard_normal(), -ESTIMATE_ERROR_MAX, ESTIMATE_ERROR_MAX))
    return {"category": "crowd_estimate", "time": moment.isoformat(), "geometry": polygon,
            "people": max(round(truth * (1 + error)), 0)}


def _outline(polygons: list[dict[str, Any]], margin_m: float) -> dict[str, Any]:
    """One GeoJSON Polygon around ``polygons`` widened by ``margin_m`` (mitred corners), computed
    with longitude scaled by cos(latitude): metres are then the same in both directions."""
    union = unary_union([shape(p) for p in polygons])
    scale = math.cos(math.radians(union.centroid.y))
    local = affinity.scale(union, xfact=scale, yfact=1.0, origin=(0, 0))
    widened = local.buffer(margin_m / M_PER_DEG, join_style="mitre")
    outline = affinity.scale(widened, xfact=1 / scale, yfact=1.0, origin=(0, 0))
    coords = [[round(x, 6), round(y, 6)] for x, y in outline.exterior.coords]
    return {"type": "Polygon", "coordinates": [coords]}
