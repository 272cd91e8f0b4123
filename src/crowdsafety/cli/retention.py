"""``crowdsafety retention SITE --days N``: delete raw observations older than N days, log it.

Zone states, forecasts, alerts and the decision log are kept; the run is recorded in the log as
``retention.applied`` by ``cli:<login name>``. On the embedded DuckDB store this runs while the
service is stopped (one process holds the file); a running service applies its
``retention_days`` setting (``$CROWDSAFETY_RETENTION_DAYS``) by itself once a day.
"""

from __future__ import annotations

from typing import NoReturn, Optional

import typer
from rich.console import Console

from crowdsafety.cli.common import SiteArg, StoreOpt, errors, open_runtime
from crowdsafety.cli.keys import cli_actor
from crowdsafety.domain import CrowdSafetyError
from crowdsafety.service.retention import MIN_RETENTION_DAYS, apply_retention

console = Console(soft_wrap=True)


def retention(site_dir: str = SiteArg, store: Optional[str] = StoreOpt,
              days: Optional[int] = typer.Option(
                  None, "--days", help=f"keep this many days of raw observations (at least {MIN_RETENTION_DAYS}; "
                                       "default: $CROWDSAFETY_RETENTION_DAYS)")) -> None:
    """Delete raw observations older than DAYS days (aggregates kept) and record it in the log.

    Exit code 0 when done, 2 when the days are missing or wrong or the store fails.
    """
    try:
        runtime, settings = open_runtime(site_dir, store)
    except CrowdSafetyError as exc:
        _fail(str(exc))
    try:
        days = days if days is not None else settings.retention_days
        if days is None:
            _fail("--days: give the days of raw observations to keep (or set CROWDSAFETY_RETENTION_DAYS)")
        result = apply_retention(runtime, days, actor=cli_actor(), role="admin")
    except CrowdSafetyError as exc:
        _fail(str(exc))
    finally:
        runtime.store.close()
    console.print(f"{result.deleted} raw observations starting before {result.cutoff.isoformat()} deleted "
                  f"from {settings.store_url}; logged as decision {result.entry.seq}", highlight=False)


def _fail(message: str) -> NoReturn:
    errors.print(f"[red]error[/red] {message}", highlight=False)
    raise typer.Exit(2)


def register(app: typer.Typer) -> None:
    app.command("retention")(retention)
