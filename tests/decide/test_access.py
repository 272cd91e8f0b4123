"""Emergency routes: loaded from the site folder, flagged on crowded zones now and ahead."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from crowdsafety.decide.access import Blockage, load_routes, route_status
from crowdsafety.domain import Level, Site, SiteDefinitionError

from .builders import T0


def test_scheveningen_routes_cross_the_right_zones(site: Site):
    routes = {r.id: r for r in load_routes(site)}
    assert routes["boulevard-lane"].zone_ids == ("kurhaus", "boulevard")
    assert routes["harbour-access"].zone_ids == ("haven",)
    status = {s.route.id: s for s in route_status(
        tuple(routes.values()), {"boulevard": Level.ORANGE, "kurhaus": Level.YELLOW, "haven": None},
        {"haven": Blockage("haven", Level.RED, T0, 0.7), "palace_promenade": Blockage("palace_promenade", Level.YELLOW)})}
    assert [b.zone_id for b in status["boulevard-lane"].now] == ["boulevard"]
    assert status["harbour-access"].expected == (Blockage("haven", Level.RED, T0, 0.7),)
    assert status["noordboulevard-lane"].clear  # yellow ahead does not block


def test_bad_routes_file(site: Site, tmp_path: Path):
    folder = tmp_path / "site"
    shutil.copytree(site.folder, folder)  # type: ignore[arg-type]
    (folder / "emergency_routes.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "no id"}, "geometry": {"type": "LineString", "coordinates": [[4, 52], [4.1, 52]]}},
        {"type": "Feature", "properties": {"id": "p"}, "geometry": {"type": "Point", "coordinates": [4, 52]}}]}))
    with pytest.raises(SiteDefinitionError) as caught:
        load_routes(replace(site, folder=str(folder)))
    assert "feature 0: needs a unique `id`" in str(caught.value)
    assert "feature 1 (p): geometry must be a LineString" in str(caught.value)


def test_site_without_routes(mini_site: Site):
    assert load_routes(mini_site) == ()
