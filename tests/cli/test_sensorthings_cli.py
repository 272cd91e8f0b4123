"""`crowdsafety sensorthings-datastreams` and `crowdsafety pull-sensorthings` against a
SensorThings-shaped server on loopback, into a file store: full and incremental pulls, a failing
Datastream storing nothing while the others are stored, and clear one-line errors."""

import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from crowdsafety.cli import sensorthings
from crowdsafety.store import open_store

from ..sources.sensorthings_server import SensorThingsServer

MINI = Path(__file__).parents[1] / "sites" / "fixtures" / "mini"
T0 = datetime(2025, 7, 5, 10, 0, tzinfo=timezone.utc)
runner = CliRunner()


def _app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        """Test app with the SensorThings commands only."""

    sensorthings.register(app)
    return app


app = _app()


def _z(t: datetime) -> str:
    return t.isoformat().replace("+00:00", "Z")


def _camera(n: int) -> list[dict]:
    return [{"@iot.id": i, "result": 200 + i,
             "phenomenonTime": f"{_z(T0 + timedelta(minutes=5 * i))}/{_z(T0 + timedelta(minutes=5 * i + 5))}"}
            for i in range(n)]


THINGS = [{"@iot.id": 1, "name": "Beach", "Datastreams": [
    {"@iot.id": 17, "name": "beach count"}, {"@iot.id": 18, "name": "beach wifi"}]}]
MAPPING = """
[[datastream]]
datastream = 17
sensor_id = "cam-beach"

[[datastream]]
datastream = "beach wifi"
sensor_id = "wifi-beach"
"""


@pytest.fixture()
def server():
    wifi = [{"@iot.id": 100 + i, "phenomenonTime": _z(T0 + timedelta(minutes=5 * i)), "result": 90 + i} for i in range(5)]
    with SensorThingsServer(THINGS, {17: _camera(7), 18: wifi}) as srv:
        yield srv


@pytest.fixture()
def mapping(tmp_path: Path) -> Path:
    path = tmp_path / "mapping.toml"
    path.write_text(MAPPING)
    return path


def _stored(store_url: str) -> dict[tuple[str, str], float]:
    store = open_store(store_url)
    try:
        frame = store.observations(start=T0 - timedelta(days=1), end=T0 + timedelta(days=1))
    finally:
        store.close()
    return {(r.sensor_id, r.start.isoformat()): r.value for r in frame.itertuples()}


def test_list_datastreams(server):
    result = runner.invoke(app, ["sensorthings-datastreams", server.url])
    assert result.exit_code == 0, result.output
    assert "beach count" in result.output and "beach wifi" in result.output and "Beach (1)" in result.output


def test_pull_then_pull_only_what_is_new(server, mapping, tmp_path):
    store = f"duckdb:///{tmp_path / 's.duckdb'}"
    args = ["pull-sensorthings", str(MINI), server.url, "--mapping", str(mapping), "--store", store]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "Datastream 17 (beach count) -> cam-beach count: 7 observations in 3 pages: 7 stored" in result.output
    assert "Datastream 18 (beach wifi) -> wifi-beach devices: 5 observations in 2 pages: 5 stored" in result.output
    stored = _stored(store)
    assert len(stored) == 12 and stored[("cam-beach", "2025-07-05T10:30:00+00:00")] == 206

    server.observations[17] = _camera(9)
    server.requests.clear()
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "cam-beach count: 2 observations in 1 pages: 2 stored" in result.output
    assert "wifi-beach devices: 0 observations in 1 pages: 0 stored" in result.output
    assert any("Datastreams(17)" in r and "phenomenonTime%20gt%202025-07-05T10:30:00.000Z" in r for r in server.requests)
    assert len(_stored(store)) == 14


def test_since_option(server, mapping, tmp_path):
    store = f"duckdb:///{tmp_path / 's.duckdb'}"
    result = runner.invoke(app, ["pull-sensorthings", str(MINI), server.url, "--mapping", str(mapping),
                                 "--since", "2025-07-05T12:20:00+02:00", "--store", store])
    assert result.exit_code == 0, result.output
    assert sorted(_stored(store)) == [("cam-beach", "2025-07-05T10:25:00+00:00"), ("cam-beach", "2025-07-05T10:30:00+00:00")]


def test_a_failing_datastream_stores_nothing_and_the_others_are_stored(server, mapping, tmp_path):
    store = f"duckdb:///{tmp_path / 's.duckdb'}"
    server.faults["$skip=6"] = "http_500"  # the third page of Datastream 17
    result = runner.invoke(app, ["pull-sensorthings", str(MINI), server.url, "--mapping", str(mapping), "--store", store])
    assert result.exit_code == 2
    assert "Datastream 17: " in result.output and "HTTP 500 Internal Server Error: Broken on purpose" in result.output
    assert "Traceback" not in result.output
    assert {sensor for sensor, _ in _stored(store)} == {"wifi-beach"}


def test_rejected_and_left_out_observations_are_named(server, mapping, tmp_path):
    store = f"duckdb:///{tmp_path / 's.duckdb'}"
    server.observations[17] = _camera(3) + [
        {"@iot.id": 50, "phenomenonTime": _z(T0 + timedelta(minutes=20)), "result": 2.5},
        {"@iot.id": 51, "phenomenonTime": _z(T0 + timedelta(minutes=25)), "result": "n/a"},
    ]
    result = runner.invoke(app, ["pull-sensorthings", str(MINI), server.url, "--mapping", str(mapping), "--store", store])
    assert result.exit_code == 1
    assert "Observation 51: result 'n/a' is not a number" in result.output
    assert ("Datastream 17: cam-beach count at 2025-07-05T10:20:00+00:00: value: a count must be a whole number, got 2.5"
            in result.output)
    assert "4 observations in 2 pages: 3 stored, 0 duplicates ignored, 0 corrections, 2 left out" in result.output


@pytest.mark.parametrize("extra, words", [
    (["--since", "noon"], "--since: unparsable time 'noon'"),
    (["--since", "2025-07-05T12:00"], "has no time zone"),
    (["--mapping", "/nonexistent/mapping.toml"], "no such file"),
])
def test_bad_options(server, tmp_path, extra, words):
    store = f"duckdb:///{tmp_path / 's.duckdb'}"
    result = runner.invoke(app, ["pull-sensorthings", str(MINI), server.url, "--store", store, *extra])
    assert result.exit_code == 2 and words in result.output and "Traceback" not in result.output


def test_site_without_mappings_and_unknown_datastreams(server, tmp_path):
    store = f"duckdb:///{tmp_path / 's.duckdb'}"
    result = runner.invoke(app, ["pull-sensorthings", str(MINI), server.url, "--store", store])
    assert result.exit_code == 2 and "site 'mini' maps no Datastream" in result.output
    mapping = tmp_path / "m.toml"
    mapping.write_text('[[datastream]]\ndatastream = 99\nsensor_id = "cam-beach"\n')
    result = runner.invoke(app, ["pull-sensorthings", str(MINI), server.url, "--mapping", str(mapping), "--store", store])
    assert result.exit_code == 2 and "no Datastream 99 (for cam-beach count)" in result.output


def test_unreachable_server(tmp_path, mapping):
    store = f"duckdb:///{tmp_path / 's.duckdb'}"
    result = runner.invoke(app, ["pull-sensorthings", str(MINI), "http://127.0.0.1:9/v1.1", "--mapping", str(mapping),
                                 "--timeout", "1", "--store", store])
    assert result.exit_code == 2 and "cannot reach the server" in result.output


def test_mapping_in_the_site_sensors_toml(server, tmp_path):
    site = tmp_path / "site"
    shutil.copytree(MINI, site)
    text = (site / "sensors.toml").read_text()
    text = text.replace('id = "cam-beach"\n', 'id = "cam-beach"\nsensorthings_datastream = 17\n')
    text = text.replace('id = "wifi-beach"\n', 'id = "wifi-beach"\nsensorthings_datastreams = { devices = "beach wifi" }\n')
    (site / "sensors.toml").write_text(text)
    store = f"duckdb:///{tmp_path / 's.duckdb'}"
    result = runner.invoke(app, ["pull-sensorthings", str(site), server.url, "--store", store])
    assert result.exit_code == 0, result.output
    assert "cam-beach count: 7 observations" in result.output and "wifi-beach devices: 5 observations" in result.output
    assert len(_stored(store)) == 12
