"""Build this GTFS-style feed of HTM trams 1, 9 and 11 around Scheveningen from the 2017 stop lists.

Run from the repository root: ``python src/crowdsafety/demo_sites/scheveningen/gtfs/make_feed.py
[GEO_FOLDER]`` (default ``/work/shared/geo``, the project's shared geodata; see README.md here).

Real (HTM / OVapi GTFS 2017): the platforms, their HTM stop codes, names and positions, and the
order in which each line direction calls at them. Made up here: the ``stop_id`` scheme
(``HTM:<code>`` for platforms, ``HTM:S:<name>`` for stations), the grouping of platforms into
stations (same name, within :data:`STATION_RADIUS_M`), and the timetable: each direction's trip
is a template run every :data:`HEADWAY_S` from 06:00 to 00:30 (``frequencies.txt``), moving at
:data:`SPEED_MS` between stops and dwelling :data:`DWELL_S` at each.
"""

from __future__ import annotations

import csv
import math
import re
import sys
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).parent
LINES = ("1", "9", "11")
BOX = (52.095, 52.125, 4.250, 4.310)  # lat min, lat max, lon min, lon max: the shared geodata's area
STATION_RADIUS_M = 200.0
SPEED_MS = 5.0  # 18 km/h between stops (assumed)
DWELL_S = 20  # s at each stop (assumed)
HEADWAY_S = 600  # a tram every 10 minutes each way (assumed)
FIRST_DEPARTURE_S = 6 * 3600
SERVICE = "SUMMER2026"
LONG_NAMES = {
    "1": "Scheveningen Noorderstrand - Delft Tanthof",
    "9": "Scheveningen Noorderstrand - Vrederust",
    "11": "Scheveningen Haven - Station Hollands Spoor",
}


@dataclass(frozen=True)
class Call:
    line: str
    direction: str
    destination: str
    seq: int
    code: str
    name: str
    lat: float
    lon: float


def main(geo: Path) -> None:
    calls = _calls_in_area(geo / "htm_coast_lines_stop_sequences_2017.csv")
    platforms = {c.code: c for c in sorted(calls, key=lambda c: int(c.code))}
    stations = _stations(list(platforms.values()))
    _write("agency.txt", ["agency_id", "agency_name", "agency_url", "agency_timezone", "agency_lang"],
           [["HTM", "HTM", "https://www.htm.nl", "Europe/Amsterdam", "nl"]])
    _write("routes.txt", ["route_id", "agency_id", "route_short_name", "route_long_name", "route_type"],
           [[f"HTM:{line}", "HTM", line, LONG_NAMES[line], "0"] for line in LINES])
    station_rows = [[sid, "", name, f"{lat:.6f}", f"{lon:.6f}", "1", ""]
                    for sid, (name, lat, lon, _) in stations.items()]
    parent = {code: sid for sid, (_, _, _, codes) in stations.items() for code in codes}
    platform_rows = [[f"HTM:{c.code}", c.code, c.name, f"{c.lat:.6f}", f"{c.lon:.6f}", "0", parent[c.code]]
                     for c in platforms.values()]
    _write("stops.txt", ["stop_id", "stop_code", "stop_name", "stop_lat", "stop_lon", "location_type",
                         "parent_station"], station_rows + platform_rows)
    _write("calendar.txt", ["service_id", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
                            "sunday", "start_date", "end_date"], [[SERVICE, *["1"] * 7, "20260601", "20260930"]])
    trips, times, frequencies = [], [], []
    for (line, direction), group in _by_direction(calls).items():
        trip_id = f"HTM:{line}:{direction}"
        trips.append([f"HTM:{line}", SERVICE, trip_id, group[0].destination, direction])
        frequencies.append([trip_id, _clock(FIRST_DEPARTURE_S), "24:30:00", str(HEADWAY_S)])
        t = FIRST_DEPARTURE_S
        for i, call in enumerate(group):
            if i:
                t += DWELL_S + round(_metres(group[i - 1], call) / SPEED_MS)
            times.append([trip_id, _clock(t), _clock(t + (DWELL_S if i < len(group) - 1 else 0)),
                          f"HTM:{call.code}", str(call.seq)])
    _write("trips.txt", ["route_id", "service_id", "trip_id", "trip_headsign", "direction_id"], trips)
    _write("stop_times.txt", ["trip_id", "arrival_time", "departure_time", "stop_id", "stop_sequence"], times)
    _write("frequencies.txt", ["trip_id", "start_time", "end_time", "headway_secs"], frequencies)


def _calls_in_area(path: Path) -> list[Call]:
    lat0, lat1, lon0, lon1 = BOX
    with path.open(encoding="utf-8") as f:
        return [Call(r["line"], r["direction_id"], r["destination"], int(r["seq"]), r["stop_code"], r["stop_name"],
                     float(r["lat"]), float(r["lon"]))
                for r in csv.DictReader(f)
                if r["mode"] == "tram" and r["line"] in LINES
                and lat0 <= float(r["lat"]) <= lat1 and lon0 <= float(r["lon"]) <= lon1]


def _by_direction(calls: list[Call]) -> dict[tuple[str, str], list[Call]]:
    groups: dict[tuple[str, str], list[Call]] = {}
    for call in sorted(calls, key=lambda c: (LINES.index(c.line), c.direction, c.seq)):
        groups.setdefault((call.line, call.direction), []).append(call)
    return groups


def _stations(platforms: list[Call]) -> dict[str, tuple[str, float, float, list[str]]]:
    """Station id -> (name, mean lat, mean lon, platform codes): platforms of one name within
    STATION_RADIUS_M of each other; a name found at several places gets the lines as suffix."""
    clusters: list[list[Call]] = []
    for p in platforms:
        near = [c for c in clusters if c[0].name == p.name and any(_metres(p, q) <= STATION_RADIUS_M for q in c)]
        if near:
            near[0].append(p)
        else:
            clusters.append([p])
    stations = {}
    for cluster in clusters:
        slug = re.sub(r"[^a-z0-9]+", "-", cluster[0].name.split(", ", 1)[-1].lower()).strip("-")
        if sum(c[0].name == cluster[0].name for c in clusters) > 1:
            slug += "-tram-" + "-".join(sorted({p.line for p in cluster}, key=int))
        lat = sum(p.lat for p in cluster) / len(cluster)
        lon = sum(p.lon for p in cluster) / len(cluster)
        stations[f"HTM:S:{slug}"] = (cluster[0].name, lat, lon, [p.code for p in cluster])
    return dict(sorted(stations.items()))


def _metres(a: Call, b: Call) -> float:
    """Distance in m (equirectangular; exact enough over a few km)."""
    k = 6_371_000 * math.pi / 180
    return math.hypot((a.lat - b.lat) * k, (a.lon - b.lon) * k * math.cos(math.radians(a.lat)))


def _clock(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def _write(name: str, header: list[str], rows: list[list[str]]) -> None:
    with (HERE / name).open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("/work/shared/geo"))
