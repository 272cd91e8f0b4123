"""`crowdsafety check-site` exit codes and messages."""

import shutil
from pathlib import Path

from typer.testing import CliRunner

from crowdsafety.cli.main import app

MINI = Path(__file__).parents[1] / "sites" / "fixtures" / "mini"
runner = CliRunner()


def test_check_site_ok():
    result = runner.invoke(app, ["check-site", str(MINI)])
    assert result.exit_code == 0, result.output
    assert "ok" in result.output


def test_check_site_reports_problems_and_fails(tmp_path: Path):
    shutil.copytree(MINI, tmp_path / "s")
    (tmp_path / "s" / "site.toml").write_text((MINI / "site.toml").read_text().replace("Europe/Amsterdam", "Mars/Olympus"))
    result = runner.invoke(app, ["check-site", str(tmp_path / "s")])
    assert result.exit_code == 1
    assert "site.toml: timezone: unknown time zone 'Mars/Olympus'" in result.output
