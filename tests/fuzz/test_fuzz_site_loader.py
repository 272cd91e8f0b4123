"""Fuzz the site loader: the mini site with one of its three files broken, 10,000+ times.

A file is broken as text (cut, bytes flipped or inserted, not UTF-8), as a document (a value
replaced by an odd one, a key removed or added, a list where a table was) or in a way a random
edit seldom finds (a polygon that crosses itself or leaves the globe, a time zone that is a
folder of the tz database, zones that overlap). ``load_site`` must return a site or raise
:class:`SiteDefinitionError` whose every problem names its file, says what is wrong and where
(a feature, a field, a line) unless it is about the file as a whole.
"""

from __future__ import annotations

import copy
import json
import shutil
import tempfile
import tomllib
from pathlib import Path
from typing import Any, Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crowdsafety.domain import Site, SiteDefinitionError
from crowdsafety.sites import load_site

from .malformed import INPUTS, broken_documents, corrupted, fuzz_settings, toml_text

MINI = Path(__file__).parents[1] / "sites" / "fixtures" / "mini"
FILES = ("site.toml", "zones.geojson", "sensors.toml")
TEXTS = {name: (MINI / name).read_text(encoding="utf-8") for name in FILES}
DOCS = {"site.toml": tomllib.loads(TEXTS["site.toml"]), "sensors.toml": tomllib.loads(TEXTS["sensors.toml"]),
        "zones.geojson": json.loads(TEXTS["zones.geojson"])}
#: Messages of problems that concern a whole file (no feature, field or line to name).
WHOLE_FILE = ("missing file", "cannot be read", "must be a GeoJSON FeatureCollection")
#: Sites loaded per example, and examples: enough for INPUTS malformed sites.
PER_EXAMPLE = 25
EXAMPLES = 480


def _geometry(coordinates: Any, kind: str = "Polygon") -> Callable[[dict], None]:
    def edit(doc: dict) -> None:
        doc["features"][0]["geometry"] = {"type": kind, "coordinates": coordinates}
    return edit


def _prop(key: str, value: Any, feature: int = 0) -> Callable[[dict], None]:
    def edit(doc: dict) -> None:
        doc["features"][feature]["properties"][key] = value
    return edit


def _overlap(doc: dict) -> None:
    doc["features"][1]["geometry"] = copy.deepcopy(doc["features"][0]["geometry"])


def _setting(path: tuple[str, ...], value: Any) -> Callable[[dict], None]:
    def edit(doc: dict) -> None:
        for key in path[:-1]:
            doc = doc[key]
        doc[path[-1]] = value
    return edit


def _sensor(index: int, key: str, value: Any) -> Callable[[dict], None]:
    def edit(doc: dict) -> None:
        doc["sensor"][index][key] = value
    return edit


#: Breakages a random edit seldom finds: file -> edits of its document.
TARGETED: dict[str, list[Callable[[dict], None]]] = {
    "zones.geojson": [
        _geometry([[[4.28, 52.11], [4.282, 52.111], [4.282, 52.11], [4.28, 52.111], [4.28, 52.11]]]),  # bowtie
        _geometry([[[4.28, 52.11], [4.282, 52.11], [4.28, 52.11]]]),
        _geometry([[[4.28, 52.11], [4.282, 52.11], [4.282, 52.111], [4.28, 52.111]]]),  # not closed
        _geometry([[[4.28, 152.11], [4.282, 152.11], [4.282, 152.111], [4.28, 152.11]]]),
        _geometry([[[179.9, 89.9], [180.0, 89.9], [180.0, 90.0], [179.9, 89.9]]]),
        _geometry([[[-180, -90], [180, -90], [180, 90], [-180, 90], [-180, -90]]]),
        _geometry([[[4.28, 52.11], [4.28 + 1e-12, 52.11], [4.28, 52.11 + 1e-12], [4.28, 52.11]]]),
        _geometry([[[1e308, 1e308], [-1e308, 1e308], [1e308, -1e308], [1e308, 1e308]]]),
        _geometry([]), _geometry([[]]), _geometry([[[]]]), _geometry([[[4.28, "52.11"]]]), _geometry([4.28, 52.11]),
        _geometry([], "MultiPolygon"), _geometry([[4.28, 52.11]], "Point"), _geometry(None, "GeometryCollection"),
        _overlap, _prop("id", "square"), _prop("id", ""), _prop("id", 7),
        _prop("area_m2", 0), _prop("area_m2", -1), _prop("area_m2", None), _prop("area_m2", 10**400),
        _prop("capacity", 10**400), _prop("counted_entrances", 0), _prop("counted_entrances", 1.5),
        _prop("width_m", 0), _prop("night_baseline", -1), _prop("night_baseline", "many"),
    ],
    "site.toml": [
        *[_setting(("timezone",), tz) for tz in ["Europe", "Etc", "America/Argentina", "Europe/", "/etc/localtime",
                                                 "../../etc/passwd", "", "Mars/Olympus", "UTC0"]],
        _setting(("crs",), "EPSG:0"), _setting(("crs",), "+proj=nonsense"), _setting(("crs",), ""),
        *[_setting(("interval_minutes",), m) for m in (0, 7, -5, 1441, 2.5, 10**30)],
        _setting(("night_reset_hour",), 24), _setting(("health", "stale_after_intervals"), 0),
        _setting(("thresholds", "default", "yellow"), 5.0), _setting(("thresholds", "default", "basis"), "noise"),
        _setting(("thresholds", "zones", "nowhere"), {"basis": "count", "yellow": 1, "orange": 2, "red": 3}),
        _setting(("thresholds", "zones", "square", "red"), -1), _setting(("tile_url",), "https://tiles/{x}/{y}.png"),
    ],
    "sensors.toml": [
        _sensor(0, "kind", "radar"), _sensor(0, "zones", ["pier"]), _sensor(0, "zones", []),
        _sensor(0, "location", [200, 52]), _sensor(0, "location", [4.28]), _sensor(1, "calibration", -2.0),
        _sensor(1, "calibration", None), _sensor(2, "direction", "up"), _sensor(3, "capacity", 0),
        _sensor(1, "id", "cam-beach"), _sensor(4, "reliability", 10**400),
    ],
}


@st.composite
def broken_sites(draw: st.DrawFn) -> tuple[str, bytes]:
    """One of the mini site's files, broken: (file name, its new content)."""
    name = draw(st.sampled_from(FILES))
    how = draw(st.sampled_from(["text", "document", "document", "targeted"]))
    if how == "text":
        return name, draw(corrupted(TEXTS[name]))
    doc = copy.deepcopy(DOCS[name])
    if how == "targeted":
        draw(st.sampled_from(TARGETED[name]))(doc)
    else:
        doc = draw(broken_documents(doc))
    return name, (json.dumps(doc) if name.endswith(".geojson") else toml_text(doc)).encode("utf-8", "surrogatepass")


def _check_problems(error: SiteDefinitionError, content: bytes) -> None:
    assert error.problems, content[:300]
    for problem in error.problems:
        assert problem.file in FILES and problem.message.strip(), (problem, content[:300])
        assert problem.where or any(w in problem.message for w in ("line", "end of document", "position")) \
            or problem.message.startswith(WHOLE_FILE), \
            (str(problem), content[:300])


@pytest.fixture
def site_folders(tmp_path_factory) -> dict[str, Path]:
    """Per file of the site, a copy of the mini site whose that file the test overwrites (in
    memory where the system has a RAM disk: each load writes a file)."""
    shm = Path("/dev/shm")
    root = Path(tempfile.mkdtemp(dir=shm)) if shm.is_dir() else tmp_path_factory.mktemp("sites")
    folders = {}
    for broken in FILES:
        folders[broken] = root / broken.split(".")[0]
        folders[broken].mkdir()
        for name in FILES:
            (folders[broken] / name).write_text(TEXTS[name], encoding="utf-8")
    yield folders
    shutil.rmtree(root)


def test_a_broken_site_file_is_named_with_what_and_where(site_folders: dict[str, Path]):
    fed = malformed = 0

    @fuzz_settings(EXAMPLES)
    @given(st.lists(broken_sites(), min_size=PER_EXAMPLE, max_size=PER_EXAMPLE))
    def load(sites: list[tuple[str, bytes]]) -> None:
        nonlocal fed, malformed
        for name, content in sites:
            (site_folders[name] / name).write_bytes(content)
            try:
                assert isinstance(load_site(site_folders[name]), Site)
            except SiteDefinitionError as error:
                _check_problems(error, content)
                malformed += 1
            fed += 1

    load()
    print(f"\nsite loader: {fed} broken sites fed, {malformed} refused with every problem named")
    assert malformed >= INPUTS
