"""`crowdsafety verify-log`, `alerts` and `alert-action` on a file store; tampering via SQL is found."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest
import typer
from typer.testing import CliRunner

from crowdsafety.cli import decide
from crowdsafety.decide import Action, ActionRequest, load_playbook
from crowdsafety.domain import DataStatus, Level, ZoneState
from crowdsafety.service import ReplayClock, Runtime
from crowdsafety.service.deciding import Decider
from crowdsafety.sites import load_site
from crowdsafety.store import open_store

MINI = Path(__file__).parents[1] / "sites" / "fixtures" / "mini"
T0 = datetime(2026, 7, 5, 12, 0, tzinfo=UTC)
runner = CliRunner()


def cli() -> typer.Typer:
    """The main app once it registers these commands; until then an app with just them."""
    from crowdsafety.cli.main import app

    if "verify-log" in {c.name for c in app.registered_commands}:
        return app
    fresh = typer.Typer()
    decide.register(fresh)
    return fresh


@pytest.fixture
def store_file(tmp_path: Path) -> Path:
    """A store with an alert and four log entries: raised, acknowledged, assigned, measure... closed."""
    path = tmp_path / "s.duckdb"
    site = load_site(MINI)
    runtime = Runtime(site, open_store(f"duckdb:///{path}"), ReplayClock(T0))
    decider = Decider(runtime, load_playbook(site))
    runtime.store.put_zone_states([ZoneState("square", T0 + timedelta(minutes=5 * n), 300, 250.0, 0.5, Level.ORANGE,
                                             None, DataStatus.OK) for n in range(3)])
    runtime.clock.advance(900)  # type: ignore[attr-defined]
    [alert] = [c.alert for c in decider.evaluate() if c.alert.subject == "square"]
    for action, reason, extra in ((Action.ACKNOWLEDGE, "seen", {}), (Action.ASSIGN, "police lead", {"assignee": "Politie"}),
                                  (Action.CLOSE, "crowd dispersed", {})):
        decider.act(alert.id, ActionRequest(action, "JdV", "coordinator", reason, **extra))
    runtime.store.close()
    return path


def verify(path: Path):
    return runner.invoke(cli(), ["verify-log", str(MINI), "--store", f"duckdb:///{path}"])


def test_intact_log_verifies(store_file: Path):
    result = verify(store_file)
    assert result.exit_code == 0, result.output
    assert "decision log intact: 4 entries, head hash" in result.output


def test_log_altered_in_the_file_is_found(store_file: Path):
    with duckdb.connect(str(store_file)) as con:
        con.execute("UPDATE decision_log SET reason = 'nobody saw anything' WHERE seq = 2").fetchall()
    result = verify(store_file)
    assert result.exit_code == 1
    assert "decision log BROKEN at entry 2" in result.output and "altered" in result.output
    assert "1 entries before it are intact" in result.output


def test_entry_deleted_from_the_file_is_found(store_file: Path):
    with duckdb.connect(str(store_file)) as con:
        con.execute("DELETE FROM decision_log WHERE seq = 3").fetchall()
    result = verify(store_file)
    assert result.exit_code == 1 and "at entry 4" in result.output and "removed or inserted" in result.output


def test_rewritten_hash_is_found(store_file: Path):
    with duckdb.connect(str(store_file)) as con:
        con.execute("UPDATE decision_log SET action = 'ignored', hash = repeat('0', 64) WHERE seq = 4").fetchall()
    result = verify(store_file)
    assert result.exit_code == 1 and "at entry 4" in result.output


def test_alerts_and_alert_action_commands(store_file: Path):
    url = f"duckdb:///{store_file}"
    shown = runner.invoke(cli(), ["alerts", str(MINI), "--store", url])
    assert shown.exit_code == 0 and "0 alert(s)" in shown.output  # the one alert is closed
    everything = runner.invoke(cli(), ["alerts", str(MINI), "--store", url, "--all"])
    assert "observed.square.20260705T1210Z" in everything.output and "closed" in everything.output
    refused = runner.invoke(cli(), ["alert-action", str(MINI), "observed.square.20260705T1210Z", "acknowledge",
                                    "--who", "x", "--role", "y", "--reason", "z", "--store", url])
    assert refused.exit_code == 1 and "is closed" in refused.output
    assert verify(store_file).exit_code == 0
