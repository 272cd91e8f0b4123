"""Accuracy of the live picture against the ground truth of the Scheveningen simulator.

Run: ``python benchmarks/picture_accuracy.py`` (13-17 Aug 2026, seed 0), ``--start 2026-07-01
--end 2026-07-08``, or ``--season`` for the whole simulated summer of 2026. The simulator gives
observations with injected sensor faults (outages, frozen values, spikes, drift) and the true
persons present per zone; the picture is computed with ``compute_states`` from one day before
the span (to warm up the filter and the health checks) and compared over the span:

- per zone: WAPE = Σ|estimate - truth| / Σ truth and bias = Σ(estimate - truth) / Σ truth over
  the intervals with an estimate, the share of intervals with one, and the share per data status;
- the estimate against the truth of every zone on the fireworks Saturday, 15 Aug 2026 22:30 local;
- per fault type, of the faults on people sensors (those the picture uses): the share the health
  checks flag (outage as stale, frozen as frozen, spike as spike, drift as anything not OK) by the
  end of the fault plus ``stale_after_intervals``, the share of the faulty intervals flagged, and
  how often a sensor without a fault is flagged.
"""

from __future__ import annotations

import argparse
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

import crowdsafety
from crowdsafety.domain import DataStatus, HealthStatus, SensorKind, Site
from crowdsafety.domain.site import PEOPLE_KINDS
from crowdsafety.picture import PictureModel, compute_states
from crowdsafety.sites import load_site
from crowdsafety.sources import scheveningen_simulator as sim

SITE_DIR = Path(crowdsafety.__file__).parent / "demo_sites" / "scheveningen"
TZ = ZoneInfo("Europe/Amsterdam")
FIREWORKS = datetime(2026, 8, 15, 22, 30, tzinfo=TZ)
TARGET_WAPE = 0.15
SHORT = {SensorKind.ZONE_COUNT: "camera", SensorKind.DEVICE_COUNT: "wifi", SensorKind.LINE_COUNT: "line"}
#: The health status that marks each fault type (None: any status but OK).
EXPECTED = {"outage": HealthStatus.STALE, "frozen": HealthStatus.FROZEN, "spike": HealthStatus.SPIKE, "drift": None}


def _bar() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())


def picture_frame(site: Site, observations: pd.DataFrame, start: datetime, end: datetime) -> pd.DataFrame:
    """The picture's states over [start, end) as a frame (zone_id, start, estimate, sd, drift, status)."""
    n = int((end - start).total_seconds()) // site.interval_s
    with _bar() as bar:
        task = bar.add_task("picture", total=n)
        states, _ = compute_states(site, observations, start=start, end=end, progress=lambda k: bar.advance(task, k))
    return pd.DataFrame({
        "zone_id": [s.zone_id for s in states],
        "start": pd.DatetimeIndex([s.start for s in states]).as_unit("ns"),
        "estimate": [np.nan if s.people is None else s.people for s in states],
        "sd": [np.nan if s.uncertainty is None else s.uncertainty for s in states],
        "drift": [np.nan if s.drift is None else s.drift for s in states],
        "status": [s.status.value for s in states],
    })


def health_frame(site: Site, observations: pd.DataFrame, start: datetime, end: datetime) -> pd.DataFrame:
    """Health of every people sensor judged at the end of each interval of [start, end):
    (sensor_id, start of the judged interval, status)."""
    model = PictureModel(site)
    step = timedelta(seconds=site.interval_s)
    window = 2 * site.frozen_after_intervals * step
    obs = observations.sort_values("start", kind="stable")
    starts = obs["start"].to_numpy(dtype="datetime64[ns]").view(np.int64)
    people = {s.id for s in site.sensors if s.kind in PEOPLE_KINDS}
    rows = []
    n = int((end - start) / step)
    with _bar() as bar:
        task = bar.add_task("health", total=n)
        for k in range(n):
            at = start + (k + 1) * step
            lo, hi = np.searchsorted(starts, [pd.Timestamp(at - window).value, pd.Timestamp(at).value])
            for h in model.assess_health(obs.iloc[lo:hi], at=at):
                if h.sensor_id in people:
                    rows.append((h.sensor_id, at - step, h.status.value))
            bar.advance(task)
    out = pd.DataFrame(rows, columns=["sensor_id", "start", "status"])
    out["start"] = pd.to_datetime(out["start"], utc=True).dt.as_unit("ns")
    return out


def accuracy_table(site: Site, merged: pd.DataFrame) -> Table:
    table = Table(title="Picture vs truth per zone (persons present)")
    for col in ("zone", "sensors", "truth mean", "WAPE", "bias", "estimated", "ok", "reduced", "no data"):
        table.add_column(col, justify="left" if col in ("zone", "sensors") else "right")
    for zone in site.zones:
        z = merged[merged["zone_id"] == zone.id]
        has = z["estimate"].notna()
        err = (z["estimate"] - z["truth"])[has]
        truth = z["truth"][has].sum()
        share = z["status"].value_counts(normalize=True)
        kinds = sorted({SHORT[s.kind] for s in site.sensors_of_zone(zone.id) if s.kind in PEOPLE_KINDS})
        wape = err.abs().sum() / truth if truth else np.nan
        direct = {"camera", "wifi"} & set(kinds)
        mark = "" if not direct or wape <= TARGET_WAPE else " !"
        table.add_row(
            zone.id, "+".join(kinds), f"{z['truth'].mean():,.0f}", f"{wape:.3f}{mark}",
            f"{err.sum() / truth:+.3f}" if truth else "-", f"{has.mean():.1%}",
            *(f"{share.get(s.value, 0.0):.1%}" for s in DataStatus),
        )
    return table


def moment_table(merged: pd.DataFrame, at: datetime) -> Table:
    rows = merged[merged["start"] == pd.Timestamp(at).tz_convert("UTC")]
    table = Table(title=f"{at:%a %d %b %Y %H:%M} local: estimate vs truth")
    for col in ("zone", "estimate", "truth", "error", "status"):
        table.add_column(col, justify="left" if col in ("zone", "status") else "right")
    for r in rows.itertuples():
        est = "-" if np.isnan(r.estimate) else f"{r.estimate:,.0f}"
        error = "-" if np.isnan(r.estimate) or not r.truth else f"{(r.estimate - r.truth) / r.truth:+.1%}"
        table.add_row(r.zone_id, est, f"{r.truth:,.0f}", error, r.status)
    return table


def balance_table(site: Site, merged: pd.DataFrame, observations: pd.DataFrame) -> Table:
    """Zones on the in/out balance: the picture against their camera alone, how well the stated
    uncertainty covers the error, and the drift shown at the end of each day (before 05:00)."""
    table = Table(title="Zones on the in/out balance (drift = persons corrected since the last 05:00)")
    for col in ("zone", "WAPE", "camera alone", "|error| <= 1 sd", "drift at 04:55 local, per day"):
        table.add_column(col, justify="left" if col in ("zone", "drift at 04:55 local, per day") else "right")
    for zone_id in sorted(merged.loc[merged["drift"].notna(), "zone_id"].unique()):
        z = merged[merged["zone_id"] == zone_id].set_index("start")
        cams = [s.id for s in site.sensors_of_zone(zone_id) if s.kind is SensorKind.ZONE_COUNT and len(s.zones) == 1]
        camera = observations[observations["sensor_id"].isin(cams[:1])].set_index("start")["value"]
        camera.index = pd.DatetimeIndex(camera.index).as_unit("ns")
        cam_err = (camera.reindex(z.index) - z["truth"]).dropna()
        covered = ((z["estimate"] - z["truth"]).abs() <= z["sd"])[z["estimate"].notna()].mean()
        local = z.index.tz_convert(TZ)
        daily = z.loc[(local.hour == 4) & (local.minute == 55), "drift"]
        table.add_row(
            zone_id, f"{(z['estimate'] - z['truth']).abs().sum() / z['truth'].sum():.3f}",
            f"{cam_err.abs().sum() / z['truth'][cam_err.index].sum():.3f}" if len(cam_err) else "-",
            f"{covered:.0%}", ", ".join(f"{d:+.0f}" for d in daily.iloc[:10]) + (" ..." if len(daily) > 10 else ""),
        )
    return table


def detection_table(site: Site, health: pd.DataFrame, faults: pd.DataFrame, start: datetime) -> Table:
    step = pd.Timedelta(seconds=site.interval_s)
    lag = site.stale_after_intervals * step
    people = {s.id for s in site.sensors if s.kind in PEOPLE_KINDS}
    faults = faults[faults["sensor_id"].isin(people) & (faults["end"] > pd.Timestamp(start))]
    by_sensor = {sid: g.set_index("start")["status"] for sid, g in health.groupby("sensor_id")}
    table = Table(title="Injected faults on people sensors flagged by the health checks")
    for col in ("fault", "faults", "flagged", "faulty intervals flagged", "missed"):
        table.add_column(col, justify="left" if col in ("fault", "missed") else "right")
    faulty = np.zeros(len(health), dtype=bool)
    for kind, expected in EXPECTED.items():
        rows = faults[faults["fault"] == kind]
        flagged = intervals = hits = 0
        missed = []
        for f in rows.itertuples():
            status = by_sensor[f.sensor_id]
            during = status[(status.index >= f.start) & (status.index < f.end)]
            until = status[(status.index >= f.start) & (status.index < f.end + lag)]
            faulty |= ((health["sensor_id"] == f.sensor_id) & (health["start"] >= f.start)
                       & (health["start"] < f.end)).to_numpy()
            ok = until != HealthStatus.OK.value if expected is None else until == expected.value
            flagged += bool(ok.any())
            intervals += len(during)
            hits += int((during != HealthStatus.OK.value).sum())
            if not ok.any():
                missed.append(f"{f.sensor_id} {pd.Timestamp(f.start).tz_convert(TZ):%d %b %H:%M}")
        n = len(rows)
        table.add_row(kind, str(n), f"{flagged / n:.0%}" if n else "-", f"{hits / intervals:.0%}" if intervals else "-",
                      "; ".join(missed))
    false_alarm = (health["status"][~faulty] != HealthStatus.OK.value).mean()
    table.caption = f"people sensors flagged outside an injected fault: {false_alarm:.2%} of sensor-intervals"
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--start", type=date.fromisoformat, default=date(2026, 8, 13), help="first local day")
    parser.add_argument("--end", type=date.fromisoformat, default=date(2026, 8, 18), help="day after the last")
    parser.add_argument("--season", action="store_true", help="the whole season of 2026 (June-August)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if args.season:
        start, end = sim.default_season(2026)
    else:
        start, end = (datetime(d.year, d.month, d.day, tzinfo=TZ) for d in (args.start, args.end))
    site = load_site(SITE_DIR)
    warmup = start - timedelta(days=1)
    console = Console(width=132)
    with console.status("simulating"):
        run = sim.run(site, start=warmup, end=end, seed=args.seed)
    console.print(f"{site.name}: {len(run.observations):,} observations {start:%d %b} - {end:%d %b %Y}, "
                  f"seed {args.seed}, {len(run.faults)} injected faults; the picture starts a day earlier")

    states = picture_frame(site, run.observations, warmup, end)
    truth = run.truth.assign(start=pd.to_datetime(run.truth["start"], utc=True).dt.as_unit("ns"))
    merged = states.merge(truth.rename(columns={"people": "truth"}), on=["zone_id", "start"])
    merged = merged[merged["start"] >= pd.Timestamp(start)]
    console.print(accuracy_table(site, merged))
    if start <= FIREWORKS < end:
        console.print(moment_table(merged, FIREWORKS))
    console.print(balance_table(site, merged, run.observations))
    overall = merged["status"].value_counts(normalize=True)
    shares = ", ".join(f"{s.value} {overall.get(s.value, 0):.1%}" for s in DataStatus)
    console.print(f"intervals per data status: {shares}")

    health = health_frame(site, run.observations, start, end)
    console.print(detection_table(site, health, run.faults, start))
    others = run.faults[~run.faults["sensor_id"].isin({s.id for s in site.sensors if s.kind in PEOPLE_KINDS})]
    kinds = {s.id: s.kind for s in site.sensors}
    console.print(f"faults on other sensors (not used by the picture): {len(others)} "
                  f"({', '.join(sorted({f'{kinds[s].value}' for s in others['sensor_id']}))})"
                  if len(others) else "no faults on other sensors")


if __name__ == "__main__":
    main()
