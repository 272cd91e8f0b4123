"""Flight rules: each rule refuses what it should and says which rule and where; every broken
rule is returned at once."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from crowdsafety.domain import AirspaceKind, AirspaceZone, Flight, FlightPurpose, FlightStatus, TimeWindow
from crowdsafety.service.flight_rules import Refusal, check_flight, metric_crs
from crowdsafety.sites import geometry

NOW = datetime(2026, 7, 12, 8, 0, tzinfo=UTC)


def rect(lon0: float, lat0: float, lon1: float, lat1: float) -> dict:
    return {"type": "Polygon", "coordinates": [[[lon0, lat0], [lon1, lat0], [lon1, lat1], [lon0, lat1], [lon0, lat0]]]}


def at(hour: float, day: int = 12) -> datetime:
    return datetime(2026, 7, day, tzinfo=UTC) + timedelta(hours=hour)


#: Mini site: beach 4.280-4.282 x 52.1100-52.1110, square 4.283-4.284 x 52.1100-52.1105.
PIER = AirspaceZone("pier", "De Pier", AirspaceKind.NO_FLY, rect(4.2800, 52.1100, 4.2810, 52.1105))
EVENT = AirspaceZone("square_event", "Square during the market", AirspaceKind.NO_FLY,
                     rect(4.2830, 52.1100, 4.2840, 52.1105), windows=(TimeWindow(at(10), at(21)),))
BOULEVARD = AirspaceZone("boulevard", "Boulevard during the concert", AirspaceKind.RESTRICTED,
                         rect(4.2810, 52.1105, 4.2820, 52.1110), windows=(TimeWindow(at(18), at(22)),),
                         ceiling_m=50, purposes=(FlightPurpose.CROWD_OVERVIEW, FlightPurpose.SEARCH))
HIGH = AirspaceZone("dunes", "Dunes", AirspaceKind.RESTRICTED, rect(4.2860, 52.1120, 4.2870, 52.1130), ceiling_m=80)
CLEAR = rect(4.2850, 52.1110, 4.2860, 52.1120)  # near the zones, in no airspace zone


@pytest.fixture(scope="module")
def site(mini_site):
    return replace(mini_site, airspace=(PIER, EVENT, BOULEVARD, HIGH))


def flight(area: dict = CLEAR, start: datetime = at(9), end: datetime = at(10), altitude: float = 40,
           purpose: FlightPurpose = FlightPurpose.CROWD_OVERVIEW, fid: str = "FL-NEW111", **changes) -> Flight:
    return Flight(id=fid, site_id="mini", operator="Politie Den Haag", permit="NLD-UAS-0042", aircraft="DJI M30T",
                  purpose=purpose, area=area, window=TimeWindow(start, end), max_altitude_m=altitude,
                  registered_at=NOW, **changes)


def rules(refusals: list[Refusal]) -> list[tuple[str, str]]:
    return [(r.rule, r.where) for r in refusals]


def m2_in(message: str) -> float:
    return float(re.search(r"([\d,]+) m²", message).group(1).replace(",", ""))


def test_a_flight_clear_of_every_rule_passes(site):
    assert check_flight(site, flight(), [], NOW) == []


def test_no_fly_zone_refuses_and_names_the_zone_and_the_overlap(site):
    refusals = check_flight(site, flight(area=rect(4.2795, 52.1095, 4.2805, 52.1102)), [], NOW)
    assert rules(refusals) == [("no_fly", "pier")]
    message = refusals[0].message
    assert message.startswith("no-fly zone 'pier' (De Pier) is always in force and overlaps the flight's area by ")
    overlap = geometry.metric_shape(rect(4.2800, 52.1100, 4.2805, 52.1102), geometry.to_metric("EPSG:28992")).area
    assert m2_in(message) == pytest.approx(overlap, rel=0.01)  # ~690 m², measured independently in RD New


def test_edges_that_only_touch_a_no_fly_zone_pass(site):
    assert check_flight(site, flight(area=rect(4.2810, 52.1100, 4.2815, 52.1104)), [], NOW) == []


def test_a_zone_with_time_windows_refuses_only_while_in_force(site):
    over_square = rect(4.2832, 52.1101, 4.2838, 52.1104)
    assert check_flight(site, flight(area=over_square, start=at(8.5), end=at(10)), [], NOW) == []
    assert check_flight(site, flight(area=over_square, start=at(21), end=at(22)), [], NOW) == []
    assert check_flight(site, flight(area=over_square, start=at(9, day=13), end=at(12, day=13)), [], NOW) == []
    refusals = check_flight(site, flight(area=over_square, start=at(9.5), end=at(10.5)), [], NOW)
    assert rules(refusals) == [("no_fly", "square_event")]
    assert "no-fly zone 'square_event' (Square during the market) is in force 2026-07-12T10:00Z–21:00Z" \
           in refusals[0].message


def test_the_site_ceiling_limits_every_flight(site):
    assert check_flight(site, flight(altitude=120), [], NOW) == []
    refusals = check_flight(site, flight(altitude=150), [], NOW)
    assert refusals == [Refusal("altitude", "max_altitude_m",
                                "the flight plans 150 m; the site's ceiling is 120 m above ground")]
    assert check_flight(replace(site, ceiling_m=160), flight(altitude=150), [], NOW) == []


def test_a_restricted_zone_in_force_lowers_the_ceiling(site):
    over_boulevard = rect(4.2812, 52.1106, 4.2818, 52.1109)
    assert check_flight(site, flight(area=over_boulevard, start=at(19), end=at(20), altitude=50), [], NOW) == []
    refusals = check_flight(site, flight(area=over_boulevard, start=at(19), end=at(20), altitude=80), [], NOW)
    assert rules(refusals) == [("altitude", "boulevard")]
    assert refusals[0].message.startswith("restricted zone 'boulevard' (Boulevard during the concert) allows at most "
                                          "50 m and is in force 2026-07-12T18:00Z–22:00Z; the flight plans 80 m over ")
    # outside its window the site ceiling applies
    assert check_flight(site, flight(area=over_boulevard, start=at(9), end=at(10), altitude=80), [], NOW) == []
    # a zone without windows is always in force
    refusals = check_flight(site, flight(area=rect(4.2865, 52.1125, 4.2875, 52.1135), altitude=100), [], NOW)
    assert rules(refusals) == [("altitude", "dunes")] and "always in force" in refusals[0].message


def test_a_restricted_zone_allows_only_its_purposes(site):
    over_boulevard = rect(4.2812, 52.1106, 4.2818, 52.1109)
    for purpose in (FlightPurpose.CROWD_OVERVIEW, FlightPurpose.SEARCH):
        assert check_flight(site, flight(area=over_boulevard, start=at(19), end=at(20), purpose=purpose), [], NOW) == []
    refusals = check_flight(site, flight(area=over_boulevard, start=at(19), end=at(20),
                                         purpose=FlightPurpose.ENVIRONMENTAL_ENFORCEMENT), [], NOW)
    assert rules(refusals) == [("restricted", "boulevard")]
    assert "allows only crowd_overview, search" in refusals[0].message
    assert "the flight's purpose is environmental_enforcement" in refusals[0].message
    # a restricted zone that lists no purposes allows all
    assert check_flight(site, flight(area=rect(4.2865, 52.1125, 4.2875, 52.1135),
                                     purpose=FlightPurpose.ENVIRONMENTAL_ENFORCEMENT), [], NOW) == []


def test_overlapping_flights_refuse_unless_ended_or_apart(site):
    other = flight(fid="FL-OTHER1", area=rect(4.2855, 52.1115, 4.2865, 52.1125), start=at(9.5), end=at(11),
                   status=FlightStatus.ACTIVE, started_at=at(9.5))
    refusals = check_flight(site, flight(), [other], NOW)
    assert rules(refusals) == [("overlap", "FL-OTHER1")]
    assert refusals[0].message.startswith("flight FL-OTHER1 (Politie Den Haag, active) flies 2026-07-12T09:30Z–11:00Z "
                                          "over an area that overlaps this flight's by ")
    ended = replace(other, status=FlightStatus.ENDED, ended_at=at(9.6))
    later = replace(other, window=TimeWindow(at(10), at(11)))  # starts when this one ends
    apart = replace(other, area=rect(4.2870, 52.1110, 4.2880, 52.1120))
    touching = replace(other, area=rect(4.2860, 52.1110, 4.2870, 52.1120))
    assert check_flight(site, flight(), [ended, later, apart, touching], NOW) == []
    assert check_flight(site, other, [other], NOW) == []  # a flight does not overlap itself


@pytest.mark.parametrize(("area", "expected"), [
    ({"type": "Point", "coordinates": [4.285, 52.111]}, "the area must be a GeoJSON Polygon, got 'Point'"),
    ("over the beach", "the area must be a GeoJSON Polygon, got 'str'"),
    ({"type": "Polygon", "coordinates": [[[4.285, 52.111], [4.286, 52.112], [4.286, 52.111], [4.285, 52.112],
                                          [4.285, 52.111]]]},
     "the area is unusable: invalid polygon: Self-intersection"),
    ({"type": "Polygon", "coordinates": [[[52.11, 4.28], [52.12, 4.28], [52.12, 95.0], [52.11, 4.28]]]},
     "the area is unusable: coordinates are outside WGS84"),
    ({"type": "Polygon", "coordinates": "x"}, "the area is unusable: coordinates are malformed"),
    (rect(4.29, 52.09, 4.38, 52.13), "the area covers 27.4 km²; at most 25 km²"),
    (rect(4.40, 52.11, 4.41, 52.12), "the area lies 7.9 km from the nearest zone of site 'mini'; at most 5 km"),
])
def test_an_unusable_area_is_refused_with_why(site, area, expected):
    refusals = check_flight(site, flight(area=area), [], NOW)
    assert rules(refusals) == [("area", "area")]
    assert refusals[0].message.startswith(expected), refusals[0].message


def test_window_too_long_or_already_over(site):
    refusals = check_flight(site, flight(start=at(9), end=at(9, 13) + timedelta(minutes=30)), [], NOW)
    assert refusals == [Refusal("window", "end", "the window 2026-07-12T09:00Z–2026-07-13T09:30Z lasts 24.5 h; "
                                                 "at most 24 h")]
    refusals = check_flight(site, flight(start=at(6), end=at(8)), [], NOW)
    assert refusals == [Refusal("window", "end", "the window 2026-07-12T06:00Z–08:00Z has already ended "
                                                 "(it is 2026-07-12T08:00Z)")]
    assert check_flight(site, flight(start=at(6), end=at(9)), [], NOW) == []  # under way: fine
    with pytest.raises(ValueError, match="before it starts"):
        TimeWindow(at(10), at(9))  # end <= start cannot even be built


def test_every_broken_rule_is_returned_at_once(site):
    other = flight(fid="FL-OTHER1", area=rect(4.2805, 52.1104, 4.2815, 52.1108), start=at(19), end=at(20))
    wide = rect(4.2795, 52.1095, 4.2825, 52.1110)  # pier, boulevard and the other flight
    refusals = check_flight(site, flight(area=wide, start=at(19), end=at(19, 13) + timedelta(hours=1), altitude=130,
                                         purpose=FlightPurpose.ENVIRONMENTAL_ENFORCEMENT), [other], NOW)
    assert sorted(rules(refusals)) == [("altitude", "boulevard"), ("altitude", "max_altitude_m"), ("no_fly", "pier"),
                                       ("overlap", "FL-OTHER1"), ("restricted", "boulevard"), ("window", "end")]


def test_measures_in_the_sites_utm_zone(site):
    assert metric_crs(site) == "EPSG:32631"  # 4.28° E, 52.11° N
