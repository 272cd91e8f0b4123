"""``crowdsafety`` sub-commands."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from crowdsafety.sites import check_site

app = typer.Typer(help="Crowd Safety Manager: the shared picture of crowding.", no_args_is_help=True,
                  add_completion=False)
console = Console()
errors = Console(stderr=True)


@app.callback()
def main() -> None:
    """Crowd Safety Manager: the shared picture of crowding, now and ahead."""


@app.command("check-site")
def check_site_command(site_dir: Path = typer.Argument(..., help="Site folder")) -> None:
    """Validate a site definition; exit code 1 when anything is wrong."""
    problems = check_site(site_dir)
    for problem in problems:
        errors.print(f"[red]error[/red] {problem}", highlight=False, soft_wrap=True)
    if problems:
        errors.print(f"{len(problems)} problem(s) in {site_dir}")
        raise typer.Exit(1)
    console.print(f"{site_dir}: ok")
