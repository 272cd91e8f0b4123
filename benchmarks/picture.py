"""Latency of the live picture for a synthetic site of 1,000 zones and ~2,000 sensors.

Run: ``python benchmarks/picture.py``. Prints p50/p99 of ``estimate_interval`` for the latest
interval (with previous states and health), the latency of ``assess_health`` for the site and of
``compute_states`` over one day. Target: estimate_interval p99 <= 50 ms.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd

from crowdsafety.domain import OBSERVATION_COLUMNS, LevelThresholds, Sensor, SensorKind, Site, Zone
from crowdsafety.picture import PictureModel

N_ZONES = 1000
INTERVAL_S = 900
HISTORY = 24  # intervals of history handed to the health checks
TARGET_P99_MS = 50.0
SQUARE = {"type": "Polygon", "coordinates": [[[4.0, 52.0], [4.001, 52.0], [4.001, 52.001], [4.0, 52.0]]]}


def synthetic_site(n_zones: int = N_ZONES) -> Site:
    """Half camera zones (half of them with wifi too), 30 % line-counter zones (a third with a
    camera, a third seeing only 30 % of their entrances), 20 % flow zones with two passes
    counters; plus parking, transit and weather."""
    zones, sensors = [], []
    for z in range(n_zones):
        zone_id, kind = f"z{z}", z % 10
        flow_zone = kind >= 8
        zones.append(Zone(
            id=zone_id, name=zone_id, geometry=SQUARE, area_m2=500.0 + 10 * z,
            thresholds=LevelThresholds.fruin_flow() if flow_zone else LevelThresholds.fruin_density(),
            width_m=6.0 if flow_zone else None, night_baseline=20.0, counted_entrances=0.3 if kind == 6 else 1.0,
        ))
        if kind < 5:
            sensors.append(Sensor(f"cam{z}", SensorKind.ZONE_COUNT, (zone_id,)))
            if kind % 2:
                sensors.append(Sensor(f"wifi{z}", SensorKind.DEVICE_COUNT, (zone_id,), calibration=2.5))
        elif kind < 8:
            sensors += [Sensor(f"line{z}-{k}", SensorKind.LINE_COUNT, (zone_id,), direction="in") for k in range(2)]
            if kind == 5:
                sensors.append(Sensor(f"cam{z}", SensorKind.ZONE_COUNT, (zone_id,)))
        else:
            sensors += [Sensor(f"pass{z}-{k}", SensorKind.LINE_COUNT, (zone_id,), width_m=6.0) for k in range(2)]
        if z % 10 == 0:
            sensors.append(Sensor(f"garage{z}", SensorKind.PARKING, (zone_id,), capacity=400))
    sensors.append(Sensor("weather", SensorKind.WEATHER))
    return Site(id="synthetic", name="Synthetic", timezone="Europe/Amsterdam", interval_s=INTERVAL_S,
                zones=tuple(zones), sensors=tuple(sensors))


def synthetic_observations(site: Site, start: datetime, n_intervals: int, seed: int = 1) -> pd.DataFrame:
    """Random but plausible observations for every sensor and interval."""
    rng = np.random.default_rng(seed)
    metrics = {
        SensorKind.ZONE_COUNT: ("count",), SensorKind.DEVICE_COUNT: ("devices",),
        SensorKind.PARKING: ("occupied",), SensorKind.WEATHER: ("temperature_c",),
    }
    ids, names = [], []
    for sensor in site.sensors:
        if sensor.kind is SensorKind.LINE_COUNT:
            names += ["passes"] if sensor.width_m else ["in", "out"]
            ids += [sensor.id] * (1 if sensor.width_m else 2)
        else:
            names += list(metrics[sensor.kind])
            ids += [sensor.id] * len(metrics[sensor.kind])
    starts = [pd.Timestamp(start + timedelta(seconds=INTERVAL_S * k)) for k in range(n_intervals)]
    n = len(ids)
    frame = pd.DataFrame({
        "sensor_id": np.tile(ids, n_intervals),
        "start": np.repeat(pd.DatetimeIndex(starts), n),
        "interval_s": INTERVAL_S,
        "metric": np.tile(names, n_intervals),
        "value": rng.poisson(60, n * n_intervals).astype(float),
        "quality": "ok",
    })
    frame["received_at"] = frame["start"] + pd.Timedelta(seconds=INTERVAL_S)
    return frame[list(OBSERVATION_COLUMNS)]


def _ms(samples: list[float]) -> str:
    a = np.array(samples) * 1e3
    return f"p50 {np.percentile(a, 50):6.1f} ms   p99 {np.percentile(a, 99):6.1f} ms"


def main(repeats: int = 200) -> None:
    site = synthetic_site()
    start = datetime(2024, 7, 1, tzinfo=UTC)
    frame = synthetic_observations(site, start, HISTORY + 1)
    latest = start + timedelta(seconds=INTERVAL_S * HISTORY)
    people = sum(s.kind in (SensorKind.ZONE_COUNT, SensorKind.LINE_COUNT, SensorKind.DEVICE_COUNT)
                 for s in site.sensors)
    print(f"site: {len(site.zones)} zones, {len(site.sensors)} sensors ({people} people sensors); "
          f"{len(frame)} observation rows over {HISTORY + 1} intervals")

    t = time.perf_counter()
    model = PictureModel(site)
    print(f"index the site (once): {(time.perf_counter() - t) * 1e3:.1f} ms")

    window = frame[frame["start"] < pd.Timestamp(latest + timedelta(seconds=INTERVAL_S))]
    health_times = []
    for _ in range(20):
        t = time.perf_counter()
        health = model.assess_health(window, at=latest + timedelta(seconds=INTERVAL_S))
        health_times.append(time.perf_counter() - t)
    print(f"assess_health ({len(health)} sensors, {HISTORY + 1} intervals): {_ms(health_times)}")

    history, _ = model.compute_states(frame, start=start, end=latest)
    previous = {s.zone_id: s for s in history if s.start == latest - timedelta(seconds=INTERVAL_S)}
    rows = frame[frame["start"] == pd.Timestamp(latest)]
    by_id = {h.sensor_id: h for h in health}
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        model.estimate_interval(rows, start=latest, previous=previous, health=by_id)
        times.append(time.perf_counter() - t)
    p99 = np.percentile(np.array(times) * 1e3, 99)
    verdict = "meets" if p99 <= TARGET_P99_MS else "MISSES"
    print(f"estimate_interval x{repeats}: {_ms(times)}   target p99 <= {TARGET_P99_MS:.0f} ms: {verdict}")

    day = synthetic_observations(site, start, 96 + HISTORY, seed=2)
    t = time.perf_counter()
    states, _ = model.compute_states(day, start=start + timedelta(seconds=INTERVAL_S * HISTORY),
                                     end=start + timedelta(seconds=INTERVAL_S * (HISTORY + 96)))
    elapsed = time.perf_counter() - t
    print(f"compute_states, one day (96 intervals, {len(states)} states): {elapsed:.2f} s "
          f"({elapsed / 96 * 1e3:.1f} ms per interval)")


if __name__ == "__main__":
    main()
