"""``crowdsafety`` sub-commands: check-site, ingest, picture, serve, demo."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

from crowdsafety.cli.common import SiteArg, StoreOpt, errors, open_runtime
from crowdsafety.cli.progress import progress_bar
from crowdsafety.cli.settings import resolve_site_dir
from crowdsafety.domain import CrowdSafetyError
from crowdsafety.domain.access import Role
from crowdsafety.service import Runtime
from crowdsafety.sites import check_site
from crowdsafety.sources.observation_files import read_observation_file

app = typer.Typer(help="Crowd Safety Manager: the shared picture of crowding.", no_args_is_help=True,
                  add_completion=False)
console = Console(soft_wrap=True)

MAX_SHOWN_REJECTIONS = 20


@app.callback()
def main() -> None:
    """Crowd Safety Manager: the shared picture of crowding, now and ahead."""


@app.command("check-site")
def check_site_command(site_dir: str = SiteArg) -> None:
    """Validate a site definition; exit code 1 when anything is wrong."""
    problems = check_site(resolve_site_dir(site_dir))
    for problem in problems:
        errors.print(f"[red]error[/red] {problem}", highlight=False, soft_wrap=True)
    if problems:
        errors.print(f"{len(problems)} problem(s) in {site_dir}")
        raise typer.Exit(1)
    console.print(f"{site_dir}: ok")


@app.command()
def ingest(site_dir: str = SiteArg, files: list[Path] = typer.Argument(..., help="CSV or JSON-lines files"),
           store: Optional[str] = StoreOpt) -> None:
    """Validate observation files against the site and store the valid rows.

    Exit code 0 when every row was stored, 1 when some rows were rejected, 2 when a file could
    not be read at all.
    """
    runtime, settings = open_runtime(site_dir, store)
    exit_code = 0
    for path in files:
        try:
            parsed = read_observation_file(path)
        except ValueError as exc:
            errors.print(f"[red]error[/red] {exc}", highlight=False, soft_wrap=True)
            exit_code = 2
            continue
        report = runtime.ingest(parsed.rows)
        problems = [(line, reason) for line, reason in parsed.errors]
        problems += [(parsed.line_numbers[r.index], f"{r.field + ': ' if r.field else ''}{r.reason}") for r in report.rejected]
        for line, reason in sorted(problems)[:MAX_SHOWN_REJECTIONS]:
            errors.print(f"{path}:{line}: {reason}", highlight=False, soft_wrap=True)
        if len(problems) > MAX_SHOWN_REJECTIONS:
            errors.print(f"{path}: … and {len(problems) - MAX_SHOWN_REJECTIONS} more rejected lines")
        console.print(f"{path}: {report.inserted} stored, {report.duplicates} duplicates ignored, "
                      f"{report.corrections} corrections, {len(problems)} rejected")
        if problems and exit_code == 0:
            exit_code = 1
    runtime.store.close()
    raise typer.Exit(exit_code)


@app.command()
def picture(site_dir: str = SiteArg, at: Optional[str] = typer.Option(None, help="ISO time with offset (default: latest data)"),
            store: Optional[str] = StoreOpt) -> None:
    """Compute the picture up to TIME and print the zone table."""
    runtime, settings = open_runtime(site_dir, store)
    when = _parse_time(at) if at else None
    if when is None:
        span = runtime.store.observation_span()
        if span is None:
            errors.print(f"no observations stored in {settings.store_url}; run `crowdsafety ingest` first")
            raise typer.Exit(1)
        when = span[1]
    with progress_bar("Computing the picture") as advance:
        runtime.refresh(advance, until=when)
    print_zone_table(runtime, when)
    runtime.store.close()


def print_zone_table(runtime: Runtime, at: datetime) -> None:
    """The zone table at ``at``, in the site's time zone."""
    from zoneinfo import ZoneInfo

    site = runtime.site
    states = runtime.latest_states(at)
    local = at.astimezone(ZoneInfo(site.timezone))
    table = Table(title=f"{site.name} — {local:%Y-%m-%d %H:%M} ({site.timezone})")
    for col in ("zone", "people", "density p/m²", "flow p/m/min", "level", "LoS", "data", "sensors"):
        table.add_column(col, justify="right" if col in ("people", "density p/m²", "flow p/m/min") else "left")
    for zone in site.zones:
        s = states.get(zone.id)
        if s is None:
            table.add_row(zone.name, "—", "—", "—", "—", "—", "[red]no data[/red]", "")
            continue
        table.add_row(
            zone.name,
            "—" if s.people is None else f"{s.people:,.0f}",
            "—" if s.density is None else f"{s.density:.3f}",
            "—" if s.flow is None else f"{s.flow:.1f}",
            s.level.value if s.level else "—",
            s.service_level.value if s.service_level else "—",
            {"ok": "ok", "reduced": "[yellow]reduced[/yellow]", "no_data": "[red]no data[/red]"}[s.status.value],
            ", ".join(s.sources),
        )
    console.print(table)


@app.command()
def serve(site_dir: str = SiteArg, store: Optional[str] = StoreOpt,
          host: str = typer.Option("127.0.0.1"), port: int = typer.Option(8000),
          mqtt: Optional[str] = typer.Option(None, "--mqtt", help="Also consume sensor messages from this MQTT "
                                             "broker, mqtt://host[:port] (topic crowdsafety/<site-id>/sensors/+)"),
          weather_forecast: Optional[str] = typer.Option(
              None, "--weather-forecast", help="Open-Meteo hourly forecast URL or file for the weather ahead "
                                               "(fetched hourly); without it tomorrow is taken to be like today"),
          refresh: bool = typer.Option(True, "--refresh/--no-refresh",
                                       help="Keep picture, alerts and forecasts up to date in this process; "
                                            "--no-refresh for extra API processes on a shared PostgreSQL store")
          ) -> None:
    """Serve the API and the page for a site on the given store.

    On a shared PostgreSQL store run one process with --refresh (the default) and as many
    --no-refresh processes as the API load needs, behind one address."""
    import uvicorn

    from crowdsafety.api import create_app
    from crowdsafety.cli.keys import cli_actor
    from crowdsafety.service.config_audit import record_config
    from crowdsafety.service.forecasting import Forecaster
    from crowdsafety.service.weather_feed import FetchedWeatherForecast
    from crowdsafety.sources.events_toml import load_events

    runtime, settings = open_runtime(site_dir, store)
    record_config(runtime, actor=cli_actor())
    weather = FetchedWeatherForecast(weather_forecast) if weather_forecast else None
    forecaster = Forecaster(runtime, events=load_events(runtime.site), weather_forecast=weather)
    shown = getattr(runtime.store, "name", None) or settings.store_url  # PostgreSQL: no password
    console.print(f"Serving {runtime.site.name} at http://{host}:{port} (store {shown})")
    if not any(k.active and k.role in (Role.ADMIN, Role.OPERATOR) for k in runtime.store.api_keys()):
        console.print(f"[yellow]No admin or operator key yet[/yellow]: stop, then run `crowdsafety keys create "
                      f"{site_dir} --role operator --name ...` on this store (the public page needs none).")
    app = create_app(runtime, refresh_every_s=settings.refresh_s if refresh else None,
                     forecaster=forecaster if refresh else None, privacy_k=settings.privacy_k,
                     retention_days=settings.retention_days if refresh else None,
                     chat_keep_s=60.0 * settings.chat_keep_minutes)
    consumer = _mqtt.start_consumer_or_exit(runtime, mqtt) if mqtt else None
    try:
        uvicorn.run(app, host=host, port=port, log_level="warning")
    finally:
        if consumer is not None:
            consumer.stop()


def _parse_time(text: str) -> datetime:
    try:
        t = datetime.fromisoformat(text)
    except ValueError:
        errors.print(f"[red]error[/red] --at: unparsable time {text!r} (use ISO 8601, e.g. 2026-07-05T14:00+02:00)")
        raise typer.Exit(2) from None
    if t.tzinfo is None:
        errors.print(f"[red]error[/red] --at: {text!r} has no time zone (add Z or +02:00)")
        raise typer.Exit(2)
    return t.astimezone(timezone.utc)


from crowdsafety.cli import backtest as _backtest  # noqa: E402  (registers the backtest command)
from crowdsafety.cli import chat as _chat  # noqa: E402  (registers chat-eval)
from crowdsafety.cli import decide as _decide  # noqa: E402  (registers verify-log, alerts, ...)
from crowdsafety.cli import demo as _demo  # noqa: E402  (registers the demo command)
from crowdsafety.cli import feeds as _feeds  # noqa: E402  (crowdsafety feed parking|weather|events)
from crowdsafety.cli import flights as _flights  # noqa: E402  (crowdsafety flights register|start|end|list)
from crowdsafety.cli import hotspots as _hotspots  # noqa: E402  (registers the hotspots command)
from crowdsafety.cli import keys as _keys  # noqa: E402  (registers keys create|list|revoke)
from crowdsafety.cli import mqtt as _mqtt  # noqa: E402  (registers ingest-mqtt)
from crowdsafety.cli import retention as _retention  # noqa: E402  (registers the retention command)
from crowdsafety.cli import sensorthings as _sensorthings  # noqa: E402  (feed sensorthings-datastreams, ...)
from crowdsafety.cli import transit as _transit  # noqa: E402  (feed gtfs-stops, feed transit-counts)

_demo.register(app)
_decide.register(app)
_backtest.register(app)
_mqtt.register(app)
_keys.register(app)
_flights.register(app)
_chat.register(app)
_hotspots.register(app)
_retention.register(app)
_transit.register(_feeds.app)
_sensorthings.register(_feeds.app)
app.add_typer(_feeds.app, name="feed")


def run() -> None:
    """The console entry point: our own errors end in one clear line and exit code 2."""
    try:
        app()
    except CrowdSafetyError as exc:
        errors.print(f"[red]error[/red] {exc}", highlight=False)
        raise SystemExit(2) from None
