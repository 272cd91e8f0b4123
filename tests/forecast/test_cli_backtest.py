"""``crowdsafety backtest`` on a site folder with a store: prints the table, writes CSV and PNG."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import typer
from typer.testing import CliRunner

from crowdsafety.cli import backtest
from crowdsafety.store import open_store

MINI = Path(__file__).parents[1] / "sites" / "fixtures" / "mini"


def _app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        """Test app."""

    backtest.register(app)
    return app


def test_backtest_of_a_stored_site(tmp_path: Path, mini_site, hourly_states) -> None:
    url = f"duckdb:///{tmp_path / 'mini.duckdb'}"
    store = open_store(url)
    states = hourly_states(mini_site, 42)
    store.put_zone_states(states)
    hours = pd.DatetimeIndex(sorted({s.start for s in states}))
    store.append_observations(pd.DataFrame({
        "sensor_id": "weather", "start": hours, "interval_s": 3600, "metric": "temperature_c", "value": 20.0,
        "quality": "ok", "received_at": hours + pd.Timedelta(hours=1)}))
    store.close()
    out = tmp_path / "out"
    result = CliRunner().invoke(_app(), ["backtest", str(MINI), "--store", url, "--weeks", "1", "--out", str(out),
                                         "--models", "seasonal_naive,linear_nowcast"], env={"COLUMNS": "160"})
    assert result.exit_code == 0, result.output
    assert "nowcast 1 h" in result.output and "linear_nowcast" in result.output
    summary = pd.read_csv(out / "summary.csv")
    assert set(summary["model"]) == {"seasonal_naive", "linear_nowcast"}
    assert (summary.loc[summary["model"] == "seasonal_naive", "vs_reference"] == 1.0).all()
    assert (out / "scores_by_horizon.csv").exists()
    assert (out / "error_by_horizon.png").stat().st_size > 1000
    assert len(list(out.glob("forecast_*.png"))) == 2


def test_unknown_model_is_refused(tmp_path: Path) -> None:
    result = CliRunner().invoke(_app(), ["backtest", str(MINI), "--store", "duckdb://:memory:", "--models", "oracle"])
    assert result.exit_code != 0
    assert "unknown model" in result.output
