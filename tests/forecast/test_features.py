"""Features: nothing at or after the origin leaks in; calendars know the holidays."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from crowdsafety.forecast import History, HolidayCalendar, calendar_of
from crowdsafety.forecast.calendar import calendar_features
from crowdsafety.forecast.features import FeatureBuilder, correlated_zones
from crowdsafety.domain.events import PlannedEvent

from .conftest import START, rhythm


def _features(history: History, z: np.ndarray, t: np.ndarray, h: np.ndarray) -> dict[str, np.ndarray]:
    """Every feature a model sees: the rows, the first guess and the features relative to it."""
    builder = FeatureBuilder(history, calendar_of(history.timezone))
    features = builder.rows(z, t, h)
    return builder.relative(features, builder.base(features, z, t, h))


def _rows(history: History, origin: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    z, h = np.meshgrid(np.arange(len(history.zone_ids)), np.arange(1, 169), indexing="ij")
    z, h = z.ravel(), h.ravel()
    return z, origin + h - 1, h


@pytest.mark.parametrize("origin_weeks", [9.5, 11])
def test_no_feature_sees_the_origin_hour_or_later(history: History, origin_weeks: float) -> None:
    origin = int(origin_weeks * 168) + 7
    z, t, h = _rows(history, origin)
    before = _features(history, z, t, h)
    rng = np.random.default_rng(1)
    values = history.values.copy()
    values[:, origin:] = rng.uniform(0, 1e5, size=values[:, origin:].shape)
    values[0, origin + 3: origin + 40] = np.nan
    after = _features(History(history.zone_ids, history.start, values, history.timezone), z, t, h)
    assert before.keys() == after.keys()
    assert {"base", "w1_rel", "d1_rel", "last1_rel", "trans_mix_rel", "pred_mix_rel", "last1_w1", "trend3"} <= before.keys()
    for name in before:
        np.testing.assert_array_equal(before[name], after[name], err_msg=name)


def test_a_change_before_the_origin_does_change_the_lags(history: History) -> None:
    origin = 10 * 168
    z, t, h = _rows(history, origin)
    values = history.values.copy()
    values[:, origin - 1] *= 3
    before = FeatureBuilder(history, None).rows(z, t, h)
    after = FeatureBuilder(History(history.zone_ids, history.start, values, history.timezone), None).rows(z, t, h)
    assert not np.array_equal(before["last1"], after["last1"])


def test_seasonal_lags_are_the_values_whole_weeks_back(history: History) -> None:
    z = np.array([0, 1, 2])
    t = np.array([1700, 1800, 1900])
    f = FeatureBuilder(history, None).rows(z, t, np.array([1, 30, 168]))
    np.testing.assert_allclose(np.expm1(f["w1"]), history.values[z, t - 168])
    np.testing.assert_allclose(np.expm1(f["w2"]), history.values[z, t - 336])


def test_daily_lags_are_the_same_hour_on_the_last_days_before_the_origin(history: History) -> None:
    z = np.array([0, 1, 2])
    t = np.array([1700, 1800, 1900])
    h = np.array([1, 30, 168])
    f = FeatureBuilder(history, None).rows(z, t, h)
    first = (h + 23) // 24  # whole days back to the last same hour before the origin
    np.testing.assert_allclose(np.expm1(f["d1"]), history.values[z, t - 24 * first])
    np.testing.assert_allclose(np.expm1(f["d2"]), history.values[z, t - 24 * (first + 1)])
    days = np.stack([history.values[z, t - 24 * (first + k)] for k in range(7)])
    np.testing.assert_allclose(np.expm1(f["dmean7"]), np.expm1(np.log1p(days).mean(axis=0)))


def test_relative_features_are_differences_from_the_first_guess(history: History) -> None:
    builder = FeatureBuilder(history, None)
    z, t, h = _rows(history, 10 * 168)
    f = builder.rows(z, t, h)
    base = builder.base(f, z, t, h)
    rel = builder.relative(f, base)
    np.testing.assert_array_equal(rel["base"], base)
    np.testing.assert_allclose(rel["w1_rel"], f["w1"] - base)
    assert "w1" not in rel and "w3" not in rel  # seen only relative to the first guess
    np.testing.assert_array_equal(rel["last1"], f["last1"])
    np.testing.assert_array_equal(rel["hour"], f["hour"])


def test_neighbours_are_the_zones_moving_most_alike() -> None:
    rng = np.random.default_rng(0)
    shared, other = rng.normal(size=2000), rng.normal(size=2000)
    anomaly = np.vstack([shared + 0.3 * rng.normal(size=2000), shared + 0.3 * rng.normal(size=2000),
                         other, 0.5 * shared + other, np.full(2000, np.nan)])
    near = correlated_zones(anomaly, k=2)
    assert near[0].tolist() == [1, 3] and near[1].tolist() == [0, 3]
    assert near[2][0] == 3  # the mix of both is closest to the other signal too
    assert near[4].tolist() == [-1, -1]  # a zone without data has none
    assert correlated_zones(anomaly[:1], k=2).tolist() == [[-1, -1]]  # nor has a zone alone


def test_the_nowcast_reads_its_neighbours_last_hours(history: History) -> None:
    builder = FeatureBuilder(history, None, neighbours=np.array([[1, -1], [2, 0], [-1, -1]]))
    origin = 10 * 168
    z, h = np.array([0, 1, 2, 0]), np.array([1, 3, 1, 4])
    f = builder.rows(z, origin + h - 1, h)
    an = builder.anomaly
    np.testing.assert_allclose(f["nbr_an1"][:2], [an[1, origin - 1], (an[2, origin - 1] + an[0, origin - 1]) / 2])
    np.testing.assert_allclose(f["nbr_an_change"][0], an[1, origin - 1] - an[1, origin - 2])
    assert np.isnan(f["nbr_an1"][2]) and np.isnan(f["nbr_an1"][3])  # no neighbour; beyond 3 h


def test_horizons_beyond_a_week_are_refused(history: History) -> None:
    with pytest.raises(ValueError, match="horizons"):
        FeatureBuilder(history, None).rows(np.array([0]), np.array([2000]), np.array([169]))


def test_dutch_calendar_knows_kings_day_and_the_summer_school_holiday() -> None:
    hours = pd.date_range("2026-04-26 22:00", "2026-07-20 12:00", freq="h", tz="UTC")
    cal = calendar_features(hours, "Europe/Amsterdam", calendar_of("Europe/Amsterdam"))
    local = hours.tz_convert("Europe/Amsterdam")
    kings_day = local.normalize() == pd.Timestamp("2026-04-27", tz="Europe/Amsterdam")
    assert cal["holiday"][kings_day].all() and not cal["holiday"][~kings_day & (local.month == 4)].any()
    assert cal["hour"][kings_day][0] == 0  # 22:00 UTC is midnight in Amsterdam
    assert cal["school_holiday"][local.normalize() == pd.Timestamp("2026-07-20", tz="Europe/Amsterdam")].all()
    day_before = local.normalize() == pd.Timestamp("2026-04-26", tz="Europe/Amsterdam")
    assert (cal["days_to_holiday"][day_before] == 1).all()


def test_auckland_calendar_has_anniversary_day_and_no_school_category() -> None:
    cal = calendar_of("Pacific/Auckland")
    assert cal == HolidayCalendar("NZ", "AUK", ("public",))
    hours = pd.date_range("2025-01-26 12:00", periods=12, freq="h", tz="UTC")  # 27 Jan 01:00 NZDT on
    features = calendar_features(hours, "Pacific/Auckland", cal)
    assert features["holiday"].all()
    assert calendar_of("Asia/Tokyo") is None


def _fair(week: int, hours: int = 6) -> PlannedEvent:
    """'Fair' on the Saturday of ``week`` of the synthetic history, 10:00-16:00 UTC, zone z0."""
    start = pd.Timestamp("2026-01-05 00:00", tz="UTC") + pd.Timedelta(days=7 * week + 5, hours=10)
    return PlannedEvent(f"fair-{week}", "Fair", start.to_pydatetime(), (start + pd.Timedelta(hours=hours)).to_pydatetime(),
                        ("z0",), 5000)


def _with_fairs(history: History, weeks: tuple[int, ...], factor: float) -> History:
    """``history`` with the Fair in ``weeks`` and z0 ``factor`` times busier during each of them."""
    events = tuple(_fair(w) for w in weeks)
    values = history.values.copy()
    for event in events[:-1]:  # the last one lies ahead: what it brings is not known
        values[0, history.index_of(event.start):history.index_of(event.end)] *= factor
    return replace(history, values=values, events=events)


def _lift(fairs: History, z: int, t: int, h: int) -> tuple[float, dict[str, np.ndarray]]:
    """How much the event raises the first guess of (z, t, h), and the row's features."""
    rows = np.array([z]), np.array([t]), np.array([h])
    with_event, without = FeatureBuilder(fairs, None), FeatureBuilder(replace(fairs, events=()), None)
    f, g = with_event.rows(*rows), without.rows(*rows)
    return with_event.base(f, *rows)[0] - without.base(g, *rows)[0], f


def test_a_planned_event_moves_the_first_guess_as_it_did_its_earlier_times(history: History) -> None:
    fairs = _with_fairs(history, (3, 5, 8, 12), factor=3.0)
    start = fairs.index_of(fairs.events[-1].start)
    for t, h in ((start, 1), (start + 2, 24), (start + 2, 100)):  # nowcast of its first hour, days ahead
        lift, f = _lift(fairs, 0, t, h)
        assert f["event_analog"][0] == pytest.approx(np.log(3.0), abs=0.15)  # the mean of its last 3 times
        assert lift == pytest.approx(f["event_analog"][0])
    lift, f = _lift(fairs, 0, start + 3, 1)  # a nowcast whose last hour already saw the event
    assert lift == pytest.approx(f["event_analog"][0] - f["event_analog_last"][0])
    lift, f = _lift(fairs, 1, start, 5)  # a zone the event is not in
    assert np.isnan(f["event_analog"][0]) and lift == 0


def test_an_event_learns_only_from_times_that_ended_a_week_before_it_began(history: History) -> None:
    fairs = _with_fairs(history, (3, 12, 13), factor=3.0)  # week 12's Fair ends 6 days before week 13's
    builder = FeatureBuilder(fairs, None)
    start = fairs.index_of(fairs.events[-1].start)
    f = builder.rows(np.array([0]), np.array([start]), np.array([168]))
    anomaly_week3 = builder.anomaly[0, fairs.index_of(fairs.events[0].start)]
    assert f["event_analog"][0] == pytest.approx(anomaly_week3)
    first = builder.rows(np.array([0]), np.array([fairs.index_of(fairs.events[0].start)]), np.array([1]))
    assert np.isnan(first["event_analog"][0])  # nothing earlier to learn from


@pytest.mark.parametrize("origin_offset", [-100, 0, 3])
def test_no_event_feature_sees_the_origin_hour_or_later(history: History, origin_offset: int) -> None:
    fairs = _with_fairs(history, (3, 5, 8, 12), factor=3.0)
    origin = fairs.index_of(fairs.events[-1].start) + origin_offset
    z, t, h = _rows(fairs, origin)
    before = _features(fairs, z, t, h)
    values = fairs.values.copy()
    values[:, origin:] = np.random.default_rng(2).uniform(0, 1e5, size=values[:, origin:].shape)
    after = _features(replace(fairs, values=values), z, t, h)
    assert {"event_analog", "event_analog_last"} <= before.keys()
    for name in before:
        np.testing.assert_array_equal(before[name], after[name], err_msg=name)


def test_shape_drift_is_how_the_hour_outgrew_its_lagged_shape_a_year_before() -> None:
    """A year (52 weeks) before the target, evenings grew 5 % busier each week than the weeks
    before; the drift of an evening target says so, that of a noon target does not, the nowcast
    does not read it, and scrambling every hour from the origin on leaves it as it was."""
    hours = pd.date_range(START, periods=70 * 168, freq="h")
    local = hours.tz_convert("Europe/Amsterdam")
    week = np.arange(len(hours)) // 168
    evening = local.hour.to_numpy() == 20
    values = 100.0 * rhythm(hours) * np.where(evening & (week >= 6) & (week <= 20), 1.05 ** (week - 5), 1.0)
    history = History(("z0",), hours[0], np.round(values)[None, :], "Europe/Amsterdam")
    builder = FeatureBuilder(history, None)
    target = int(np.flatnonzero(evening & (week == 15))[0]) + 52 * 168  # a year after a grown week
    noon = target - 8
    z, t = np.zeros(3, dtype=np.int64), np.array([target, noon, target])
    h = np.array([24, 24, 2])
    drift = builder.rows(z, t, h)["shape_drift"]
    assert drift[0] > 0.2 and abs(drift[1]) < 0.05 and np.isnan(drift[2])
    scrambled = history.values.copy()
    scrambled[:, target - 23:] = 1e5
    later = FeatureBuilder(History(("z0",), hours[0], scrambled, "Europe/Amsterdam"), None)
    np.testing.assert_array_equal(later.rows(z, t, h)["shape_drift"], drift)
