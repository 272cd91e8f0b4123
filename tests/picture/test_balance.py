import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crowdsafety.domain import DataStatus, ZoneState
from crowdsafety.picture import PictureModel, balance

from .builders import INTERVAL_S, at, frame, sensor, site, zone

counts = st.integers(0, 60)
moves = st.lists(st.tuples(counts, counts), min_size=1, max_size=30)


def test_predict_only_without_measurement():
    people, variance, drift = balance.balance_step(
        np.array([10.0]), np.array([4.0]), np.array([1.0]), net=np.array([5.0]),
        process_variance=np.array([2.0]), measurement=np.array([np.nan]), measurement_variance=np.array([np.nan]),
    )
    assert (people[0], variance[0], drift[0]) == (15.0, 6.0, 1.0)


def test_update_moves_towards_the_measurement_by_the_kalman_gain():
    people, variance, drift = balance.balance_step(
        np.array([100.0]), np.array([300.0]), np.array([0.0]), net=np.array([0.0]),
        process_variance=np.array([100.0]), measurement=np.array([200.0]), measurement_variance=np.array([400.0]),
    )
    # P⁻ = 400, K = 400 / (400 + 400) = 0.5
    assert people[0] == pytest.approx(150.0)
    assert variance[0] == pytest.approx(200.0)
    assert drift[0] == pytest.approx(50.0)


def test_negative_presence_is_clipped_into_drift():
    people, _, drift = balance.balance_step(
        np.array([5.0]), np.array([1.0]), np.array([0.0]), net=np.array([-12.0]),
        process_variance=np.array([0.0]), measurement=np.array([np.nan]), measurement_variance=np.array([np.nan]),
    )
    assert people[0] == 0.0
    assert drift[0] == 7.0


def test_signs_follow_direction():
    assert balance.signs(sensor("l", "line_count", "a", "b", direction="in")) == (1.0, -1.0)
    assert balance.signs(sensor("l", "line_count", "a", "b")) == (1.0, -1.0)
    assert balance.signs(sensor("l", "line_count", "a", direction="out")) == (-1.0, 1.0)


def test_process_variance_grows_with_crossings():
    # (3 % of 100)² systematic + 100 for the Poisson count
    assert balance.crossing_variance(np.array([70.0]), np.array([30.0]), 0.03)[0] == pytest.approx(109.0)
    assert balance.crossing_variance(np.array([700.0]), np.array([300.0]), 0.03)[0] == pytest.approx(1900.0)



def test_silent_counters_are_guessed_from_the_reporting_ones():
    # crossings of the reporting counters, reporting counters, counters of the zone
    crossings, reporting, counters = np.array([100.0, 100.0, 0.0, 80.0]), np.array([1, 2, 0, 2]), np.array([2, 2, 2, 0])
    variance = balance.missing_variance(crossings, reporting, counters)
    assert variance.tolist() == [10_000.0, 0.0, np.inf, 0.0]  # one silent of two: sd = the other's 100


def test_an_infinite_process_variance_lets_the_measurement_decide():
    people, variance, drift = balance.balance_step(
        np.array([100.0]), np.array([50.0]), np.array([3.0]), net=np.array([0.0]),
        process_variance=np.array([np.inf]), measurement=np.array([160.0]), measurement_variance=np.array([64.0]),
    )
    assert (people[0], variance[0], drift[0]) == (160.0, 64.0, 63.0)


def test_night_measurement_sd_has_a_floor():
    baseline, variance = balance.night_measurement(np.array([0.0, 100.0]))
    assert baseline.tolist() == [0.0, 100.0]
    assert variance.tolist() == pytest.approx([25.0, 400.0])


@pytest.mark.parametrize("day, utc_hour", [("2024-07-01", 3), ("2024-01-15", 4)])
def test_anchor_is_the_interval_holding_the_local_reset_hour(day, utc_hour):
    starts = pd.date_range(f"{day}T00:00Z", periods=96, freq="15min")
    flags = balance.anchor_flags(
        starts.as_unit("ns").asi8, interval_s=900, timezone="Europe/Amsterdam", hour=5
    )
    assert [s.hour for s in starts[flags]] == [utc_hour] and starts[flags][0].minute == 0


def test_unaligned_intervals_anchor_once_and_no_hour_never():
    starts = pd.date_range("2024-07-01T00:07Z", periods=24, freq="60min").as_unit("ns").asi8
    flags = balance.anchor_flags(starts, interval_s=3600, timezone="UTC", hour=5)
    assert flags.sum() == 1 and pd.Timestamp(starts[flags][0]).hour == 4
    assert not balance.anchor_flags(starts, interval_s=3600, timezone="UTC", hour=None).any()


def _line_only_site():
    return site([zone("plaza", area=800.0)], [sensor("gate", "line_count", "plaza")])


def _replay(moves: list[tuple[int, int]], start_people: float) -> list[ZoneState]:
    rows = [r for k, (i, o) in enumerate(moves) for r in (("gate", k, "in", i), ("gate", k, "out", o))]
    previous = {"plaza": ZoneState("plaza", at(-1), INTERVAL_S, start_people, None, None, None,
                                   DataStatus.OK, drift=0.0, uncertainty=10.0)}
    states, _ = PictureModel(_line_only_site()).compute_states(
        frame(rows), start=at(0), end=at(len(moves)), previous=previous
    )
    return states


@settings(max_examples=60, deadline=None)
@given(moves, st.integers(0, 50))
def test_presence_is_never_negative(moves, start_people):
    for state in _replay(moves, start_people):
        assert state.people is not None and state.people >= 0
        assert state.drift is not None and state.drift >= 0  # only clipping corrects here


@settings(max_examples=60, deadline=None)
@given(moves, st.integers(0, 50))
def test_exact_counters_conserve_people(moves, start_people):
    balance_now = float(start_people)
    for state, (i, o) in zip(_replay(moves, start_people), moves, strict=True):
        balance_now += i - o
        if balance_now < 0:
            break
        assert state.people == balance_now
        assert state.drift == 0.0
        assert (state.inflow, state.outflow) == (i, o)


def test_a_start_without_previous_state_has_no_drift():
    states, _ = PictureModel(_line_only_site()).compute_states(
        frame([("gate", 0, "in", 5), ("gate", 0, "out", 0)]), start=at(0), end=at(1)
    )
    assert states[0].people == 5.0  # night_baseline 0 + 5
    assert states[0].drift == 0.0
    assert states[0].uncertainty == pytest.approx(0.5 * 800, rel=1e-3)


def test_a_reliable_camera_keeps_a_drifting_balance_anchored_and_the_drift_is_shown():
    """A pier-like zone over a busy day: its only entrance counter counts 4 % too many in and 4 %
    too few out (so its pure balance drifts by hundreds), its camera is ±5 %."""
    pier = site([zone("pier", area=15_000)],
                [sensor("gate", "line_count", "pier"), sensor("cam", "zone_count", "pier")])
    n = 64
    truth = np.round(4000 * np.sin(np.linspace(0, np.pi, n)) ** 2)
    change = np.diff(truth, prepend=0.0)
    churn = truth * INTERVAL_S / 3600  # a one-hour stay
    entering = np.round((churn + np.maximum(change, 0)) * 1.04)
    leaving = np.round((churn + np.maximum(-change, 0)) * 0.96)
    camera = np.round(truth * (1 + 0.05 * np.random.default_rng(7).standard_normal(n)))
    rows = [r for k in range(n) for r in (("gate", k, "in", entering[k]), ("gate", k, "out", leaving[k]),
                                          ("cam", k, "count", camera[k]))]
    states, _ = PictureModel(pier).compute_states(frame(rows), start=at(0), end=at(n))
    people = np.array([s.people for s in states])
    drift = np.array([s.drift for s in states])
    pure = np.cumsum(entering - leaving)  # the counters alone

    def wape(estimate: np.ndarray) -> float:
        return float(np.abs(estimate - truth).sum() / truth.sum())

    assert wape(pure) > 0.05 and pure[-1] - truth[-1] > 300
    assert wape(people) < 0.75 * wape(camera)  # the balance smooths the camera ...
    assert np.abs(people - truth).max() < 0.05 * truth.max()  # ... and the camera keeps it anchored
    # drift = every correction of the pure balance: people = start + counted net + drift
    assert drift - drift[0] == pytest.approx(people - people[0] - (pure - pure[0]))
    assert drift[-1] < -250  # shown: the counters alone would be that many persons too high
