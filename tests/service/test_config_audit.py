"""Configuration changes are logged at start: first sight, then only what changed."""

import shutil
from datetime import datetime, timezone

from crowdsafety.service import ReplayClock, Runtime
from crowdsafety.service.config_audit import record_config
from crowdsafety.sites import load_site
from crowdsafety.store import open_store

from ..conftest import MINI_SITE


def test_changes_are_logged_once(tmp_path):
    folder = tmp_path / "mini"
    shutil.copytree(MINI_SITE, folder)
    store = open_store("duckdb://:memory:")
    clock = ReplayClock(datetime(2026, 7, 5, 12, tzinfo=timezone.utc))

    def start(actor: str):
        return record_config(Runtime(load_site(folder), store, clock), actor=actor)

    first = start("cli:alice")
    assert first.action == "config.changed" and "first configuration" in first.reason
    assert set(first.details["files"]) == {"site.toml", "sensors.toml", "zones.geojson"}
    assert start("cli:alice") is None  # nothing changed
    (folder / "sensors.toml").write_text((folder / "sensors.toml").read_text() + "\n# moved a camera\n")
    (folder / "playbook.toml").write_text("")
    second = start("cli:bob")
    assert second.who == "cli:bob" and second.details["changed"] == ["sensors.toml"]
    assert second.details["added"] == ["playbook.toml"] and second.details["removed"] == []
    assert [e.action for e in store.decisions()] == ["config.changed", "config.changed"]
    store.close()
