"""What every sub-command shares: the site argument, the store option, opening a runtime."""

from __future__ import annotations

import typer
from rich.console import Console

from crowdsafety.cli.settings import Settings, resolve_site_dir
from crowdsafety.domain import Site, SiteDefinitionError
from crowdsafety.service import Runtime
from crowdsafety.sites import load_site
from crowdsafety.store import open_store

SiteArg = typer.Argument(..., help="Site folder, or the name of a demo site (scheveningen, auckland)")
StoreOpt = typer.Option(None, "--store", help="Store URL (default: duckdb:///./data/<site>.duckdb or $CROWDSAFETY_STORE)")
errors = Console(stderr=True, soft_wrap=True)


def load_site_or_exit(site_dir: str) -> Site:
    """The site, or every problem printed and exit code 2."""
    try:
        return load_site(resolve_site_dir(site_dir))
    except SiteDefinitionError as exc:
        for problem in exc.problems:
            errors.print(f"[red]error[/red] {problem}", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None


def open_runtime(site_dir: str, store: str | None) -> tuple[Runtime, Settings]:
    """A runtime on the site and its store (``--store`` or the default), and the settings used."""
    site = load_site_or_exit(site_dir)
    settings = Settings.build(site, store_url=store)
    return Runtime(site, open_store(settings.store_url)), settings
