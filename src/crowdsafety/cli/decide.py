"""``crowdsafety verify-log``, ``alerts``, ``alert-action`` and ``evaluate``: the decision log,
the alerts, and the evaluation of a period afterwards. Registered on the main app with
:func:`register`.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.table import Table

from crowdsafety.cli.common import SiteArg, StoreOpt, open_runtime
from crowdsafety.cli.progress import progress_bar
from crowdsafety.decide import Action, ActionError, ActionRequest
from crowdsafety.domain.decision import AlertKind
from crowdsafety.service.deciding import Decider, build_decider

if TYPE_CHECKING:
    from rich.console import Console

    from crowdsafety.decide.evaluation import Evaluation
    from crowdsafety.domain import Site

LEVEL_STYLE = {"green": "green", "yellow": "yellow", "orange": "dark_orange", "red": "bold red"}


def _decider(site_dir: str, store: str | None) -> Decider:
    runtime, _ = open_runtime(site_dir, store)
    return build_decider(runtime, env={})


def register(app: typer.Typer) -> None:
    @app.command("verify-log")
    def verify_log(site_dir: str = SiteArg, store: str | None = StoreOpt) -> None:
        """Recompute the decision log's hash chain; exit code 1 naming the first bad entry."""
        from crowdsafety.cli.main import console, errors

        decider = _decider(site_dir, store)
        try:
            result = decider.verify()
        finally:
            decider.runtime.store.close()
        if not result.intact:
            errors.print(f"[red]decision log BROKEN[/red] at entry {result.first_bad}: {result.problem}. "
                         f"{result.entries} entries before it are intact (last good hash {result.head}).",
                         highlight=False)
            raise typer.Exit(1)
        console.print(f"decision log intact: {result.entries} entries, head hash {result.head}", highlight=False)

    @app.command("alerts")
    def alerts(site_dir: str = SiteArg, store: str | None = StoreOpt,
               all_: bool = typer.Option(False, "--all", help="also closed alerts")) -> None:
        """Print the open alerts with their measures due now."""
        from zoneinfo import ZoneInfo

        from crowdsafety.cli.main import console

        decider = _decider(site_dir, store)
        try:
            views = decider.alerts(include_closed=all_)
        finally:
            decider.runtime.store.close()
        tz = ZoneInfo(decider.site.timezone)
        console.print(f"[bold]{decider.site.name}[/bold]: {len(views)} alert(s)")
        for v in views:
            a = v.alert
            style = LEVEL_STYLE[a.level.value]
            state = a.status.value + (f" → {a.assignee}" if a.assignee else "") + ("" if a.active else ", cleared")
            console.print(f"[{style}]●[/] {a.id}  [{style}]{a.level.value}[/] (risk {a.risk_level.value})  {state}  "
                          f"raised {a.raised_at.astimezone(tz):%Y-%m-%d %H:%M}", highlight=False)
            for reason in a.reasons:
                console.print(f"    why: {reason}", highlight=False)
            for m in v.measures:
                if m.due_now and m.state.value != "done":
                    console.print(f"    due now: {m.measure.id} — {m.measure.title} ({m.owner_name}; {m.state.value})",
                                  highlight=False)

    @app.command("alert-action")
    def alert_action(
        site_dir: str = SiteArg,
        alert_id: str = typer.Argument(..., help="alert id (see `crowdsafety alerts`)"),
        action: Action = typer.Argument(..., help="what to do"),
        who: str = typer.Option(..., help="your name or call sign"),
        role: str = typer.Option(..., help="your role, e.g. crowd-management coordinator"),
        reason: str = typer.Option(..., help="why"),
        measure: str | None = typer.Option(None, help="measure id, for measure-started / measure-done"),
        assignee: str | None = typer.Option(None, help="for assign"),
        store: str | None = StoreOpt,
    ) -> None:
        """Acknowledge, assign, close an alert or move a measure on; recorded in the decision log."""
        from crowdsafety.cli.main import console, errors

        decider = _decider(site_dir, store)
        try:
            view = decider.act(alert_id, ActionRequest(action, who, role, reason, measure, assignee))
        except ActionError as exc:
            errors.print(f"[red]refused[/red] {exc}", highlight=False)
            raise typer.Exit(1) from None
        finally:
            decider.runtime.store.close()
        console.print(f"{view.alert.id}: {action.value} recorded (status {view.alert.status.value})", highlight=False)

    @app.command("evaluate")
    def evaluate(
        site_dir: str = SiteArg,
        start: str = typer.Option(..., help="period start, ISO 8601 with offset (e.g. 2026-07-01T00:00+02:00)"),
        end: str = typer.Option(..., help="period end (exclusive)"),
        png: Path | None = typer.Option(None, help="also draw the episodes and warnings to this PNG"),
        store: str | None = StoreOpt,
    ) -> None:
        """Report a period: orange/red episodes, how many were warned ahead and how long ahead,
        false alarms, and the measures logged (a table, and a PNG with --png)."""
        from crowdsafety.cli.main import _parse_time, console
        from crowdsafety.decide import replay_alerts
        from crowdsafety.decide.evaluation import (
            episodes_from_changes,
            evaluate_period,
            final_alerts,
        )
        from crowdsafety.service.deciding import FORECAST_AHEAD, IssuedOutlooks

        t0, t1 = _parse_time(start), _parse_time(end)
        if t0 >= t1:
            raise typer.BadParameter("start must be before end", param_hint="--start")
        decider = _decider(site_dir, store)
        site, db = decider.site, decider.runtime.store
        try:
            rules = decider.playbook.alerts
            warmup = timedelta(minutes=max(rules.min_duration_min, rules.clear_after_min) + site.interval_s / 60)
            states = db.zone_states(start=t0 - warmup, end=t1)
            issued = db.forecasts(start=t0, end=t1 + FORECAST_AHEAD, issued_by=t1, latest_only=False)
            stored = [a for a in db.alerts(start=t0 - timedelta(days=1), end=t1) if a.kind is AlertKind.EXPECTED]
            log = db.decisions()
        finally:
            db.close()
        outlooks = IssuedOutlooks(issued) if len(issued) else None
        with progress_bar("Replaying the alerts", total=None) as advance:
            changes = replay_alerts(site, decider.playbook, states, start=t0, end=t1, outlooks=outlooks)
            advance(1)
        expected = final_alerts(changes) if outlooks else stored
        console.print("warnings: " + ("replayed from the stored forecasts" if outlooks else
                                      "the expected alerts stored by the service (no stored forecasts)"))
        result = evaluate_period(episodes_from_changes(changes), expected, log, start=t0, end=t1)
        print_evaluation(result, site.timezone, console)
        if png is not None:
            plot_evaluation(result, site, png)
            console.print(f"figure written to {png}")


def print_evaluation(ev: Evaluation, timezone: str, console: Console) -> None:
    """The episodes table and the summary lines."""
    from statistics import median
    from zoneinfo import ZoneInfo

    tz = ZoneInfo(timezone)
    table = Table(title=f"Orange/red episodes {ev.start.astimezone(tz):%Y-%m-%d} – {ev.end.astimezone(tz):%Y-%m-%d}")
    for col in ("zone", "peak", "start", "end", "warned ahead"):
        table.add_column(col)
    for e in ev.episodes:
        lead = "—" if e.lead_min is None else f"{e.lead_min:.0f} min"
        table.add_row(e.zone_id, f"[{LEVEL_STYLE[e.peak.value]}]{e.peak.value}[/]", f"{e.start.astimezone(tz):%m-%d %H:%M}",
                      "ongoing" if e.end is None else f"{e.end.astimezone(tz):%m-%d %H:%M}", lead)
    console.print(table)
    leads = [e.lead_min for e in ev.episodes if e.lead_min is not None]
    share = f" ({ev.warned / len(ev.episodes):.0%})" if ev.episodes else ""
    console.print(f"episodes: {len(ev.episodes)}; warned ahead: {ev.warned}{share}"
                  + (f", median lead {median(leads):.0f} min" if leads else ""))
    console.print(f"false alarms: {len(ev.false_alarms)}"
                  + "".join(f"\n  {a.id} ({a.level.value}, {a.probability or 0:.0%})" for a in ev.false_alarms))
    by_owner: dict[str, int] = {}
    for d in ev.measures:
        key = f"{d.details.get('owner', '?')} {d.action}"
        by_owner[key] = by_owner.get(key, 0) + 1
    console.print(f"measures logged: {len(ev.measures)}" + "".join(f"\n  {k}: {n}" for k, n in sorted(by_owner.items())))


def plot_evaluation(ev: Evaluation, site: Site, path: Path) -> None:
    """One row per zone: episodes as bars in their peak colour, warnings as triangles, false
    alarms as crosses; times in the site's time zone."""
    from zoneinfo import ZoneInfo

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    tz = ZoneInfo(site.timezone)

    def x(moment: datetime) -> float:
        return float(mdates.date2num(moment.astimezone(tz)))

    colours = {"yellow": "#F0E442", "orange": "#E69F00", "red": "#D55E00"}
    rows = {z.id: i for i, z in enumerate(site.zones)}
    fig, ax = plt.subplots(figsize=(12, 0.4 * len(rows) + 1.5))
    for e in ev.episodes:
        end = e.end or ev.end
        ax.barh(rows[e.zone_id], (end - e.start).total_seconds() / 86400, left=x(e.start),
                color=colours[e.peak.value], height=0.6)
        if e.warned_at is not None:
            ax.plot(x(e.warned_at), rows[e.zone_id], marker="v", color="black", markersize=6)
    for a in ev.false_alarms:
        ax.plot(x(a.raised_at), rows[a.subject], marker="x", color="grey", markersize=7)
    ax.set_yticks(list(rows.values()), list(rows))
    ax.xaxis_date(tz)
    ax.set_xlim(x(ev.start), x(ev.end))
    ax.set_title(f"{site.name}: orange/red episodes (bars), warnings (▼), false alarms (×)")
    fig.autofmt_xdate()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
