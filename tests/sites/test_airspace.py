"""Site airspace: airspace.geojson and [air] load, every mistake is named with file, feature and
field; every zone gets a virtual drone-estimate sensor."""

import json
import shutil
import tomllib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from crowdsafety.domain import AirspaceKind, FlightPurpose, SensorKind, TimeWindow
from crowdsafety.sites import check_site, load_site

MINI = Path(__file__).parent / "fixtures" / "mini"
SCHEVENINGEN = Path(__file__).parents[2] / "src" / "crowdsafety" / "demo_sites" / "scheveningen"
SQUARE = {"type": "Polygon", "coordinates": [[[4.279, 52.109], [4.285, 52.109], [4.285, 52.112], [4.279, 52.112],
                                              [4.279, 52.109]]]}


def _feature(**props) -> dict:
    return {"type": "Feature", "properties": {"id": "pier", "kind": "no_fly", **props}, "geometry": SQUARE}


@pytest.fixture
def site_dir(tmp_path: Path) -> Path:
    target = tmp_path / "mini"
    shutil.copytree(MINI, target)
    return target


def _write_airspace(folder: Path, *features: dict) -> None:
    (folder / "airspace.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": list(features)}))


def _problems(folder: Path) -> list[str]:
    return [str(p) for p in check_site(folder)]


def test_without_airspace_file_and_air_table_defaults_apply():
    site = load_site(MINI)
    assert site.airspace == () and site.ceiling_m == 120 and site.aerial_reliability == 0.25


def test_every_zone_gets_a_virtual_aerial_sensor():
    site = load_site(MINI)
    virtual = [s for s in site.sensors if s.virtual]
    assert [s.id for s in virtual] == ["aerial:beach", "aerial:square"]
    for s in virtual:
        assert s.kind is SensorKind.AERIAL_ESTIMATE and s.reliability == 0.25
        assert s.zones == (s.id.removeprefix("aerial:"),)
    assert not any(s.virtual for s in site.sensors if s.kind is not SensorKind.AERIAL_ESTIMATE)


def test_airspace_zones_load_with_windows_ceiling_and_purposes(site_dir: Path):
    with (site_dir / "site.toml").open("a") as f:
        f.write("\n[air]\nceiling_m = 100\naerial_reliability = 0.3\n")
    _write_airspace(
        site_dir,
        _feature(name="De Pier"),
        _feature(id="boulevard", kind="restricted", ceiling_m=50, purposes=["search"],
                 windows=[{"start": "2026-08-14T21:00:00+02:00", "end": "2026-08-14T23:00:00+02:00"}]),
    )
    site = load_site(site_dir)
    assert site.ceiling_m == 100 and site.aerial_reliability == 0.3
    assert site.sensor("aerial:beach").reliability == 0.3
    pier, boulevard = site.airspace
    assert (pier.id, pier.name, pier.kind, pier.windows, pier.ceiling_m) == ("pier", "De Pier", AirspaceKind.NO_FLY,
                                                                             (), None)
    assert (boulevard.kind, boulevard.ceiling_m, boulevard.purposes) == (AirspaceKind.RESTRICTED, 50.0,
                                                                         (FlightPurpose.SEARCH,))
    assert boulevard.windows == (TimeWindow(datetime(2026, 8, 14, 19, tzinfo=UTC),
                                            datetime(2026, 8, 14, 21, tzinfo=UTC)),)
    assert boulevard.geometry == SQUARE


@pytest.mark.parametrize(("feature", "expected"), [
    ({"type": "Feature", "properties": {"kind": "no_fly"}, "geometry": SQUARE},
     "airspace.geojson: feature 0: properties.id is missing or not text"),
    (_feature(kind="forbidden"), "airspace.geojson: feature 0 (id 'pier').properties.kind: must be 'no_fly' or "
                                 "'restricted', got 'forbidden'"),
    ({**_feature(), "geometry": {"type": "Point", "coordinates": [4.28, 52.11]}},
     "airspace.geojson: feature 0 (id 'pier').geometry: geometry type must be Polygon or MultiPolygon, got 'Point'"),
    (_feature(kind="restricted", ceiling_m=-5),
     "airspace.geojson: feature 0 (id 'pier').properties.ceiling_m: must be a positive number of metres, got -5"),
    (_feature(kind="restricted", purposes=["photography"]),
     "airspace.geojson: feature 0 (id 'pier').properties.purposes: must be a list of purposes"),
    (_feature(ceiling_m=50), "airspace.geojson: feature 0 (id 'pier').properties.ceiling_m: only a restricted zone"),
    (_feature(windows=[{"start": "2026-08-14T21:00:00", "end": "2026-08-14T23:00:00+02:00"}]),
     "airspace.geojson: feature 0 (id 'pier').properties.windows[0].start: must be an ISO 8601 time with offset"),
    (_feature(windows=[{"start": "2026-08-14T23:00:00+02:00", "end": "2026-08-14T21:00:00+02:00"}]),
     "airspace.geojson: feature 0 (id 'pier').properties.windows[0]: time window ends"),
    (_feature(windows="always"), "airspace.geojson: feature 0 (id 'pier').properties.windows: must be a list"),
    (_feature(name=7), "airspace.geojson: feature 0 (id 'pier').properties.name: must be text, got 7"),
])
def test_malformed_airspace_zone_is_named(site_dir: Path, feature: dict, expected: str):
    _write_airspace(site_dir, feature)
    problems = _problems(site_dir)
    assert len(problems) == 1 and problems[0].startswith(expected), problems


def test_duplicate_airspace_id_and_not_a_collection(site_dir: Path):
    _write_airspace(site_dir, _feature(), _feature())
    assert _problems(site_dir) == ["airspace.geojson: feature 1 (id 'pier'): duplicate airspace zone id"]
    (site_dir / "airspace.geojson").write_text("[1, 2]")
    assert _problems(site_dir) == ["airspace.geojson: must be a GeoJSON FeatureCollection object"]
    (site_dir / "airspace.geojson").write_text("{not json")
    assert _problems(site_dir)[0].startswith("airspace.geojson: not valid JSON")


@pytest.mark.parametrize(("table", "expected"), [
    ("ceiling_m = 0", "site.toml: air.ceiling_m: must be a positive number of metres, got 0"),
    ('ceiling_m = "high"', "site.toml: air.ceiling_m: must be a positive number of metres, got 'high'"),
    ("aerial_reliability = 1.5", "site.toml: air.aerial_reliability: must be a relative standard deviation in (0, 1]"),
    ("ceiling = 100", "site.toml: air: unknown key(s) 'ceiling'"),
])
def test_bad_air_table_is_named(site_dir: Path, table: str, expected: str):
    with (site_dir / "site.toml").open("a") as f:
        f.write(f"\n[air]\n{table}\n")
    problems = _problems(site_dir)
    assert len(problems) == 1 and problems[0].startswith(expected), problems


def test_sensor_ids_starting_aerial_are_reserved(site_dir: Path):
    with (site_dir / "sensors.toml").open("a") as f:
        f.write('\n[[sensor]]\nid = "aerial:beach"\nkind = "zone_count"\nzones = ["beach"]\n')
    problems = _problems(site_dir)
    assert len(problems) == 1 and "(id 'aerial:beach'): ids starting 'aerial:' are reserved" in problems[0]


def test_scheveningen_airspace_follows_its_events():
    site = load_site(SCHEVENINGEN)
    zones = {z.id: z for z in site.airspace}
    assert zones["harbour"].kind is AirspaceKind.NO_FLY and zones["harbour"].windows == ()
    restricted = zones["boulevard_events"]
    assert restricted.ceiling_m == 50
    assert set(restricted.purposes) == {FlightPurpose.CROWD_OVERVIEW, FlightPurpose.SEARCH}
    with (SCHEVENINGEN / "events.toml").open("rb") as f:
        events = tomllib.load(f)["event"]
    on_boulevard = [e for e in events if "boulevard" in e["zones"] or "noordboulevard" in e["zones"]]
    assert len(on_boulevard) == len(restricted.windows) == 5
    for event in on_boulevard:  # each event's hours lie within a window of the restricted zone
        assert any(w.start <= event["start"] and event["end"] <= w.end for w in restricted.windows), event["id"]
    fireworks = [e for e in events if e["id"].startswith("fireworks")]
    assert all(zones["fireworks_launch"].in_force(TimeWindow(e["start"], e["end"])) for e in fireworks)
