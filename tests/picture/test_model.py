import pandas as pd
import pytest

from crowdsafety.domain import DataStatus, HealthStatus, Level, SensorHealth, ServiceLevel, ZoneState
from crowdsafety.picture import PictureModel, assess_health, compute_states, estimate_interval, fuse

from .builders import INTERVAL_S, T0, at, frame, sensor, site, zone

OK, REDUCED, NO_DATA = DataStatus.OK, DataStatus.REDUCED, DataStatus.NO_DATA


def _one(site_, rows, *, k=0, previous=None, health=None):
    states = estimate_interval(site_, frame(rows), start=at(k), previous=previous, health=health or {})
    return {s.zone_id: s for s in states}


def test_direct_sensors_are_fused(beach):
    state = _one(beach, [("cam", 0, "count", 1000), ("wifi", 0, "devices", 600)])["beach"]
    people, sd = fuse([1000.0, 1200.0], [(50.0**2 + 1) ** 0.5, (240.0**2 + 1) ** 0.5])
    assert state.status is OK
    assert state.people == pytest.approx(people) and state.uncertainty == pytest.approx(sd)
    assert state.density == pytest.approx(people / 2000)
    assert (state.level, state.service_level) == (Level.GREEN, ServiceLevel.C)
    assert state.sources == ("cam", "wifi")
    assert (state.start, state.interval_s) == (T0, INTERVAL_S)
    assert state.drift is None and state.inflow is None and state.flow is None


def test_one_of_two_sensors_silent_is_reduced(beach):
    state = _one(beach, [("cam", 0, "count", 1000)])["beach"]
    assert state.status is REDUCED
    assert state.people == 1000.0
    assert state.sources == ("cam",)


def test_all_sensors_silent_is_no_data_never_zero(beach):
    state = _one(beach, [("weather", 0, "wind_ms", 4)])["beach"]
    assert state.status is NO_DATA
    assert (state.people, state.density, state.level, state.service_level) == (None, None, None, None)
    assert state.uncertainty is None and state.sources == ()


def test_unhealthy_and_suspect_sensors_are_left_out(beach):
    rows = [("cam", 0, "count", 1000), ("wifi", 0, "devices", 600)]
    frozen = {"cam": SensorHealth("cam", at(1), HealthStatus.FROZEN)}
    state = _one(beach, rows, health=frozen)["beach"]
    assert (state.status, state.people, state.sources) == (REDUCED, 1200.0, ("wifi",))
    state = _one(beach, [("cam", 0, "count", 1000, "suspect"), ("wifi", 0, "devices", 600)])["beach"]
    assert (state.status, state.people) == (REDUCED, 1200.0)
    healthy = {"cam": SensorHealth("cam", at(1), HealthStatus.OK)}
    assert _one(beach, rows, health=healthy)["beach"].status is OK


def test_latest_correction_wins_and_other_intervals_are_ignored(beach):
    rows = [
        ("cam", 0, "count", 999, "ok", at(1)),
        ("cam", 0, "count", 1000, "ok", at(2)),
        ("cam", 0, "count", 5, "ok", at(1)),
        ("cam", 1, "count", 7),
        ("cam", -1, "count", 8),
    ]
    assert _one(beach, rows)["beach"].people == 1000.0


def test_a_camera_over_two_zones_is_split_by_area():
    two = site([zone("a", area=300), zone("b", area=100)], [sensor("cam", "zone_count", "a", "b")])
    states = _one(two, [("cam", 0, "count", 400)])
    assert (states["a"].people, states["b"].people) == (300.0, 100.0)


def test_a_zone_without_sensors_has_no_data():
    bare = site([zone("a")], [sensor("weather", "weather")])
    assert _one(bare, [("weather", 0, "wind_ms", 1)])["a"].status is NO_DATA


def test_count_basis_grades_people(square):
    states, _ = compute_states(square, frame([("gate", 0, "in", 250), ("gate", 0, "out", 0)]), start=at(0), end=at(1))
    assert states[0].people == 280.0  # night baseline 30 + 250
    assert states[0].level is Level.ORANGE  # count thresholds 100 / 200 / 300


def _hall():
    return site([zone("hall", area=1000)], [sensor("gate", "line_count", "hall"), sensor("cam", "zone_count", "hall")])


def test_balance_is_corrected_by_a_direct_count():
    hall = _hall()
    previous = _one(hall, [("cam", 0, "count", 100), ("gate", 0, "in", 0), ("gate", 0, "out", 0)])
    rows = [("gate", 1, "in", 50), ("gate", 1, "out", 10), ("cam", 1, "count", 160)]
    state = _one(hall, rows, k=1, previous=previous)["hall"]
    prior = previous["hall"]
    predicted, predicted_var = prior.people + 40, prior.uncertainty**2 + (0.03 * 60) ** 2 + 60
    gain = predicted_var / (predicted_var + (0.05 * 160) ** 2 + 1)
    assert state.people == pytest.approx(predicted + gain * (160 - predicted))
    assert state.drift == pytest.approx(prior.drift + gain * (160 - predicted))
    assert (state.inflow, state.outflow, state.status) == (50.0, 10.0, OK)
    assert state.sources == ("gate", "cam")


def test_balance_carries_on_reduced_when_the_camera_goes():
    hall = _hall()
    first = _one(hall, [("cam", 0, "count", 100), ("gate", 0, "in", 0), ("gate", 0, "out", 0)])
    second = _one(hall, [("gate", 1, "in", 30), ("gate", 1, "out", 10)], k=1, previous=first)["hall"]
    assert second.status is REDUCED and second.sources == ("gate",)
    assert second.people == pytest.approx(first["hall"].people + 20)
    assert second.uncertainty > first["hall"].uncertainty
    silent = _one(hall, [], k=2, previous={"hall": second})["hall"]
    assert silent.status is NO_DATA and silent.people is None


def test_a_balance_zone_whose_counters_all_fall_silent_follows_the_camera():
    hall = _hall()
    first = _one(hall, [("cam", 0, "count", 100), ("gate", 0, "in", 0), ("gate", 0, "out", 0)])["hall"]
    second = _one(hall, [("cam", 1, "count", 180)], k=1, previous={"hall": first})["hall"]
    assert second.people == 180.0 and second.uncertainty == pytest.approx((0.05**2 * 180**2 + 1) ** 0.5)
    assert second.drift == pytest.approx(first.drift + 180 - first.people)  # the whole jump was a correction
    assert second.status is REDUCED and second.sources == ("cam",) and second.inflow is None


def _promenade(counted: float):
    """A promenade with a camera and two line counters that see ``counted`` of its entrances."""
    return site([zone("prom", area=5000, night_baseline=20, counted=counted)],
                [sensor("cam", "zone_count", "prom"), sensor("east", "line_count", "prom"),
                 sensor("west", "line_count", "prom", direction="out")])


def test_a_partly_counted_zone_takes_presence_from_the_camera_and_scales_the_flows():
    promenade = _promenade(0.25)
    first = _one(promenade, [("cam", 0, "count", 1000), ("east", 0, "in", 40), ("east", 0, "out", 10),
                             ("west", 0, "in", 5), ("west", 0, "out", 15)])["prom"]
    # the balance would say 20 + (40 + 5) - (10 + 15) = 40; the camera says 1,000
    assert first.people == 1000.0 and first.uncertainty == pytest.approx((50.0**2 + 1) ** 0.5)
    assert (first.inflow, first.outflow) == (55 / 0.25, 15 / 0.25)  # counted / counted_entrances
    assert first.drift is None and first.status is OK and first.sources == ("cam", "east", "west")
    rows = [("cam", 1, "count", 1100), ("east", 1, "in", 900), ("east", 1, "out", 0)]
    second = _one(promenade, rows, k=1, previous={"prom": first})["prom"]
    assert second.people == 1100.0  # neither the previous estimate nor the counters move it
    assert second.inflow is None and second.outflow is None  # west silent: the flows would be too low
    assert second.status is REDUCED and second.sources == ("cam",)


def test_a_partly_counted_zone_without_a_direct_sensor_has_flows_but_no_presence():
    gates = site([zone("street", counted=0.5)], [sensor("gate", "line_count", "street")])
    state = _one(gates, [("gate", 0, "in", 30), ("gate", 0, "out", 10)])["street"]
    assert state.status is NO_DATA and state.people is None and state.level is None
    assert (state.inflow, state.outflow, state.sources) == (60.0, 20.0, ("gate",))


@pytest.mark.parametrize("counted, people", [(0.95, 1000 + 40 / 0.95), (0.94, 1500.0)])
def test_zones_counted_from_95_percent_follow_the_balance(counted, people):
    promenade = _promenade(counted)
    previous = {"prom": ZoneState("prom", at(-1), INTERVAL_S, 1000.0, None, None, None, OK, drift=0.0,
                                  uncertainty=0.0)}
    rows = [("cam", 0, "count", 1500), ("east", 0, "in", 40), ("east", 0, "out", 0),
            ("west", 0, "in", 0), ("west", 0, "out", 0)]
    state = _one(promenade, rows, previous=previous)["prom"]
    # a balance known exactly beforehand barely moves towards the camera in one quiet interval
    assert state.people == pytest.approx(people, rel=0.01)


def test_night_anchor_pulls_a_line_only_zone_to_its_baseline(square):
    # 05:00 local (Amsterdam summer) = 03:00 UTC
    start = pd.Timestamp("2024-07-02T02:45Z").to_pydatetime()
    rows = [("gate", start + pd.Timedelta(minutes=15 * k), m, v) for k in range(3) for m, v in (("in", 0), ("out", 0))]
    previous = {"square": ZoneState("square", start - pd.Timedelta(minutes=15), INTERVAL_S, 200.0, 0.4, None, None,
                                    OK, drift=12.0, uncertainty=100.0)}
    end = start + pd.Timedelta(minutes=45)
    states, _ = compute_states(square, frame(rows), start=start, end=end, previous=previous)
    before, anchor, after = states
    assert before.people == 200.0 and before.drift == 12.0
    gain = 100.0**2 / (100.0**2 + 6.0**2)  # night sd max(20 % of 30, 5) = 6
    assert anchor.people == pytest.approx(200 + gain * (30 - 200))
    assert anchor.drift == pytest.approx(gain * (30 - 200))  # restarted at the reset hour
    assert after.drift == anchor.drift and after.people == anchor.people


def test_a_line_between_zones_moves_people_from_b_to_a():
    pair = site([zone("a", night_baseline=100), zone("b", night_baseline=100)],
                [sensor("door", "line_count", "a", "b")])
    states = _one(pair, [("door", 0, "in", 30), ("door", 0, "out", 10)])
    assert (states["a"].people, states["b"].people) == (120.0, 80.0)
    assert (states["a"].inflow, states["b"].inflow) == (30.0, 10.0)


def test_direction_out_swaps_in_and_out():
    exit_only = site([zone("a", night_baseline=100)], [sensor("door", "line_count", "a", direction="out")])
    state = _one(exit_only, [("door", 0, "in", 30), ("door", 0, "out", 10)])["a"]
    assert state.people == 80.0 and (state.inflow, state.outflow) == (10.0, 30.0)


def test_flow_zone_from_passes():
    walk = site([zone("w", area=600, basis="flow", width=6.0)], [sensor("p", "line_count", "w", width_m=6.0)])
    state = _one(walk, [("p", 0, "passes", 4500)])["w"]
    assert state.flow == pytest.approx(4500 / 15 / 6)  # 50 persons/m/min
    assert state.people == pytest.approx(4500 / 900 * (100 / 1.34))  # Little's law over 100 m
    assert state.density == pytest.approx(state.people / 600)
    assert (state.level, state.service_level) == (Level.YELLOW, ServiceLevel.D)
    assert state.status is OK and state.sources == ("p",) and state.drift is None


def test_flow_zone_with_a_directional_counter_uses_in_plus_out():
    walk = site([zone("w", area=600, basis="flow", width=6.0)], [sensor("p", "line_count", "w")])
    state = _one(walk, [("p", 0, "in", 3000), ("p", 0, "out", 1500)])["w"]
    assert state.flow == pytest.approx(50.0) and state.inflow is None


def test_compute_states_equals_chained_estimate_interval(beach):
    hall = site([zone("hall", area=1000, night_baseline=10), zone("beach", area=2000)],
                [sensor("gate", "line_count", "hall"), sensor("cam", "zone_count", "hall"),
                 sensor("cam2", "zone_count", "beach")])
    rows = [("gate", k, "in", 20 + 3 * k) for k in range(12)] + [("gate", k, "out", 10 + k % 4) for k in range(12)]
    rows += [("cam", k, "count", 50 + 8 * k) for k in range(0, 12, 3)]
    rows += [("cam2", k, "count", 700 + min(k, 6)) for k in range(12)]
    observations = frame(rows)
    batch, _ = PictureModel(hall).compute_states(observations, start=at(4), end=at(12))
    previous, chained = None, []
    for k in range(4, 12):
        health = {h.sensor_id: h for h in assess_health(hall, observations, at=at(k + 1))}
        states = estimate_interval(hall, observations, start=at(k), previous=previous, health=health)
        chained += states
        previous = {s.zone_id: s for s in states}
    assert batch == chained
    # cam2 repeats 706 from interval 6: frozen from interval 9 on (4 repeats)
    assert [s.status for s in batch if s.zone_id == "beach"] == [OK] * 5 + [NO_DATA] * 3


def test_progress_counts_every_interval(beach):
    calls = []
    compute_states(beach, frame([("cam", 0, "count", 1)]), start=at(0), end=at(250), progress=calls.append)
    assert sum(calls) == 250 and len(calls) > 1


def test_an_empty_range_has_no_states_but_health(beach):
    states, health = compute_states(beach, frame([("cam", 0, "count", 1)]), start=at(2), end=at(2))
    assert states == [] and [h.sensor_id for h in health] == ["cam", "wifi", "weather"]


def test_bad_input_is_named(beach):
    with pytest.raises(ValueError, match="lack column"):
        estimate_interval(beach, frame([]).drop(columns="metric"), start=at(0), previous=None, health={})
    with pytest.raises(ValueError, match="time zone"):
        estimate_interval(beach, frame([]), start=at(0).replace(tzinfo=None), previous=None, health={})


def test_long_ranges_are_computed_in_blocks_with_the_same_result(beach, monkeypatch):
    rows = [("cam", k, "count", 300 + 7 * (k % 5)) for k in range(40) if k % 11] + [("cam", 20, "count", 20_000)]
    rows += [("wifi", k, "devices", 100 + k % 3) for k in range(40) if k < 25 or k > 30]
    whole = compute_states(beach, frame(rows), start=at(2), end=at(40))
    monkeypatch.setattr("crowdsafety.picture.model._BLOCK_CELLS", 5 * 3)  # 3 intervals per block
    assert compute_states(beach, frame(rows), start=at(2), end=at(40)) == whole
