"""``crowdsafety chat-eval``: the passenger chatbot played through scripted conversations, with
precision and recall per field and the emergency set's first replies. Registered on the main
app with :func:`register`.

Exit codes: 0 every emergency conversation got 112 in the first reply, 1 some did not, 2 the
fixtures or the site's stops could not be read.
"""

from __future__ import annotations

from pathlib import Path
from typing import NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from crowdsafety.chat.evaluate import Evaluation, evaluate, load_fixtures
from crowdsafety.cli.common import errors
from crowdsafety.cli.settings import resolve_site_dir
from crowdsafety.domain import CrowdSafetyError
from crowdsafety.service.chat_site import chat_stops

DEFAULT_FIXTURES = Path("tests/chat/fixtures/conversations.toml")
console = Console(soft_wrap=True)


def register(app: typer.Typer) -> None:
    @app.command("chat-eval")
    def chat_eval(
        fixtures: Path = typer.Option(DEFAULT_FIXTURES, "--fixtures", help="TOML file of scripted conversations"),
        site: str = typer.Option("scheveningen", "--site", help="Site folder or demo site name (its gtfs/ gives the stops)"),
        mistakes: bool = typer.Option(False, "--mistakes", help="List every field the chatbot got wrong"),
    ) -> None:
        """Score the passenger chatbot on scripted conversations: precision and recall per field."""
        try:
            scripts = load_fixtures(fixtures)
            stops, lines = chat_stops(resolve_site_dir(site))
        except CrowdSafetyError as exc:  # a FeedError too
            fail(exc)
        result = evaluate(scripts, stops, lines)
        show(result, fixtures, len(stops))
        if mistakes:
            for script_id, name, want, got in result.mistakes:
                console.print(f"{escape(script_id)}: {name}: expected {want!r}, got {got!r}", highlight=False)
        if result.emergency_misses:
            errors.print(f"[red]error[/red] no 112 in the first reply of: {', '.join(result.emergency_misses)}")
            raise typer.Exit(1)


def show(result: Evaluation, fixtures: Path, stops: int) -> None:
    table = Table(title=f"{result.conversations} conversations from {fixtures} ({stops} stops known)")
    for column in ("field", "precision", "recall", "right", "given", "expected"):
        table.add_column(column, justify="left" if column == "field" else "right")
    for name, score in result.scores.items():
        table.add_row(name, f"{score.precision:.3f}", f"{score.recall:.3f}", str(score.right),
                      str(score.given), str(score.expected))
    console.print(table)
    console.print(f"emergency set: 112 in the first reply of {result.emergencies_with_112}/{result.emergencies} "
                  f"({100 * result.emergency_rate:.1f} %)")


def fail(exc: Exception) -> NoReturn:
    errors.print(f"[red]error[/red] {escape(str(exc))}", highlight=False, soft_wrap=True)
    raise typer.Exit(2)
