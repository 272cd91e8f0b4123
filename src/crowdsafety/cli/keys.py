"""``crowdsafety keys create|list|revoke``: API keys on a store (hashed there; shown once here).

On the embedded DuckDB store these run while the service is stopped (one process holds the
file); on a running service an admin key does the same through ``/api/v1/keys``.
"""

from __future__ import annotations

import getpass
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

from crowdsafety.cli.common import SiteArg, StoreOpt, errors, open_runtime
from crowdsafety.domain.access import Role
from crowdsafety.service.keys import KeyRefused, create_key, revoke_key

console = Console(soft_wrap=True)
keys_app = typer.Typer(help="API keys: create, list, revoke.", no_args_is_help=True)


def cli_actor() -> str:
    """How a CLI user signs the log: ``cli:<login name>``."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli:unknown"


@keys_app.command("create")
def create(site_dir: str = SiteArg, store: Optional[str] = StoreOpt,
           role: Role = typer.Option(..., help="admin, operator, partner or sensor"),
           name: str = typer.Option(..., help="whom the key is for, e.g. 'Control room desk 2'"),
           sensor: list[str] = typer.Option([], help="a sensor key's sensor id (repeat)"),
           party: Optional[str] = typer.Option(None, help="a partner key's playbook owner, e.g. transit")) -> None:
    """Make a key and print it once; only its hash is stored."""
    runtime, _ = open_runtime(site_dir, store)
    try:
        key, text = create_key(runtime, name=name, role=role, actor=cli_actor(), actor_role="admin",
                               sensor_ids=tuple(sensor), party=party)
    except KeyRefused as exc:
        errors.print(f"[red]error[/red] {exc}", highlight=False)
        raise typer.Exit(2) from None
    finally:
        runtime.store.close()
    console.print(f"{key.role.value} key {key.id} for {key.name}:")
    print(text)
    console.print("[dim]Keep it now: it is not stored and cannot be shown again.[/dim]")


@keys_app.command("list")
def list_keys(site_dir: str = SiteArg, store: Optional[str] = StoreOpt) -> None:
    """Every key with its role and state (never a secret)."""
    runtime, _ = open_runtime(site_dir, store)
    try:
        keys = runtime.store.api_keys()
    finally:
        runtime.store.close()
    table = Table(title=f"API keys of {runtime.site.name}")
    for col in ("id", "role", "name", "sensors / party", "created", "revoked"):
        table.add_column(col)
    for k in keys:
        table.add_row(k.id, k.role.value, k.name, ", ".join(k.sensor_ids) or (k.party or ""),
                      f"{k.created_at:%Y-%m-%d %H:%M}Z", f"{k.revoked_at:%Y-%m-%d %H:%M}Z" if k.revoked_at else "")
    console.print(table)


@keys_app.command("revoke")
def revoke(site_dir: str = SiteArg, key_id: str = typer.Argument(..., help="the key's id (8 hex digits)"),
           store: Optional[str] = StoreOpt) -> None:
    """Revoke a key from now on (recorded in the log)."""
    runtime, _ = open_runtime(site_dir, store)
    try:
        revoked = revoke_key(runtime, key_id, actor=cli_actor(), actor_role="admin")
    except KeyRefused as exc:
        errors.print(f"[red]error[/red] {exc}", highlight=False)
        raise typer.Exit(2) from None
    finally:
        runtime.store.close()
    console.print(f"key {revoked.id} ({revoked.name}) revoked")


def register(app: typer.Typer) -> None:
    app.add_typer(keys_app, name="keys")
