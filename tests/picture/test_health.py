from datetime import timedelta

import pytest

from crowdsafety.domain import HealthStatus
from crowdsafety.picture import HealthLimits, PictureModel, assess_health

from .builders import at, frame, sensor, site, zone

OK, STALE, FROZEN, SPIKE, NO_DATA = (
    HealthStatus.OK, HealthStatus.STALE, HealthStatus.FROZEN, HealthStatus.SPIKE, HealthStatus.NO_DATA
)


def _health(site_, rows, k, **kwargs):
    """Health at the end of interval ``k``, by sensor id."""
    return {h.sensor_id: h for h in assess_health(site_, frame(rows), at=at(k + 1), **kwargs)}


def _moving(sensor_id, metric, ks, base=40):
    return [(sensor_id, k, metric, base + k % 3) for k in ks]


def test_fresh_moving_sensors_are_ok(beach):
    rows = _moving("cam", "count", range(8)) + _moving("wifi", "devices", range(8)) + [("weather", 7, "wind_ms", 3)]
    health = _health(beach, rows, 7)
    assert {h.status for h in health.values()} == {OK}
    assert health["cam"].last_seen == at(7) and health["cam"].at == at(8) and health["cam"].detail == ""


def test_a_sensor_never_seen_has_no_data(beach):
    health = _health(beach, _moving("cam", "count", range(8)), 7)
    assert health["wifi"].status is NO_DATA and health["wifi"].last_seen is None
    assert health["wifi"].detail == "never reported"


def test_last_seen_turns_no_data_into_stale(beach):
    health = _health(beach, _moving("cam", "count", range(8)), 7, last_seen={"wifi": at(-20), "ghost": at(0)})
    assert health["wifi"].status is STALE
    assert health["wifi"].last_seen == at(-20)
    assert health["wifi"].detail == "no data for 6 h 45 min"  # at(-19) .. at(8): 27 intervals of 15 min


def test_stale_after_the_configured_intervals(beach):
    rows = _moving("wifi", "devices", range(11))
    fresh = _health(beach, rows + _moving("cam", "count", range(9)), 10)  # latest start at(8) = at(11) - 3 × 15 min
    late = _health(beach, rows + _moving("cam", "count", range(8)), 10)
    assert fresh["cam"].status is OK
    assert late["cam"].status is STALE
    assert late["cam"].detail == "no data for 45 min"


def test_frozen_when_a_neighbour_moves(beach):
    rows = [("cam", k, "count", 312) for k in range(8)] + _moving("wifi", "devices", range(8))
    health = _health(beach, rows, 7)
    assert health["cam"].status is FROZEN
    assert health["cam"].detail == "value 312 unchanged for 8 intervals"
    assert health["wifi"].status is OK


def test_not_frozen_while_everything_stands_still_or_at_zero(beach):
    still = [("cam", k, "count", 312) for k in range(8)] + [("wifi", k, "devices", 50) for k in range(8)]
    assert {h.status for h in _health(beach, still, 7).values()} - {NO_DATA} == {OK}
    zeros = [("cam", k, "count", 0) for k in range(8)] + _moving("wifi", "devices", range(8))
    assert _health(beach, zeros, 7)["cam"].status is OK


def test_frozen_needs_the_configured_number_of_repeats(beach):
    rows = _moving("cam", "count", range(5)) + [("cam", k, "count", 312) for k in range(5, 8)]
    health = _health(beach, rows + _moving("wifi", "devices", range(8)), 7)
    assert health["cam"].status is OK  # 3 repeats < frozen_after_intervals = 4


def test_frozen_falls_back_to_the_sites_other_sensors():
    two = site([zone("a"), zone("b")], [sensor("ca", "zone_count", "a"), sensor("cb", "zone_count", "b")])
    frozen = [("ca", k, "count", 77) for k in range(8)]
    assert _health(two, frozen + _moving("cb", "count", range(8)), 7)["ca"].status is FROZEN
    alone = site([zone("a")], [sensor("ca", "zone_count", "a")])
    assert _health(alone, frozen, 7)["ca"].status is OK


def test_line_counter_is_frozen_only_when_all_its_metrics_are():
    plaza = site([zone("p"), zone("q")], [sensor("gate", "line_count", "p"), sensor("cam", "zone_count", "q")])
    moving = _moving("cam", "count", range(8))
    one_stuck = [("gate", k, "in", 5) for k in range(8)] + _moving("gate", "out", range(8))
    assert _health(plaza, one_stuck + moving, 7)["gate"].status is OK
    stuck = [("gate", k, m, 5) for k in range(8) for m in ("in", "out")]
    assert _health(plaza, stuck + moving, 7)["gate"].status is FROZEN


def test_spike_above_the_density_a_zone_can_hold(beach):
    rows = _moving("cam", "count", range(7)) + [("cam", 7, "count", 12_001)] + _moving("wifi", "devices", range(8))
    health = _health(beach, rows, 7)
    assert health["cam"].status is SPIKE  # 6 persons/m² × 2,000 m² = 12,000
    assert health["cam"].detail == "count 12001 above the physical limit 12000 per interval"
    # calibrated: 2 persons per device, so 6,001 devices are impossible too
    wifi = _health(beach, _moving("wifi", "devices", range(7)) + [("wifi", 7, "devices", 6001)], 7)
    assert wifi["wifi"].status is SPIKE


def test_spike_on_line_counts_by_width_and_absolute_cap():
    walk = site([zone("w", area=600, basis="flow", width=6.0)],
                [sensor("wide", "line_count", "w"), sensor("bare", "line_count")])
    # 100 persons/m/min × 6 m × 15 min = 9,000 per interval; without a width 5,000/min × 15 = 75,000
    ok = _health(walk, [("wide", 0, "passes", 9000), ("bare", 0, "in", 75_000)], 0)
    assert ok["wide"].status is OK and ok["bare"].status is OK
    bad = _health(walk, [("wide", 0, "passes", 9001), ("bare", 0, "in", 75_001)], 0)
    assert bad["wide"].status is SPIKE and bad["bare"].status is SPIKE


@pytest.mark.parametrize("history, value, status", [
    ([30] * 7, 400, SPIKE),  # 13× the median and +370
    ([30] * 7, 290, OK),  # below 10×
    ([5] * 7, 150, OK),  # 30× but only +145
    ([30] * 6 + [100], 400, OK),  # 4× the previous value: a steep rise, not a spike
    ([30, 30], 400, OK),  # too little history to judge
])
def test_spike_on_a_jump(history, value, status):
    alone = site([zone("a", area=5000)], [sensor("cam", "zone_count", "a")])
    rows = [("cam", k, "count", v) for k, v in enumerate(history)] + [("cam", len(history), "count", value)]
    health = _health(alone, rows, len(history))
    assert health["cam"].status is status
    if status is SPIKE:
        assert health["cam"].detail == "count 400 jumped from 30"


@pytest.mark.parametrize("history, value, status", [
    ([400] * 8 + [70] * 6, 1200, SPIKE),  # after an evening's decline: judged against the last half hour
    ([300] * 8 + [0] * 3, 300, OK),  # back after a few zeros
    ([300] * 8 + [0] * 4, 300, SPIKE),  # back after a longer run of zeros: flagged once
])
def test_a_jump_is_judged_against_the_recent_level(history, value, status):
    alone = site([zone("a", area=5000)], [sensor("cam", "zone_count", "a")], frozen_after_intervals=12)
    rows = [("cam", k, "count", v) for k, v in enumerate(history)] + [("cam", len(history), "count", value)]
    assert _health(alone, rows, len(history))["cam"].status is status


def test_limits_are_configurable(beach):
    rows = [("cam", 0, "count", 3000)]
    assert _health(beach, rows, 0)["cam"].status is OK
    assert _health(beach, rows, 0, limits=HealthLimits(max_density=1.0))["cam"].status is SPIKE


def test_a_spike_passes_with_the_next_normal_value(beach):
    rows = [("cam", k, "count", 30) for k in range(8)]
    rows[6] = ("cam", 6, "count", 20_000)
    assert _health(beach, rows[:7], 6)["cam"].status is SPIKE
    assert _health(beach, rows, 7)["cam"].status is OK


def test_suspect_values_still_count_as_seen(beach):
    rows = [("cam", k, "count", 30 + k, "suspect") for k in range(8)]
    assert _health(beach, rows, 7)["cam"].status is OK


def test_rolling_health_of_compute_states_agrees_with_assess_health(beach):
    rows = ([("cam", k, "count", 312) for k in range(12)] + _moving("wifi", "devices", range(9))
            + [("weather", 0, "wind_ms", 2)])
    observations = frame(rows)
    _, rolling = PictureModel(beach).compute_states(observations, start=at(8), end=at(12))
    single = assess_health(beach, observations, at=at(12))
    assert [(h.sensor_id, h.status, h.last_seen) for h in rolling] == [
        (h.sensor_id, h.status, h.last_seen) for h in single
    ]
    assert [h.status for h in rolling] == [FROZEN, STALE, STALE]


def test_data_after_at_is_ignored(beach):
    rows = _moving("cam", "count", range(8))
    assert _health(beach, rows, 3)["cam"].last_seen == at(3)
    assert assess_health(beach, frame(rows), at=at(4) - timedelta(seconds=1))[0].last_seen == at(3)
