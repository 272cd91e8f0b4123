"""``crowdsafety gtfs-stops`` and ``crowdsafety transit-counts``: the stops of a GTFS feed (and
a GeoJSON map layer of them), and boardings and alightings per stop into the store.
Registered on the main app with :func:`register`.

Exit codes: 0 all read (and stored), 1 some lines left out or rows rejected (each named as
``file:line: column: why``; the rest is used), 2 a feed or file could not be read at all.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import NoReturn, Optional

import typer
from rich.console import Console
from rich.markup import escape

from crowdsafety.cli.common import SiteArg, StoreOpt, errors, open_runtime
from crowdsafety.sources.gtfs_stops import LOCATION_TYPES, TransitStop, read_gtfs_stops, stops_geojson
from crowdsafety.sources.line_problems import FeedError
from crowdsafety.sources.transit_counts import read_transit_counts

MAX_SHOWN_PROBLEMS = 20
console = Console(soft_wrap=True)


def register(app: typer.Typer) -> None:
    @app.command("gtfs-stops")
    def gtfs_stops(
        feed: Path = typer.Argument(..., help="GTFS static feed: a folder or a .zip"),
        geojson: Optional[Path] = typer.Option(None, "--geojson", help="Write the stops as a GeoJSON map layer to this file"),
        show: bool = typer.Option(False, "--list", help="Print every stop and station"),
    ) -> None:
        """Read the stops (and the routes serving them) of a GTFS feed."""
        try:
            result = read_gtfs_stops(feed)
        except FeedError as exc:
            fail(exc)
        show_problems([str(p) for p in result.problems])
        kinds = {name: sum(s.location_type == code for s in result.stops) for code, name in LOCATION_TYPES.items()}
        counted = ", ".join(f"{n} {name}{'s' if n != 1 else ''}" for name, n in kinds.items() if n)
        console.print(f"{feed}: {len(result.stops)} stops ({counted or 'none'}); routes per stop "
                      + ("from trips and stop_times" if result.has_routes else "not known (no routes/trips/stop_times)")
                      + f"; {len(result.problems)} lines left out")
        if show:
            for line in _stop_lines(result.stops):
                console.print(line, highlight=False, markup=False)
        if geojson is not None:
            layer = stops_geojson(result.stops)
            try:
                geojson.write_text(json.dumps(layer, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
            except OSError as exc:
                fail(f"{geojson}: cannot write ({exc.strerror})")
            console.print(f"{geojson}: {len(layer['features'])} stops written (GeoJSON, WGS84)")
        raise typer.Exit(1 if result.problems else 0)

    @app.command("transit-counts")
    def transit_counts(
        site_dir: str = SiteArg,
        files: list[Path] = typer.Argument(..., help="CSV files: stop_id,start,interval_s,boardings,alightings"),
        feed: Optional[Path] = typer.Option(None, "--feed", help="GTFS feed whose stop_ids (and stations) the files may use"),
        store: Optional[str] = StoreOpt,
    ) -> None:
        """Store boardings and alightings per stop, summed per transit sensor and interval."""
        stops: tuple[TransitStop, ...] = ()
        if feed is not None:
            try:
                stops = read_gtfs_stops(feed).stops
            except FeedError as exc:
                fail(exc)
        runtime, _ = open_runtime(site_dir, store)
        exit_code = 0
        try:
            for path in files:
                try:
                    counts = read_transit_counts(path, runtime.site, stops=stops)
                except FeedError as exc:
                    errors.print(f"[red]error[/red] {escape(str(exc))}", highlight=False, soft_wrap=True)
                    exit_code = 2
                    continue
                report = runtime.ingest(counts.rows)
                problems = [(p.line, str(p)) for p in counts.problems]
                for r in report.rejected:
                    row, line = counts.rows[r.index], counts.row_lines[r.index][0]
                    where = f"{r.field}: " if r.field else ""
                    problems.append((line, f"{path}:{line}: {where}{r.reason} ({row['sensor_id']} {row['metric']} "
                                           f"at {row['start']})"))
                show_problems([text for _, text in sorted(problems)])
                console.print(f"{path}: {len(counts.rows)} sensor rows: {report.inserted} stored, {report.duplicates} "
                              f"duplicates ignored, {report.corrections} corrections, {len(report.rejected)} rejected; "
                              f"{len(counts.problems)} problems")
                if problems and exit_code == 0:
                    exit_code = 1
        finally:
            runtime.store.close()
        raise typer.Exit(exit_code)


def show_problems(problems: list[str]) -> None:
    """The first problems, one a line, and how many more there are."""
    for text in problems[:MAX_SHOWN_PROBLEMS]:
        errors.print(text, highlight=False, soft_wrap=True, markup=False)
    if len(problems) > MAX_SHOWN_PROBLEMS:
        errors.print(f"… and {len(problems) - MAX_SHOWN_PROBLEMS} more")


def _stop_lines(stops: tuple[TransitStop, ...]) -> list[str]:
    """One tab-separated line per stop: id, type, code, name, parent, routes, lat, lon."""
    return ["\t".join(("stop_id", "type", "code", "name", "parent", "routes", "lat", "lon"))] + [
        "\t".join((s.stop_id, LOCATION_TYPES[s.location_type], s.code or "", s.name.replace("\n", " "),
                   s.parent_station or "", " ".join(s.routes), "" if s.lat is None else f"{s.lat:.6f}",
                   "" if s.lon is None else f"{s.lon:.6f}"))
        for s in stops]


def fail(message: object) -> NoReturn:
    """One clear line on stderr and exit code 2."""
    errors.print(f"[red]error[/red] {escape(str(message))}", highlight=False, soft_wrap=True)
    raise typer.Exit(2)
