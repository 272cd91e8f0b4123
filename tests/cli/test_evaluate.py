"""`crowdsafety evaluate`: a period's episodes, warnings, false alarms and measures, with a PNG."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from typer.testing import CliRunner

from crowdsafety.decide import DecisionDraft, seal
from crowdsafety.domain import DataStatus, Level, ZoneState
from crowdsafety.domain.decision import AlertKind, AlertRecord
from crowdsafety.store import open_store

from .test_verify_log import MINI, cli

T0 = datetime(2026, 7, 5, 12, 0, tzinfo=UTC)
runner = CliRunner()


def test_evaluate_reports_and_draws(tmp_path: Path):
    url = f"duckdb:///{tmp_path / 's.duckdb'}"
    store = open_store(url)
    people = [50.0] * 12 + [250.0] * 24 + [50.0] * 12  # the square: orange (> 200) for 2 h
    store.put_zone_states([ZoneState("square", T0 + timedelta(minutes=5 * i), 300, p, p / 500,
                                     Level.ORANGE if p > 200 else Level.GREEN, None, DataStatus.OK)
                           for i, p in enumerate(people)])
    warning = AlertRecord(id="expected.square.a", site_id="mini", kind=AlertKind.EXPECTED, subject="square",
                          zone_ids=("square",), level=Level.ORANGE, peak_level=Level.ORANGE, risk_level=Level.ORANGE,
                          raised_at=T0 - timedelta(minutes=30), updated_at=T0, target_at=T0 + timedelta(hours=1),
                          probability=0.75)
    store.put_alert(warning, seal(DecisionDraft(at=T0 - timedelta(minutes=30), site_id="mini", who="system",
                                                role="decision support", action="raised", reason="forecast",
                                                alert_id=warning.id), None))
    store.append_decision(seal(DecisionDraft(at=T0 + timedelta(hours=1), site_id="mini", who="HTM", role="transit",
                                             action="measure-done", reason="extra trams", alert_id=warning.id,
                                             measure_id="trams", details={"owner": "transit"}), store.decision_head()))
    store.close()
    png = tmp_path / "season.png"
    result = runner.invoke(cli(), ["evaluate", str(MINI), "--store", url, "--start", "2026-07-05T14:00+02:00",
                                   "--end", "2026-07-05T18:00+02:00", "--png", str(png)])
    assert result.exit_code == 0, result.output
    assert "episodes: 1; warned ahead: 1 (100%), median lead 100 min" in result.output
    assert "false alarms: 0" in result.output
    assert "measures logged: 1" in result.output and "transit measure-done: 1" in result.output
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_evaluate_refuses_an_empty_period():
    result = runner.invoke(cli(), ["evaluate", str(MINI), "--store", "duckdb://:memory:",
                                   "--start", "2026-07-05T14:00+02:00", "--end", "2026-07-05T14:00+02:00"])
    assert result.exit_code == 2 and "start must be before end" in result.output


def test_evaluate_replays_warnings_from_stored_forecasts(tmp_path: Path):
    import pandas as pd

    url = f"duckdb:///{tmp_path / 's.duckdb'}"
    store = open_store(url)
    people = [50.0] * 12 + [250.0] * 24 + [50.0] * 12
    store.put_zone_states([ZoneState("square", T0 + timedelta(minutes=5 * i), 300, p, p / 500,
                                     Level.ORANGE if p > 200 else Level.GREEN, None, DataStatus.OK)
                           for i, p in enumerate(people)])
    issued = T0 - timedelta(minutes=30)
    rows = pd.DataFrame({"zone_id": "square", "issued_at": [issued] * 3,
                         "start": [T0 + timedelta(hours=h) for h in (1, 2, 5)], "interval_s": 3600, "model": "gbm",
                         "quantity": "people", "p50": 250.0, "p_green": 0.1, "p_yellow": 0.1, "p_orange": 0.7,
                         "p_red": 0.1})
    for column in ("issued_at", "start"):
        rows[column] = pd.to_datetime(rows[column], utc=True)
    store.put_forecasts(rows)
    store.close()
    result = runner.invoke(cli(), ["evaluate", str(MINI), "--store", url, "--start", "2026-07-05T14:00+02:00",
                                   "--end", "2026-07-05T18:00+02:00"])
    assert result.exit_code == 0, result.output
    assert "replayed from the stored forecasts" in result.output
    # warned from the first replayed interval (14:00) for the episode from 15:10: 70 min ahead
    assert "episodes: 1; warned ahead: 1 (100%), median lead 70 min" in result.output
    assert "false alarms: 0" in result.output
