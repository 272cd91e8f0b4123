"""``crowdsafety flights register|start|end|list|upload``: the flight register of a site's store.

Each action is logged in the decision log as ``cli:<login name>`` in the role admin (who runs
the command holds the store). A refused flight prints every rule it breaks, one per line, and
exits with code 1; so does any other refusal (unknown flight, a start out of time, a bad file).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, NoReturn, Optional

import typer
from rich.console import Console

from crowdsafety.cli.common import SiteArg, StoreOpt, errors, open_runtime
from crowdsafety.cli.keys import cli_actor
from crowdsafety.domain.flight import Flight, FlightPurpose, FlightStatus
from crowdsafety.service import aerial
from crowdsafety.service import flights as svc
from crowdsafety.sources.aerial_uploads import AerialUploadError, UploadProblem, format_of, parse_upload

console = Console(soft_wrap=True)
flights_app = typer.Typer(help="Drone flights: register, start, end, list, upload observations.",
                          no_args_is_help=True)
#: The role CLI actions are logged with.
CLI_ROLE = "admin"

FlightIdArg = typer.Argument(..., help="the flight's id, e.g. FL-7KQ2M9")


@flights_app.command("register")
def register_flight(
    site_dir: str = SiteArg, store: Optional[str] = StoreOpt,
    area: Path = typer.Option(..., help="GeoJSON file: a Polygon, or a Feature / FeatureCollection of one Polygon"),
    start: str = typer.Option(..., help="window start, ISO 8601 with a time zone, e.g. 2026-07-12T14:00+02:00"),
    end: str = typer.Option(..., help="window end, ISO 8601 with a time zone"),
    operator: str = typer.Option(..., help="the operating organisation, e.g. 'Politie Den Haag'"),
    permit: str = typer.Option(..., help="its permit, licence or registration number"),
    aircraft: str = typer.Option(..., help="type and registration of the drone"),
    purpose: FlightPurpose = typer.Option(..., help="why it flies"),
    altitude: float = typer.Option(..., help="highest altitude it will fly, m above ground"),
) -> None:
    """Register a flight, checked against the site's airspace, ceiling and other flights."""
    request = svc.FlightRequest(operator=operator, permit=permit, aircraft=aircraft, purpose=purpose,
                                area=read_area(area), start=_time(start, "--start"), end=_time(end, "--end"),
                                max_altitude_m=altitude)
    runtime, _ = open_runtime(site_dir, store)
    try:
        flight = svc.register(runtime, request, who=cli_actor(), role=CLI_ROLE)
    except svc.FlightRefused as refused:
        errors.print(f"[red]refused[/red] flight of {operator!r}: it breaks {len(refused.refusals)} rule(s)",
                     highlight=False)
        for r in refused.refusals:
            errors.print(f"  {r.rule} ({r.where}): {r.message}", highlight=False)
        raise typer.Exit(1) from None
    except svc.FlightError as exc:
        _fail(str(exc))
    finally:
        runtime.store.close()
    console.print(f"flight {flight.id} registered: {_line(flight)}", highlight=False)


@flights_app.command("start")
def start(site_dir: str = SiteArg, flight_id: str = FlightIdArg, store: Optional[str] = StoreOpt) -> None:
    """Mark a registered flight active (from 15 minutes before its window until its end)."""
    _act(svc.start, site_dir, flight_id, store, "started")


@flights_app.command("end")
def end(site_dir: str = SiteArg, flight_id: str = FlightIdArg, store: Optional[str] = StoreOpt) -> None:
    """Mark a registered or active flight ended."""
    _act(svc.end, site_dir, flight_id, store, "ended")


@flights_app.command("list")
def list_flights(site_dir: str = SiteArg, store: Optional[str] = StoreOpt,
                 status: Optional[FlightStatus] = typer.Option(None, help="only flights with this status")) -> None:
    """The flights of the register, latest window first."""
    runtime, _ = open_runtime(site_dir, store)
    try:
        found = runtime.store.flights(status=status)
    finally:
        runtime.store.close()
    console.print(f"{len(found)} flight(s) of {runtime.site.name}" + (f" {status.value}" if status else ""),
                  highlight=False)
    for f in found:
        console.print(f"{f.id}  {_line(f)}", highlight=False)


@flights_app.command("upload")
def upload(site_dir: str = SiteArg, flight_id: str = FlightIdArg,
           file: Path = typer.Argument(..., help="observations: .json, .geojson or .csv"),
           store: Optional[str] = StoreOpt) -> None:
    """Upload what a flight saw; a malformed or refused file stores nothing and names every problem."""
    try:
        drafts = parse_upload(file.read_bytes(), format_of(file.name))
    except OSError as exc:
        _fail(f"{file}: cannot be read ({exc.strerror or exc})")
    except AerialUploadError as exc:
        _refused(file, exc.problems)
    runtime, _ = open_runtime(site_dir, store)
    try:
        result = aerial.accept(runtime, flight_id, drafts, who=cli_actor(), role=CLI_ROLE)
    except aerial.UploadRefused as exc:
        _refused(file, exc.problems)
    except svc.FlightError as exc:
        _fail(str(exc))
    finally:
        runtime.store.close()
    console.print(f"{file}: {result.accepted} observations of flight {flight_id} stored, {result.duplicates} sent "
                  f"before; incidents: {', '.join(result.incident_refs) or 'none'}; "
                  f"zones estimated: {', '.join(result.zone_ids) or 'none'}", highlight=False)


def _refused(file: Path, problems: list[UploadProblem]) -> NoReturn:
    errors.print(f"[red]refused[/red] {file}: nothing stored, {len(problems)} problem(s)", highlight=False)
    for p in problems:
        errors.print(f"  {p}", highlight=False)
    raise typer.Exit(1)


def read_area(path: Path) -> dict[str, Any]:
    """The Polygon of a GeoJSON file: a geometry, a Feature, or a FeatureCollection of one
    feature; anything else ends the command with what is wrong and where."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        _fail(f"--area {path}: cannot be read ({exc.strerror or exc})")
    except UnicodeDecodeError:
        _fail(f"--area {path}: not UTF-8 text")
    except json.JSONDecodeError as exc:
        _fail(f"--area {path}: not JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})")
    where = f"--area {path}"
    if isinstance(data, dict) and data.get("type") == "FeatureCollection":
        features = data.get("features")
        if not isinstance(features, list) or len(features) != 1:
            _fail(f"{where}: a FeatureCollection must hold exactly one feature, the flight's area")
        data, where = features[0], f"{where} feature 0"
    if isinstance(data, dict) and data.get("type") == "Feature":
        data, where = data.get("geometry"), f"{where} geometry"
    if not isinstance(data, dict) or data.get("type") != "Polygon":
        kind = data.get("type") if isinstance(data, dict) else type(data).__name__
        _fail(f"{where}: expected a GeoJSON Polygon, got {kind!r}")
    return data


def _act(action: Callable[..., Flight], site_dir: str, flight_id: str, store: str | None, done: str) -> None:
    runtime, _ = open_runtime(site_dir, store)
    try:
        flight = action(runtime, flight_id, who=cli_actor(), role=CLI_ROLE)
    except svc.FlightError as exc:
        _fail(str(exc))
    finally:
        runtime.store.close()
    console.print(f"flight {flight.id} {done}: {_line(flight)}", highlight=False)


def _time(text: str, option: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        _fail(f"{option}: {text!r} is not an ISO 8601 time, e.g. 2026-07-12T14:00+02:00")
    if moment.tzinfo is None or moment.utcoffset() is None:
        _fail(f"{option}: {text!r} needs a time zone (add Z or +02:00)")
    return moment


def _line(f: Flight) -> str:
    start, end = f.window.start, f.window.end
    until = f"{end:%H:%M}" if end.date() == start.date() else f"{end:%Y-%m-%d %H:%M}"
    return (f"{f.status.value}, {f.purpose.value} by {f.operator} ({f.permit}), {f.aircraft}, "
            f"{start:%Y-%m-%d %H:%M}–{until} UTC, up to {f.max_altitude_m:g} m")


def _fail(message: str) -> NoReturn:
    errors.print(f"[red]error[/red] {message}", highlight=False)
    raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.add_typer(flights_app, name="flights")
