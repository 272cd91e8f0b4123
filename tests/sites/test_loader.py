"""Site loader: a good folder loads; every kind of mistake is named with file and field."""

import json
import shutil
from pathlib import Path

import pytest

from crowdsafety.domain import LevelBasis, SensorKind, SiteDefinitionError
from crowdsafety.sites import check_site, load_site

MINI = Path(__file__).parent / "fixtures" / "mini"


@pytest.fixture
def site_dir(tmp_path: Path) -> Path:
    target = tmp_path / "mini"
    shutil.copytree(MINI, target)
    return target


def _edit_zones(folder: Path, edit) -> None:
    path = folder / "zones.geojson"
    doc = json.loads(path.read_text())
    edit(doc)
    path.write_text(json.dumps(doc))


def _problems(folder: Path) -> list[str]:
    return [str(p) for p in check_site(folder)]


def test_good_site_loads_with_computed_and_given_areas():
    site = load_site(MINI)
    assert site.id == "mini" and site.interval_s == 300
    beach = site.zone("beach")
    assert 15_000 < beach.area_m2 < 15_500  # 0.002° x 0.001° at 52.11° N, computed in RD New
    assert site.zone("square").area_m2 == 500
    assert site.zone("square").thresholds.basis is LevelBasis.COUNT
    assert site.sensor("wifi-beach").kind is SensorKind.DEVICE_COUNT
    assert check_site(MINI) == []


def test_missing_folder_and_missing_file(site_dir: Path):
    assert "does not exist" in _problems(site_dir / "nope")[0]
    (site_dir / "sensors.toml").unlink()
    assert _problems(site_dir) == ["sensors.toml: missing file"]


def test_self_intersecting_polygon_is_named(site_dir: Path):
    def bowtie(doc):
        doc["features"][0]["geometry"]["coordinates"] = [
            [[4.28, 52.11], [4.282, 52.111], [4.282, 52.11], [4.28, 52.111], [4.28, 52.11]]
        ]
    _edit_zones(site_dir, bowtie)
    problems = _problems(site_dir)
    assert len(problems) == 1
    assert problems[0].startswith("zones.geojson: feature 0 (id 'beach'): invalid polygon: Self-intersection")


def test_overlapping_zones_are_named(site_dir: Path):
    def overlap(doc):
        doc["features"][1]["geometry"]["coordinates"] = [
            [[4.2815, 52.1100], [4.2840, 52.1100], [4.2840, 52.1105], [4.2815, 52.1105], [4.2815, 52.1100]]
        ]
    _edit_zones(site_dir, overlap)
    problems = _problems(site_dir)
    assert any("zones 'beach' and 'square'" in p and "overlap" in p for p in problems), problems


def test_sensor_with_unknown_zone(site_dir: Path):
    text = (site_dir / "sensors.toml").read_text().replace('zones = ["beach"]\nlocation', 'zones = ["bech"]\nlocation')
    (site_dir / "sensors.toml").write_text(text)
    assert _problems(site_dir) == ["sensors.toml: sensor 0 (id 'cam-beach').zones: unknown zone(s) 'bech'"]


def test_thresholds_out_of_order(site_dir: Path):
    text = (site_dir / "site.toml").read_text().replace("orange = 200", "orange = 50")
    (site_dir / "site.toml").write_text(text)
    problems = _problems(site_dir)
    assert len(problems) == 1 and "thresholds.zones.square" in problems[0] and "out of order" in problems[0]


def test_unknown_time_zone(site_dir: Path):
    text = (site_dir / "site.toml").read_text().replace("Europe/Amsterdam", "Europe/Scheveningen")
    (site_dir / "site.toml").write_text(text)
    assert _problems(site_dir) == [
        "site.toml: timezone: unknown time zone 'Europe/Scheveningen' (expected an IANA name such as 'Europe/Amsterdam')"
    ]


def test_many_problems_reported_together(site_dir: Path):
    (site_dir / "sensors.toml").write_text(
        '[[sensor]]\nid = "a"\nkind = "camera"\n\n[[sensor]]\nid = "a"\nkind = "zone_count"\nzones = ["beach"]\n'
        '\n[[sensor]]\nid = "w"\nkind = "device_count"\nzones = ["beach"]\n'
    )
    problems = _problems(site_dir)
    assert any("sensor 0 (id 'a').kind: unknown kind 'camera'" in p for p in problems)
    assert any("sensor 1 (id 'a'): duplicate sensor id" in p for p in problems)
    assert any("sensor 2 (id 'w').calibration" in p for p in problems)


@pytest.mark.parametrize(
    "content, expected",
    [
        ("not json", "zones.geojson: not valid JSON"),
        ("[1, 2]", "zones.geojson: must be a GeoJSON FeatureCollection object"),
        ('{"type": "FeatureCollection", "features": [{"properties": {"id": "x"}, "geometry": null}]}',
         "zones.geojson: feature 0 (id 'x'): geometry is missing"),
        ('{"type": "FeatureCollection", "features": [{"properties": {"id": "x"}, '
         '"geometry": {"type": "Polygon", "coordinates": [[[520000, 80000], [520100, 80000], [520100, 80100], [520000, 80000]]]}}]}',
         "outside WGS84"),
    ],
)
def test_malformed_zone_files(site_dir: Path, content: str, expected: str):
    (site_dir / "zones.geojson").write_text(content)
    problems = _problems(site_dir)
    assert any(expected in p for p in problems), problems


def test_bad_toml_and_bad_interval(site_dir: Path):
    text = (site_dir / "site.toml").read_text().replace("interval_minutes = 5", "interval_minutes = 7")
    (site_dir / "site.toml").write_text(text)
    assert any("interval_minutes" in p for p in _problems(site_dir))
    (site_dir / "site.toml").write_text("id = [")
    assert _problems(site_dir)[0].startswith("site.toml: not valid TOML")


def test_load_site_raises_with_all_problems(site_dir: Path):
    (site_dir / "zones.geojson").unlink()
    with pytest.raises(SiteDefinitionError) as err:
        load_site(site_dir)
    assert "zones.geojson: missing file" in str(err.value)
