"""A drone's crowd estimate (virtual sensor ``aerial:<zone>``) in the picture."""

import pytest

from crowdsafety.domain import DataStatus, HealthStatus, SensorHealth
from crowdsafety.picture import assess_health, compute_states, estimate_interval, fuse
from crowdsafety.picture.aerial import HOLD_INTERVALS

from .builders import at, frame, sensor, site, zone

OK, REDUCED, NO_DATA = DataStatus.OK, DataStatus.REDUCED, DataStatus.NO_DATA
AERIAL = "aerial:beach"


def _aerial(zone_id: str, reliability: float = 0.25):
    return sensor(f"aerial:{zone_id}", "aerial_estimate", zone_id, reliability=reliability,
                  properties={"virtual": True})


@pytest.fixture(scope="module")
def beach():
    """A 2,000 m² beach with a counting camera and its drone estimate; a street with a camera."""
    return site([zone("beach", area=2000.0), zone("street", area=500.0)],
                [sensor("cam", "zone_count", "beach"), sensor("street-cam", "zone_count", "street"),
                 _aerial("beach"), _aerial("street")])


def _one(site_, rows, *, k=0, health=None):
    states = estimate_interval(site_, frame(rows), start=at(k), previous=None, health=health or {})
    return {s.zone_id: s for s in states}


def _sd(people: float, relative: float, age: int = 0) -> float:
    return ((relative * people) ** 2 + 1) ** 0.5 * (1 + age) ** 0.5


def test_an_aerial_estimate_is_fused_with_the_camera_by_its_own_reliability(beach):
    state = _one(beach, [("cam", 0, "count", 1000), (AERIAL, 0, "count", 1400)])["beach"]
    people, sd = fuse([1000.0, 1400.0], [_sd(1000, 0.05), _sd(1400, 0.25)])
    assert state.people == pytest.approx(people) and state.uncertainty == pytest.approx(sd)
    assert 1000 < state.people < 1100  # the camera (±5 %) weighs far more than the drone (±25 %)
    assert state.status is OK and state.sources == ("cam", AERIAL)


def test_no_drone_overhead_takes_nothing_from_a_zone(beach):
    states = _one(beach, [("cam", 0, "count", 1000), ("street-cam", 0, "count", 20)])
    assert all(s.status is OK for s in states.values())
    assert states["beach"].sources == ("cam",) and states["street"].sources == ("street-cam",)


def test_an_estimate_holds_three_intervals_with_growing_variance(beach):
    rows = [(AERIAL, 0, "count", 800)]
    for age in range(HOLD_INTERVALS + 1):
        state = _one(beach, rows, k=age)["beach"]
        assert state.people == 800.0 and state.uncertainty == pytest.approx(_sd(800, 0.25, age))
        assert state.status is REDUCED and state.sources == (AERIAL,)
    assert _one(beach, rows, k=HOLD_INTERVALS + 1)["beach"].status is NO_DATA
    newer = _one(beach, rows + [(AERIAL, 2, "count", 900)], k=3)["beach"]
    assert newer.people == 900.0 and newer.uncertainty == pytest.approx(_sd(900, 0.25, 1))


def test_a_zone_covered_only_from_the_air_is_reduced():
    lone = site([zone("dunes", area=4000.0)], [_aerial("dunes", reliability=0.4)])
    state = _one(lone, [("aerial:dunes", 0, "count", 2000)])["dunes"]
    assert (state.people, state.density, state.status) == (2000.0, 0.5, REDUCED)
    assert state.uncertainty == pytest.approx(_sd(2000, 0.4)) and state.level is not None
    assert state.sources == ("aerial:dunes",)


def test_a_zone_whose_camera_failed_is_estimated_from_the_air_while_a_flight_covers_it(beach):
    rows = [("cam", k, "count", 1000 + k) for k in range(4)]  # the camera fails after interval 3
    rows += [("street-cam", k, "count", 20 + k % 2) for k in range(16)]
    rows += [(AERIAL, 6, "count", 1500), (AERIAL, 8, "count", 1600)]  # a flight over it, 6 to 8
    states, health = compute_states(beach, frame(rows), start=at(0), end=at(16))
    beach_states = [s for s in states if s.zone_id == "beach"]
    status = [s.status for s in beach_states]
    assert status == [OK] * 4 + [NO_DATA] * 2 + [REDUCED] * 6 + [NO_DATA] * 4
    people = [s.people for s in beach_states]
    assert people[6:12] == [1500.0, 1500.0, 1600.0, 1600.0, 1600.0, 1600.0]
    assert all(s.sources == (AERIAL,) for s in beach_states[6:12])
    assert beach_states[7].uncertainty == pytest.approx(_sd(1500, 0.25, 1))
    assert beach_states[11].uncertainty == pytest.approx(_sd(1600, 0.25, 3))
    assert beach_states[12].people is None and beach_states[12].sources == ()
    by_id = {h.sensor_id: h.status for h in health}
    assert by_id["cam"] is HealthStatus.STALE
    assert by_id[AERIAL] is by_id["aerial:street"] is HealthStatus.OK  # silent drones are not faults
    # one interval at a time agrees with the whole history
    stale = {"cam": SensorHealth("cam", at(10), HealthStatus.STALE)}
    assert _one(beach, rows, k=9, health=stale)["beach"] == beach_states[9]


def test_a_drone_estimate_is_never_stale_or_missing_only_impossible(beach):
    health = {h.sensor_id: h for h in assess_health(beach, frame([("cam", 0, "count", 5)]), at=at(1))}
    assert health["aerial:street"].status is HealthStatus.OK  # never reported: no fault
    health = {h.sensor_id: h for h in assess_health(beach, frame([(AERIAL, 0, "count", 5)]), at=at(20),
                                                   last_seen={AERIAL: at(0)})}
    assert health[AERIAL].status is HealthStatus.OK and health[AERIAL].last_seen == at(0)
    impossible = frame([("cam", 0, "count", 1000), (AERIAL, 0, "count", 20_000)])  # 10 persons/m²
    health = {h.sensor_id: h for h in assess_health(beach, impossible, at=at(1))}
    assert health[AERIAL].status is HealthStatus.SPIKE
    states, _ = compute_states(beach, impossible, start=at(0), end=at(1))
    assert states[0].people == 1000.0 and states[0].sources == ("cam",)


def test_a_passing_drone_does_not_hide_a_frozen_camera(beach):
    rows = [("cam", k, "count", 700) for k in range(6)] + [("street-cam", k, "count", 20 + k) for k in range(6)]
    frozen = assess_health(beach, frame(rows), at=at(6))
    with_drone = assess_health(beach, frame(rows + [(AERIAL, 5, "count", 650)]), at=at(6))
    assert [h.status for h in frozen if h.sensor_id == "cam"] == [HealthStatus.FROZEN]
    assert [h.status for h in with_drone if h.sensor_id == "cam"] == [HealthStatus.FROZEN]
