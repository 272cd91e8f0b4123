"""Fuzz the airspace of a site: the mini site with a broken ``airspace.geojson`` or ``[air]``
table, 1,000+ times. ``load_site`` must return a site or raise :class:`SiteDefinitionError`
whose every problem names its file and, unless it is about the file as a whole, where.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crowdsafety.domain import SiteDefinitionError
from crowdsafety.sites import load_site

from .malformed import broken_documents, corrupted, fuzz_settings, scalars

MINI = Path(__file__).parents[1] / "sites" / "fixtures" / "mini"
#: Broken sites the loader must refuse at least; examples of ``PER_EXAMPLE`` sites each.
AIRSPACE_INPUTS = 1000
PER_EXAMPLE = 20
EXAMPLES = 75
SQUARE = {"type": "Polygon", "coordinates": [[[4.279, 52.109], [4.285, 52.109], [4.285, 52.112], [4.279, 52.112],
                                              [4.279, 52.109]]]}
AIRSPACE = {"type": "FeatureCollection", "features": [
    {"type": "Feature", "geometry": SQUARE, "properties": {"id": "pier", "name": "De Pier", "kind": "no_fly"}},
    {"type": "Feature", "geometry": SQUARE, "properties": {
        "id": "boulevard", "kind": "restricted", "ceiling_m": 50, "purposes": ["crowd_overview", "search"],
        "windows": [{"start": "2026-08-14T21:00:00+02:00", "end": "2026-08-14T23:00:00+02:00"}]}}]}
WHOLE_FILE = ("not valid JSON", "cannot be read", "must be a GeoJSON FeatureCollection")
ODD_TIMES = ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00", "2026-08-14T21:00:00", "x", "", None, 5]


@pytest.fixture(scope="module")
def folder() -> Iterator[Path]:
    shm = Path("/dev/shm")
    target = Path(tempfile.mkdtemp(dir=shm if shm.is_dir() else None)) / "mini"
    shutil.copytree(MINI, target)
    yield target
    shutil.rmtree(target.parent)


@st.composite
def broken_sites(draw: st.DrawFn) -> tuple[str, bytes]:
    """(file, content) of a broken airspace.geojson or site.toml with a broken [air] table."""
    kind = draw(st.integers(0, 4))
    if kind == 0:
        return "airspace.geojson", json.dumps(draw(broken_documents(AIRSPACE))).encode()
    if kind == 1:
        return "airspace.geojson", draw(corrupted(json.dumps(AIRSPACE, indent=1)))
    if kind == 2:
        doc = json.loads(json.dumps(AIRSPACE))
        window = doc["features"][1]["properties"]["windows"][0]
        window[draw(st.sampled_from(["start", "end"]))] = draw(st.sampled_from(ODD_TIMES))
        return "airspace.geojson", json.dumps(doc).encode()
    if kind == 3:
        doc = json.loads(json.dumps(AIRSPACE))
        doc["features"][1]["properties"][draw(st.sampled_from(["purposes", "ceiling_m", "kind", "id", "name"]))] = \
            draw(st.one_of(scalars, st.lists(scalars, max_size=2), st.just([{}])))
        return "airspace.geojson", json.dumps(doc).encode()
    key = draw(st.sampled_from(["ceiling_m", "aerial_reliability", "other"]))
    value = draw(st.sampled_from(["0", "-5", "1e400", '"high"', "[]", "{}", "true", "2.5", "nan", "inf"]))
    return "site.toml", f"\n[air]\n{key} = {value}\n".encode()


def test_broken_airspace_is_refused_with_file_and_where(folder: Path):
    site_toml = (MINI / "site.toml").read_bytes()
    fed = refused = 0

    @fuzz_settings(EXAMPLES)
    @given(st.lists(broken_sites(), min_size=PER_EXAMPLE, max_size=PER_EXAMPLE))
    def run(batch: list[tuple[str, bytes]]) -> None:
        nonlocal fed, refused
        for name, content in batch:
            fed += 1
            (folder / "site.toml").write_bytes(site_toml + content if name == "site.toml" else site_toml)
            (folder / "airspace.geojson").write_bytes(content if name == "airspace.geojson" else b"")
            if name == "site.toml":
                (folder / "airspace.geojson").unlink()
            try:
                load_site(folder)
            except SiteDefinitionError as exc:
                refused += 1
                for p in exc.problems:
                    assert p.file in ("airspace.geojson", "site.toml") and p.message.strip(), p
                    assert p.where or p.message.startswith(WHOLE_FILE) or "TOML" in p.message, p

    run()
    print(f"\nairspace: {fed} sites fed, {refused} refused")
    assert refused >= AIRSPACE_INPUTS
