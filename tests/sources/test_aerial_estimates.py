"""A drone's crowd estimate becomes people in the zones it covers at least half of, at its density."""

from __future__ import annotations

import pytest

from crowdsafety.sites import geometry
from crowdsafety.sources.aerial_estimates import zone_people


def rect(lon0: float, lat0: float, lon1: float, lat1: float) -> dict:
    return {"type": "Polygon", "coordinates": [[[lon0, lat0], [lon1, lat0], [lon1, lat1], [lon0, lat1], [lon0, lat0]]]}


def rd_area(polygon: dict) -> float:
    """m², measured independently in RD New."""
    return geometry.metric_shape(polygon, geometry.to_metric("EPSG:28992")).area


#: Mini site: beach 4.280-4.282 x 52.1100-52.1110 (~15,300 m²), square 4.283-4.284 x 52.1100-52.1105.
BEACH = rect(4.2800, 52.1100, 4.2820, 52.1110)
SQUARE = rect(4.2830, 52.1100, 4.2840, 52.1105)


def test_an_estimate_of_exactly_a_zone_is_that_zones_count(mini_site):
    assert zone_people(mini_site, BEACH, 300) == {"beach": 300}


def test_an_estimate_over_several_zones_gives_each_its_density_times_its_area(mini_site):
    wide = rect(4.2795, 52.1095, 4.2845, 52.1112)
    found = zone_people(mini_site, wide, 2000)
    density = 2000 / rd_area(wide)
    assert found["beach"] == pytest.approx(density * rd_area(BEACH), rel=0.01)
    assert found["square"] == pytest.approx(density * rd_area(SQUARE), rel=0.01)
    assert sum(found.values()) < 2000  # the rest stood outside the zones


def test_a_zone_covered_less_than_half_is_left_out(mini_site):
    assert zone_people(mini_site, rect(4.2800, 52.1100, 4.2808, 52.1110), 100) == {}  # 40 % of the beach
    sixty = rect(4.2800, 52.1100, 4.2812, 52.1110)  # 60 %: its density over the whole beach
    assert zone_people(mini_site, sixty, 120)["beach"] == pytest.approx(120 / 0.6, rel=0.01)
    assert zone_people(mini_site, rect(4.2900, 52.1200, 4.2910, 52.1210), 50) == {}  # far from every zone


def test_an_empty_crowd_gives_zero_people(mini_site):
    assert zone_people(mini_site, BEACH, 0) == {"beach": 0}
