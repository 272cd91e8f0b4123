"""``crowdsafety feed ...``: read open-data feeds (files or http(s) URLs) into a site.

- ``feed parking SITE SOURCE...``: SPDP 2.0 dynamic parking records -> parking observations.
- ``feed weather SITE SOURCE``: an Open-Meteo hourly forecast -> weather observations of the
  hours that have ended (the hours ahead are for the forecaster, see ``open_meteo``).
- ``feed events SITE SOURCE``: an iCalendar file -> the planned events understood; ``--write``
  merges them into the site's ``events.toml``.

Each prints what was stored or understood and every problem with its file and position. Exit
code 0 when everything was used, 1 when parts were left out, 2 when a source could not be read
at all (nothing of it is used).
"""

from __future__ import annotations

import os
import tempfile
from datetime import datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any, Optional
from zoneinfo import ZoneInfo

import typer
from rich.console import Console

from crowdsafety.cli.common import SiteArg, StoreOpt, errors, load_site_or_exit, open_runtime
from crowdsafety.domain import Site
from crowdsafety.domain.events import PlannedEvent
from crowdsafety.ingest import IngestReport
from crowdsafety.service import Runtime
from crowdsafety.sources.events_toml import EVENTS_FILE, events_toml, load_events
from crowdsafety.sources.feed_fetch import fetch
from crowdsafety.sources.feed_problems import FeedProblem
from crowdsafety.sources.ical_events import read_events
from crowdsafety.sources.line_problems import FeedError
from crowdsafety.sources.open_meteo import observation_rows, read_forecast
from crowdsafety.sources.spdp_parking import StaticFacility, read_dynamic, read_static

app = typer.Typer(help="Read open-data feeds (parking, weather, events) into a site.", no_args_is_help=True,
                  add_completion=False)
console = Console(soft_wrap=True)

MAX_SHOWN = 30
SourceArg = typer.Argument(..., help="A file or an http(s) URL")


@app.command("parking")
def parking(site_dir: str = SiteArg,
            sources: list[str] = typer.Argument(..., help="SPDP 2.0 dynamic JSON: files or http(s) URLs"),
            static: list[str] = typer.Option([], "--static", help="SPDP 2.0 static record (capacity), repeatable"),
            store: Optional[str] = StoreOpt) -> None:
    """Store parking occupancy from SPDP 2.0 dynamic records (sensors matched by spdp_uuid)."""
    runtime, _ = open_runtime(site_dir, store)
    exit_code = 0
    facilities: dict[str, StaticFacility] = {}
    for location in static:
        try:
            facility = read_static(fetch(location), file=location)
        except FeedError as exc:
            exit_code = _fail(exc)
            continue
        facilities[facility.identifier] = facility
    for location in sources:
        try:
            feed = read_dynamic(runtime.site, fetch(location), file=location, static=facilities)
        except FeedError as exc:
            exit_code = _fail(exc)
            continue
        report = _store(runtime, location, feed.rows, list(feed.problems))
        console.print(f"{location}: {feed.records} records, {_summary(report)}")
        if feed.problems or report.rejected:
            exit_code = max(exit_code, 1)
    runtime.store.close()
    raise typer.Exit(exit_code)


@app.command("weather")
def weather(site_dir: str = SiteArg, source: str = SourceArg,
            sensor: Optional[str] = typer.Option(None, help="Weather sensor to store under (default: the site's only one)"),
            until: Optional[str] = typer.Option(None, help="Store the hours ended by this ISO time (default: now)"),
            store: Optional[str] = StoreOpt) -> None:
    """Store the past hours of an Open-Meteo hourly forecast as weather observations."""
    until_t = _parse_time(until, "--until") if until else datetime.now(timezone.utc)
    runtime, _ = open_runtime(site_dir, store)
    try:
        feed = read_forecast(fetch(source), file=source)
        rows = observation_rows(runtime.site, feed.hourly, until=until_t, sensor_id=sensor)
    except FeedError as exc:
        runtime.store.close()
        raise typer.Exit(_fail(exc)) from None
    hours = feed.hourly.index
    ahead = int((hours + timedelta(hours=1) > until_t).sum())
    report = _store(runtime, source, rows, list(feed.problems))
    console.print(f"{source}: {len(hours)} hours {hours[0]:%Y-%m-%d %H:%M} to {hours[-1]:%Y-%m-%d %H:%M} UTC; "
                  f"{len(hours) - ahead} ended by {until_t:%Y-%m-%d %H:%M} UTC: {_summary(report)}; "
                  f"{ahead} hours ahead (for the forecaster, not stored)")
    runtime.store.close()
    raise typer.Exit(1 if feed.problems or report.rejected else 0)


@app.command("events")
def events(site_dir: str = SiteArg, source: str = SourceArg,
           start: Optional[str] = typer.Option(None, "--from", help="First day or time (default: today)"),
           end: Optional[str] = typer.Option(None, "--to", help="End, exclusive (default: 400 days after --from)"),
           zones: Optional[str] = typer.Option(None, help="Zone ids (comma-separated) for events that name none"),
           visitors: Optional[int] = typer.Option(None, min=0, help="Expected visitors for events that give none"),
           write: bool = typer.Option(False, "--write", help=f"Merge the events into the site's {EVENTS_FILE}")) -> None:
    """Print the planned events an iCalendar file gives (and what was left out); --write keeps them."""
    site = load_site_or_exit(site_dir)
    zone = ZoneInfo(site.timezone)
    first = _parse_day(start, zone, "--from") if start else datetime.combine(datetime.now(zone).date(), time(), zone)
    last = _parse_day(end, zone, "--to") if end else first + timedelta(days=400)
    default_zones = tuple(z.strip() for z in zones.split(",") if z.strip()) if zones else ()
    try:
        found = read_events(site, fetch(source), file=source, start=first, end=last,
                            default_zones=default_zones, default_visitors=visitors)
    except FeedError as exc:
        raise typer.Exit(_fail(exc)) from None
    _show_problems(source, list(found.problems))
    _print_events(found.events)
    console.print(f"{source}: {len(found.events)} events from {first:%Y-%m-%d} to {last:%Y-%m-%d}, "
                  f"{len(found.problems)} problems")
    if write and found.events:
        path = _write_events(site, found.events, source)
        console.print(f"written to {path}")
    raise typer.Exit(1 if found.problems else 0)


def _store(runtime: Runtime, source: str, rows: list[dict[str, Any]] | tuple[dict[str, Any], ...],
           problems: list[FeedProblem]) -> IngestReport:
    """Ingest ``rows``; print the feed's problems and the rows the validation rejected."""
    rows = list(rows)
    report = runtime.ingest(rows)
    for r in report.rejected:
        row = rows[r.index]
        problems.append(FeedProblem(source, f"{row['sensor_id']} {row['metric']} at {row['start']}",
                                    f"{r.field + ': ' if r.field else ''}{r.reason}; not stored"))
    _show_problems(source, problems)
    return report


def _summary(report: IngestReport) -> str:
    return (f"{report.inserted} values stored, {report.duplicates} duplicates ignored, "
            f"{report.corrections} corrections, {len(report.rejected)} rejected")


def _show_problems(source: str, problems: list[FeedProblem]) -> None:
    for problem in problems[:MAX_SHOWN]:
        errors.print(str(problem), highlight=False, soft_wrap=True, markup=False)
    if len(problems) > MAX_SHOWN:
        errors.print(f"{source}: … and {len(problems) - MAX_SHOWN} more problems", highlight=False)


def _print_events(planned: tuple[PlannedEvent, ...]) -> None:
    """One line per event, in the site's local time."""
    for e in planned:
        until = f"{e.end:%H:%M}" if e.end.date() == e.start.date() else f"{e.end:%Y-%m-%d %H:%M}"
        console.print(f"{e.start:%Y-%m-%d %H:%M} – {until}  {e.name}  [{', '.join(e.zones)}]  "
                      f"{e.expected_visitors:,} visitors  (id {e.id})", highlight=False, markup=False)


def _write_events(site: Site, found: tuple[PlannedEvent, ...], source: str) -> Path:
    """Merge ``found`` into the site's events file by id (others kept); written atomically."""
    if site.folder is None:
        errors.print(f"site {site.id!r} has no folder to write {EVENTS_FILE} to")
        raise typer.Exit(2)
    path = Path(site.folder) / EVENTS_FILE
    try:
        existing = load_events(path)
    except (ValueError, OSError) as exc:
        errors.print(f"[red]error[/red] {path}: cannot be read ({exc}); not written", highlight=False)
        raise typer.Exit(2) from None
    merged = {e.id: e for e in existing} | {e.id: e for e in found}
    header = (f"Planned events of {site.name}. Written by `crowdsafety feed events` from\n{source}\n"
              "on {:%Y-%m-%d %H:%M} UTC; events of other sources were kept.\n"
              "expected_visitors: visitors over the whole event.").format(datetime.now(timezone.utc))
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=".events-", suffix=".toml")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as f:
            f.write(events_toml(merged.values(), header=header))
        load_events(Path(tmp))  # what load_events cannot read back is never written
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def _fail(exc: FeedError) -> int:
    errors.print(f"[red]error[/red] {exc}", highlight=False, soft_wrap=True)
    return 2


def _parse_time(text: str, option: str) -> datetime:
    try:
        t = datetime.fromisoformat(text)
    except ValueError:
        errors.print(f"[red]error[/red] {option}: unparsable time {text!r} (use ISO 8601, e.g. 2026-08-14T21:00+02:00)")
        raise typer.Exit(2) from None
    if t.tzinfo is None:
        errors.print(f"[red]error[/red] {option}: {text!r} has no time zone (add Z or +02:00)")
        raise typer.Exit(2)
    return t.astimezone(timezone.utc)


def _parse_day(text: str, zone: ZoneInfo, option: str) -> datetime:
    """A date (local midnight in ``zone``) or a time with its offset."""
    try:
        t = datetime.fromisoformat(text)
    except ValueError:
        errors.print(f"[red]error[/red] {option}: unparsable date {text!r} (use 2026-06-01 or an ISO time)")
        raise typer.Exit(2) from None
    return t if t.tzinfo else t.replace(tzinfo=zone)
