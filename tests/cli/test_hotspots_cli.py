"""`crowdsafety hotspots`: on the shipped Scheveningen history it prints the ranked table and both
rankings' top-k shares (as computed by the library), writes the GeoJSON layer and the PNG; a
malformed history line ends in exit code 2 naming the line and the column."""

import json
import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import typer
from typer.testing import CliRunner

from crowdsafety.cli import hotspots
from crowdsafety.forecast import hotspots as hs
from crowdsafety.sources.gtfs_calls import weekly_calls
from crowdsafety.sources.incident_history import read_incident_history

SITE = Path(__file__).parents[2] / "src" / "crowdsafety" / "demo_sites" / "scheveningen"
runner = CliRunner()


def _app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        """Test app with the hotspots command only."""

    hotspots.register(app)
    return app


app = _app()


def test_hotspots_on_the_shipped_history(tmp_path: Path):
    result = runner.invoke(app, ["hotspots", "scheveningen", "--top", "15", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    out = result.output

    incidents = read_incident_history(SITE / "incidents_history.csv", "scheveningen")
    split = datetime(2026, 6, 1, tzinfo=ZoneInfo("Europe/Amsterdam"))
    expected = hs.evaluate_split(incidents, "Europe/Amsterdam", weekly_calls(SITE / "gtfs"), split, (10, 20, 50))
    for name in ("raw count", "EB line×stop × hour prior"):
        row = next(line for line in out.splitlines() if name in line)
        printed = [float(x) for x in re.findall(r"(\d+\.\d)%", row)]
        assert printed == [round(100 * expected.shares[name][k], 1) for k in (10, 20, 50)]
    assert f"before 2026-06-01 ({expected.train_incidents:,})" in out.replace("\n", " ")
    assert "Kurhaus" in out

    layer = json.loads((tmp_path / "hotspots.geojson").read_text(encoding="utf-8"))
    features = layer["features"]
    assert [f["properties"]["rank"] for f in features] == list(range(1, 16))
    first = features[0]["properties"]
    assert first["line"] in {"1", "9", "11"} and 0 <= first["hour_of_week"] < 168
    assert first["low_per_1000_calls"] < first["rate_per_1000_calls"] < first["high_per_1000_calls"]
    rates = [f["properties"]["rate_per_1000_calls"] for f in features]
    assert rates == sorted(rates, reverse=True)
    lon, lat = features[0]["geometry"]["coordinates"]
    assert 4.25 < lon < 4.31 and 52.09 < lat < 52.13

    png = (tmp_path / "hotspots.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 20_000
    assert len((tmp_path / "hotspots.csv").read_text(encoding="utf-8").splitlines()) == 16


def test_a_malformed_history_line_is_named(tmp_path: Path):
    history = tmp_path / "history.csv"
    lines = (SITE / "incidents_history.csv").read_text(encoding="utf-8").splitlines()[:50]
    cells = lines[7].split(",")
    cells[1] = "yesterday"
    lines[7] = ",".join(cells)
    history.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["hotspots", "scheveningen", "--history", str(history), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "history.csv:8: at:" in result.output.replace("\n", "")
    assert not (tmp_path / "o").exists()


def test_a_missing_history_file_is_a_clear_error(tmp_path: Path):
    result = runner.invoke(app, ["hotspots", "scheveningen", "--history", str(tmp_path / "none.csv")])
    assert result.exit_code == 2
    assert "none.csv" in result.output and "cannot be read" in result.output


def test_a_site_without_history_asks_for_one():
    result = runner.invoke(app, ["hotspots", "auckland"])
    assert result.exit_code == 2
    assert "has no incidents_history.csv" in result.output and "--history" in result.output
