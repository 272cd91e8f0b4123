"""``crowdsafety keys``: create prints the key once, list shows no secret, revoke is audited."""

from typer.testing import CliRunner

from crowdsafety.cli.main import app
from crowdsafety.service import Runtime
from crowdsafety.service.keys import authenticate
from crowdsafety.sites import load_site
from crowdsafety.store import open_store

from ..conftest import MINI_SITE


def test_create_list_revoke(tmp_path):
    url = f"duckdb:///{tmp_path / 's.duckdb'}"
    runner = CliRunner()
    made = runner.invoke(app, ["keys", "create", str(MINI_SITE), "--store", url, "--role", "sensor",
                               "--name", "beach camera", "--sensor", "cam-beach"])
    assert made.exit_code == 0, made.output
    text = next(line for line in made.output.splitlines() if line.startswith("csm_"))
    key_id = text.split("_")[1]
    listed = runner.invoke(app, ["keys", "list", str(MINI_SITE), "--store", url])
    assert key_id in listed.output and "cam-beach" in listed.output and text.split("_", 2)[2] not in listed.output
    bad = runner.invoke(app, ["keys", "create", str(MINI_SITE), "--store", url, "--role", "sensor",
                              "--name", "x", "--sensor", "ghost"])
    assert bad.exit_code == 2 and "unknown sensor ids ghost" in bad.output
    assert runner.invoke(app, ["keys", "revoke", str(MINI_SITE), key_id, "--store", url]).exit_code == 0
    again = runner.invoke(app, ["keys", "revoke", str(MINI_SITE), key_id, "--store", url])
    assert again.exit_code == 2 and "already revoked" in again.output
    runtime = Runtime(load_site(MINI_SITE), open_store(url))
    try:
        assert authenticate(runtime, text) is None
        assert [e.action for e in runtime.store.decisions()] == ["key.created", "key.revoked"]
        assert runtime.store.decisions()[0].who.startswith("cli:")
    finally:
        runtime.store.close()
