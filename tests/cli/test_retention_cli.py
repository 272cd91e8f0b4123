"""`crowdsafety retention SITE --days N` on a file store, and the privacy settings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from crowdsafety.cli import retention
from crowdsafety.cli.settings import Settings
from crowdsafety.decide import verify_chain
from crowdsafety.domain import CrowdSafetyError
from crowdsafety.service import Runtime
from crowdsafety.sites import load_site
from crowdsafety.store import open_store

MINI = Path(__file__).parents[1] / "sites" / "fixtures" / "mini"
runner = CliRunner()


def cli() -> typer.Typer:
    """The main app once it registers the command; until then an app with just it."""
    from crowdsafety.cli.main import app

    if "retention" in {c.name for c in app.registered_commands}:
        return app
    fresh = typer.Typer()
    fresh.callback()(lambda: None)
    retention.register(fresh)
    return fresh


@pytest.fixture
def store_url(tmp_path: Path) -> str:
    """A file store with one camera count a day for the last 10 days (by the real clock, the
    interval before now: the row of n days ago is a little more than n days old)."""
    url = f"duckdb:///{tmp_path / 's.duckdb'}"
    runtime = Runtime(load_site(MINI), open_store(url))
    now = runtime.clock.now().replace(second=0, microsecond=0)
    now -= timedelta(minutes=now.minute % 5)
    rows = [{"sensor_id": "cam-beach", "start": (now - timedelta(days=n)).isoformat(), "interval_s": 300,
             "metric": "count", "value": 50 + n} for n in range(10)]
    assert runtime.ingest(rows).inserted == 10
    runtime.store.close()
    return url


def read_back(url: str):
    store = open_store(url)
    try:
        start = datetime.now(UTC) - timedelta(days=30)
        return store.observations(start=start, end=start + timedelta(days=31)), store.decisions()
    finally:
        store.close()


def test_retention_deletes_old_rows_and_logs_the_cli_user(store_url, monkeypatch):
    monkeypatch.delenv("CROWDSAFETY_RETENTION_DAYS", raising=False)
    result = runner.invoke(cli(), ["retention", str(MINI), "--days", "4", "--store", store_url])
    assert result.exit_code == 0, result.output
    assert "6 raw observations starting before" in result.output and "logged as decision 1" in result.output
    observations, log = read_back(store_url)
    assert sorted(observations["value"].tolist()) == [50, 51, 52, 53]
    [entry] = log
    assert entry.action == "retention.applied" and entry.who.startswith("cli:") and entry.role == "admin"
    assert entry.details["deleted"] == 6 and verify_chain(log).intact


def test_retention_days_come_from_the_setting_when_not_given(store_url, monkeypatch):
    monkeypatch.setenv("CROWDSAFETY_RETENTION_DAYS", "8")
    result = runner.invoke(cli(), ["retention", str(MINI), "--store", store_url])
    assert result.exit_code == 0, result.output
    assert len(read_back(store_url)[0]) == 8


@pytest.mark.parametrize("args, env, words", [
    ([], None, "--days: give the days"),
    (["--days", "1"], None, "at least 2"),
    ([], "soon", "CROWDSAFETY_RETENTION_DAYS: expected a whole number"),
])
def test_retention_refuses_missing_or_wrong_days_and_deletes_nothing(store_url, monkeypatch, args, env, words):
    if env is None:
        monkeypatch.delenv("CROWDSAFETY_RETENTION_DAYS", raising=False)
    else:
        monkeypatch.setenv("CROWDSAFETY_RETENTION_DAYS", env)
    result = runner.invoke(cli(), ["retention", str(MINI), *args, "--store", store_url])
    assert result.exit_code == 2
    message = result.output + (str(result.exception) if result.exception else "")
    assert words in message
    observations, log = read_back(store_url)
    assert len(observations) == 10 and log == []


def test_privacy_settings_from_the_environment(monkeypatch, tmp_path):
    site = load_site(MINI)
    url = f"duckdb:///{tmp_path / 'x.duckdb'}"
    monkeypatch.delenv("CROWDSAFETY_PRIVACY_K", raising=False)
    monkeypatch.delenv("CROWDSAFETY_RETENTION_DAYS", raising=False)
    defaults = Settings.build(site, store_url=url)
    assert (defaults.privacy_k, defaults.retention_days) == (10, None)
    monkeypatch.setenv("CROWDSAFETY_PRIVACY_K", "25")
    monkeypatch.setenv("CROWDSAFETY_RETENTION_DAYS", "90")
    chosen = Settings.build(site, store_url=url)
    assert (chosen.privacy_k, chosen.retention_days) == (25, 90)
    monkeypatch.setenv("CROWDSAFETY_PRIVACY_K", "0")
    with pytest.raises(CrowdSafetyError, match="CROWDSAFETY_PRIVACY_K: must be at least 1, got 0"):
        Settings.build(site, store_url=url)
