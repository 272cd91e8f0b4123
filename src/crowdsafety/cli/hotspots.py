"""``crowdsafety hotspots SITE``: where and when checks on public transport help most.

Reads the site's incident history (``incidents_history.csv`` in the site folder, or
``--history``) and its GTFS feed (``gtfs/`` in the site folder, or ``--feed``: scheduled calls
per line × stop × hour of the week as exposure, stop names and positions). Prints the top cells
by empirical-Bayes rate with a 10-90 % interval, and a temporal split: ranked on all but the last
``--test-months`` months, the share of those months' incidents in the top-k cells, for the
empirical-Bayes rankings and the raw-count ranking. Writes ``hotspots.geojson`` (a map layer:
points at the stops), ``hotspots.png`` and ``hotspots.csv`` into ``--out``
(default ``./out/hotspots-<site>/``).

Exit codes: 0 done, 2 a file could not be read or a line of it is malformed (each named as
``file:line: column: why``).
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import NoReturn, Optional
from zoneinfo import ZoneInfo

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from crowdsafety.cli.common import SiteArg, errors, load_site_or_exit
from crowdsafety.cli.progress import progress_bar
from crowdsafety.cli.settings import resolve_site_dir
from crowdsafety.forecast import hotspots as hs
from crowdsafety.forecast.hotspot_plots import hotspot_figure
from crowdsafety.sources.gtfs_calls import weekly_calls
from crowdsafety.sources.gtfs_stops import read_gtfs_stops
from crowdsafety.sources.incident_history import read_incident_history
from crowdsafety.sources.line_problems import FeedError

HISTORY_FILE = "incidents_history.csv"
KS = (10, 20, 50)
console = Console(soft_wrap=True)


def register(app: typer.Typer) -> None:
    @app.command()
    def hotspots(
        site_dir: str = SiteArg,
        history: Optional[Path] = typer.Option(None, "--history", help=f"incident history CSV (default: the site's {HISTORY_FILE})"),
        feed: Optional[Path] = typer.Option(None, "--feed", help="GTFS feed folder (default: the site's gtfs/)"),
        top: int = typer.Option(20, "--top", min=1, help="cells in the table and the map layer"),
        test_months: int = typer.Option(3, "--test-months", min=1, help="the last months held out for the evaluation"),
        out: Optional[Path] = typer.Option(None, "--out", help="output folder (default ./out/hotspots-<site>/)"),
    ) -> None:
        """Rank line × stop × hour-of-week cells by a smoothed incident rate (empirical Bayes) and
        judge the ranking on the last months against ranking by raw counts."""
        site = load_site_or_exit(site_dir)
        folder = resolve_site_dir(site_dir)
        if history is None and not (folder / HISTORY_FILE).is_file():
            fail(f"{folder}: the site has no {HISTORY_FILE}; give one with --history")
        history = history or folder / HISTORY_FILE
        feed = feed or folder / "gtfs"
        with progress_bar("Hot-spots", total=5) as advance:
            incidents = _read(lambda: read_incident_history(history, site.id))
            if not incidents:
                fail(f"{history}: no incidents")
            advance(1)
            calls, positions, names = _schedule(feed)
            advance(1)
            counts = hs.count_cells(incidents, site.timezone)
            first, last = min(i.at for i in incidents), max(i.at for i in incidents)
            weeks = max((last - first).total_seconds() / hs.WEEK_S, 1 / 7)
            rates = hs.smoothed_rates(counts, hs.cell_exposure(calls, counts, weeks), "margins")
            table = hs.ranked(rates, top)
            advance(1)
            split = _split_at(last, site.timezone, test_months)
            try:
                evaluation = hs.evaluate_split(incidents, site.timezone, calls, split, KS)
            except ValueError as exc:
                fail(f"--test-months {test_months}: {exc}")
            advance(1)
            folder_out = out or Path("out") / f"hotspots-{site.id}"
            paths = _write(folder_out, table, rates, positions, names, weeks,
                           f"{site.name}: incident hot-spots on public transport, {first:%Y-%m-%d} to {last:%Y-%m-%d}")
            advance(1)
        print_table(table, names, hs.ranked_by_count(counts, len(counts)), len(incidents), rates)
        print_evaluation(evaluation, site.timezone)
        console.print(f"Wrote {', '.join(str(p) for p in paths)}")


def print_table(table: list[hs.RankedCell], names: dict[str, str], by_count: list[tuple[hs.Cell, int]],
                incidents: int, rates: hs.CellRates) -> None:
    count_rank = _competition_ranks(by_count)
    out = Table(title=f"Top {len(table)} of {len(rates.cells):,} line × stop × hour cells by empirical-Bayes rate "
                      f"({incidents:,} incidents; prior: line×stop × hour margins, shape {rates.shape:.2f})")
    for col in ("rank", "tram", "stop", "when", "incidents", "calls", f"per {hs.PER_CALLS:,} calls",
                "10-90 %", "rank by count"):
        out.add_column(col, justify="left" if col in ("tram", "stop", "when") else "right", no_wrap=True)
    for r in table:
        name = names.get(r.stop_id, r.stop_id).split(", ")[-1]
        out.add_row(str(r.rank), r.line, f"{name} ({r.stop_id})", hs.hour_of_week_label(r.hour_of_week),
                    str(r.count), f"{r.calls:,.0f}", f"{r.rate:.2f}", f"{r.low:.2f}-{r.high:.2f}",
                    count_rank.get((r.line, r.stop_id, r.hour_of_week), "-"))
    console.print(out)


def print_evaluation(evaluation: hs.SplitEvaluation, timezone: str) -> None:
    split = evaluation.split_at.astimezone(ZoneInfo(timezone))
    out = Table(title=f"Temporal split: ranked on the incidents before {split:%Y-%m-%d} ({evaluation.train_incidents:,}), "
                      f"share of the {evaluation.test_incidents:,} from then on in the top-k of "
                      f"{evaluation.cells:,} cells")
    out.add_column("ranking", no_wrap=True)
    ks = sorted(next(iter(evaluation.shares.values())))
    for k in ks:
        out.add_column(f"top-{k}", justify="right")
    for name, shares in evaluation.shares.items():
        out.add_row(name, *(f"{shares[k]:.1%}" for k in ks))
    out.add_row("random cells", *(f"{k / evaluation.cells:.1%}" for k in ks), style="dim")
    console.print(out)


def fail(message: object) -> NoReturn:
    errors.print(f"[red]error[/red] {escape(str(message))}", highlight=False, soft_wrap=True)
    raise typer.Exit(2)


def _read(load):
    try:
        return load()
    except FeedError as exc:
        fail(exc)


def _schedule(feed: Path) -> tuple[dict, dict[str, tuple[float, float]], dict[str, str]]:
    """Calls a week per cell, stop positions and names; empty (with a warning) without a feed."""
    if not feed.is_dir():
        errors.print(f"[yellow]warning[/yellow] {escape(str(feed))}: no GTFS feed folder; every hour of the week "
                     "counts as 1 call and the map layer stays empty", highlight=False)
        return {}, {}, {}
    calls = _read(lambda: weekly_calls(feed))
    stops = _read(lambda: read_gtfs_stops(feed)).stops
    positions = {s.stop_id: (s.lon, s.lat) for s in stops if s.lon is not None and s.lat is not None}
    return dict(calls), positions, {s.stop_id: s.name for s in stops}


def _split_at(last: datetime, timezone: str, months: int) -> datetime:
    """Start (local midnight) of the month ``months - 1`` before the last incident's month."""
    local = last.astimezone(ZoneInfo(timezone))
    year, month = local.year, local.month - (months - 1)
    while month < 1:
        year, month = year - 1, month + 12
    return datetime(year, month, 1, tzinfo=ZoneInfo(timezone))


def _competition_ranks(by_count: list[tuple[hs.Cell, int]]) -> dict[hs.Cell, str]:
    """``3`` or ``=3`` (tied) per cell, ranked by count."""
    first: dict[int, int] = {}
    for position, (_, n) in enumerate(by_count, start=1):
        first.setdefault(n, position)
    sizes = Counter(n for _, n in by_count)
    return {cell: f"{'=' if sizes[n] > 1 else ''}{first[n]}" for cell, n in by_count}


def _write(folder: Path, table: list[hs.RankedCell], rates: hs.CellRates, positions: dict, names: dict,
           weeks: float, title: str) -> list[Path]:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        layer = folder / "hotspots.geojson"
        layer.write_text(json.dumps(hs.hotspots_geojson(table, positions, names), ensure_ascii=False, indent=1) + "\n",
                         encoding="utf-8")
        rows = folder / "hotspots.csv"
        with rows.open("w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f, lineterminator="\n")
            writer.writerow(["rank", "line", "stop_id", "hour_of_week", "when", "incidents", "calls",
                             f"rate_per_{hs.PER_CALLS}_calls", "low", "high"])
            for r in table:
                writer.writerow([r.rank, r.line, r.stop_id, r.hour_of_week, hs.hour_of_week_label(r.hour_of_week),
                                 r.count, round(r.calls), f"{r.rate:.4f}", f"{r.low:.4f}", f"{r.high:.4f}"])
        figure = hotspot_figure(rates, table, positions, names, weeks, folder / "hotspots.png", title)
    except OSError as exc:
        fail(f"{folder}: cannot write ({exc.strerror or exc})")
    return [layer, figure, rows]

