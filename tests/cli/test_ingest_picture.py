"""`crowdsafety ingest` and `crowdsafety picture` on the mini site with a file store."""

from datetime import datetime, timedelta, timezone
from pathlib import Path

from typer.testing import CliRunner

from crowdsafety.cli.main import app

MINI = Path(__file__).parents[1] / "sites" / "fixtures" / "mini"
runner = CliRunner()


def _csv(path: Path, rows: list[str]) -> Path:
    path.write_text("sensor_id,start,interval_s,metric,value\n" + "\n".join(rows) + "\n")
    return path


def test_ingest_then_picture(tmp_path: Path):
    store = f"duckdb:///{tmp_path / 's.duckdb'}"
    t0 = datetime(2026, 7, 5, 10, 0, tzinfo=timezone.utc)
    rows = []
    for i in range(12):
        t = (t0 + timedelta(minutes=5 * i)).isoformat()
        rows += [f"cam-beach,{t},300,count,{8000 + i}", f"wifi-beach,{t},300,devices,{4000 + i}",
                 f"line-square,{t},300,in,{20 + i % 3}", f"line-square,{t},300,out,{5 + i % 2}"]
    good = _csv(tmp_path / "good.csv", rows)
    result = runner.invoke(app, ["ingest", str(MINI), str(good), "--store", store])
    assert result.exit_code == 0, result.output
    assert "48 stored, 0 duplicates ignored, 0 corrections, 0 rejected" in result.output

    again = runner.invoke(app, ["ingest", str(MINI), str(good), "--store", store])
    assert "0 stored, 48 duplicates ignored" in again.output

    result = runner.invoke(app, ["picture", str(MINI), "--store", store, "--at", "2026-07-05T12:55:00+02:00"])
    assert result.exit_code == 0, result.output
    assert "Beach" in result.output and "Square" in result.output
    assert "8,0" in result.output  # ~8,000 people on the beach


def test_ingest_reports_bad_lines_and_keeps_good_ones(tmp_path: Path):
    store = f"duckdb:///{tmp_path / 's.duckdb'}"
    bad = _csv(tmp_path / "bad.csv", [
        "cam-beach,2026-07-05T10:00:00Z,300,count,12",
        "cam-beach,2026-07-05T10:05:00,300,count,12",
        "ghost,2026-07-05T10:05:00Z,300,count,12",
        "cam-beach,2026-07-05T10:10:00Z,300,count,-4",
        "cam-beach,2026-07-05T10:15:00Z,300,count",
    ])
    result = runner.invoke(app, ["ingest", str(MINI), str(bad), "--store", store])
    assert result.exit_code == 1
    out = result.output
    assert "bad.csv:3: start: timestamp '2026-07-05T10:05:00' has no time zone" in out
    assert "bad.csv:4: sensor_id: unknown sensor 'ghost'" in out
    assert "bad.csv:5: value: must not be negative" in out
    assert "bad.csv:6: 4 cells, header has 5" in out
    assert "1 stored" in out


def test_ingest_unreadable_file_and_bad_site(tmp_path: Path):
    store = f"duckdb:///{tmp_path / 's.duckdb'}"
    result = runner.invoke(app, ["ingest", str(MINI), str(tmp_path / "missing.csv"), "--store", store])
    assert result.exit_code == 2 and "no such file" in result.output
    result = runner.invoke(app, ["ingest", str(tmp_path), str(tmp_path / "x.csv")])
    assert result.exit_code == 2 and "site.toml: missing file" in result.output


def test_picture_time_errors(tmp_path: Path):
    store = f"duckdb:///{tmp_path / 's.duckdb'}"
    result = runner.invoke(app, ["picture", str(MINI), "--store", store, "--at", "noon"])
    assert result.exit_code == 2 and "unparsable time" in result.output
    result = runner.invoke(app, ["picture", str(MINI), "--store", store])
    assert result.exit_code == 1 and "no observations stored" in result.output
