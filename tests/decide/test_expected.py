"""Expected levels: at least p chance of orange or worse within the lead time of its measures."""

from __future__ import annotations

from datetime import timedelta

from crowdsafety.decide import Playbook, ZoneOutlook, expected_level
from crowdsafety.domain import Level

from .builders import T0

HOUR = timedelta(hours=1)


def outlook(hours: float, orange: float, red: float = 0.0, zone: str = "pier") -> ZoneOutlook:
    return ZoneOutlook(zone, T0 + hours * HOUR, {Level.YELLOW: 1.0, Level.ORANGE: orange, Level.RED: red})


def test_orange_expected_within_the_lead_time(playbook: Playbook):
    # the Pier's orange measures need up to 4 h (traffic controllers)
    found = expected_level("pier", [outlook(1, 0.3), outlook(3, 0.65), outlook(3.5, 0.8)], T0, playbook)
    assert found is not None
    assert (found.level, found.target_at, found.probability, found.lookahead_min) == (
        Level.ORANGE, T0 + 3 * HOUR, 0.8, 240)


def test_nothing_beyond_the_lead_time_or_below_p(playbook: Playbook):
    assert expected_level("pier", [outlook(5, 0.99)], T0, playbook) is None
    assert expected_level("pier", [outlook(2, 0.59)], T0, playbook) is None
    assert expected_level("pier", [outlook(0, 0.99)], T0, playbook) is None  # the current interval is observed
    assert expected_level("pier", [outlook(2, 0.99, zone="haven")], T0, playbook) is None


def test_red_within_its_own_lead_time(playbook: Playbook):
    # red's measures (cumulative) still include the 4 h traffic controllers
    found = expected_level("pier", [outlook(2, 0.95, red=0.7)], T0, playbook)
    assert found is not None and found.level is Level.RED and found.probability == 0.7


def test_probability_margin_keeps_an_alerted_level(playbook: Playbook):
    looks = [outlook(2, 0.55)]
    assert expected_level("pier", looks, T0, playbook) is None
    kept = expected_level("pier", looks, T0, playbook, held=Level.ORANGE)
    assert kept is not None and kept.level is Level.ORANGE
    assert expected_level("pier", [outlook(2, 0.45)], T0, playbook, held=Level.ORANGE) is None
