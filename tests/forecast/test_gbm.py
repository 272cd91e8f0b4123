"""The default model on a small synthetic history: ordered quantiles, better than seasonal naive."""

from __future__ import annotations

import numpy as np
import pytest

from crowdsafety.forecast import GBMConfig, GlobalGBM, History, Requests, SeasonalNaive

SMALL = GBMConfig(max_rows=20_000, max_calibration_rows=10_000, rounds=40, leaves=15, min_data_in_leaf=20,
                  calibration_days=14, threads=1,
                  group_settings=(((1, 1), (("rounds", 60), ("learning_rate", 0.16))),
                                  ((2, 3), (("feature_fraction", 0.5),))))


@pytest.fixture(scope="module")
def fitted(history: History) -> GlobalGBM:
    model = GlobalGBM(None, SMALL)
    model.fit(history, 12 * 168)
    return model


def test_quantiles_are_ordered_for_every_horizon(fitted: GlobalGBM, history: History) -> None:
    requests = Requests.grid(3, [12 * 168 + 6], range(1, 169))
    forecasts = fitted.predict(history, requests)
    assert forecasts.values.shape == (3 * 168, 7)
    assert np.isfinite(forecasts.values).all()
    assert (np.diff(forecasts.values, axis=1) >= 0).all()
    assert (forecasts.values >= 0).all()


def test_beats_seasonal_naive_on_noisy_rhythm(fitted: GlobalGBM, history: History) -> None:
    origins = np.arange(12 * 168, 13 * 168, 24)
    requests = Requests.grid(3, origins, range(1, 25))
    actual = history.values[requests.zone, requests.target]
    naive = SeasonalNaive()
    naive.fit(history, 12 * 168)
    model_mae = np.mean(np.abs(fitted.predict(history, requests).median - actual))
    naive_mae = np.mean(np.abs(naive.predict(history, requests).median - actual))
    assert model_mae < 0.9 * naive_mae


def test_fitting_ignores_everything_after_its_end(history: History) -> None:
    values = history.values.copy()
    values[:, 12 * 168:] = 1e6
    changed = History(history.zone_ids, history.start, values, history.timezone)
    a, b = GlobalGBM(None, SMALL), GlobalGBM(None, SMALL)
    a.fit(history, 12 * 168)
    b.fit(changed, 12 * 168)
    requests = Requests.grid(3, [11 * 168], range(1, 30))
    np.testing.assert_allclose(a.predict(history, requests).values, b.predict(history, requests).values)


def test_too_short_a_history_is_refused(history: History) -> None:
    with pytest.raises(ValueError, match="too little history"):
        GlobalGBM(None, SMALL).fit(history, 20 * 24)


def test_a_horizon_group_learns_the_same_without_the_others(history: History) -> None:
    """Each group draws its own rows: dropping a group changes no other group's forecast."""
    both = GlobalGBM(None, SMALL)
    both.fit(history, 12 * 168)
    alone = GlobalGBM(None, GBMConfig(**{**SMALL.__dict__, "groups": ((4, 24),)}))
    alone.fit(history, 12 * 168)
    requests = Requests.grid(3, [12 * 168 + 6], range(4, 25))
    np.testing.assert_array_equal(both.predict(history, requests).values, alone.predict(history, requests).values)


def test_each_group_trains_with_its_own_settings(fitted: GlobalGBM) -> None:
    first = {group: f.boosters[0] for group, f in fitted._fitted.items()}
    trained = {group: (b.num_trees(), b.params["learning_rate"], b.params["feature_fraction"])
               for group, b in first.items()}
    assert trained == {(1, 1): (60, 0.16, 0.8), (2, 3): (40, 0.08, 0.5), (4, 24): (40, 0.08, 0.8),
                       (25, 168): (40, 0.08, 0.8)}


def test_members_train_on_their_own_rows_and_forecast_their_mean(history: History) -> None:
    """Two members of a group are two different models; the group's point forecast is the mean of
    their log forecasts, and the first member is the model a group of one would train."""
    one = GBMConfig(**{**SMALL.__dict__, "groups": ((4, 24),)})
    two = GBMConfig(**{**one.__dict__, "members": 2})
    single, pair = GlobalGBM(None, one), GlobalGBM(None, two)
    single.fit(history, 12 * 168)
    pair.fit(history, 12 * 168)
    boosters = pair._fitted[(4, 24)].boosters
    assert len(boosters) == 2 and len(single._fitted[(4, 24)].boosters) == 1
    requests = Requests.grid(3, [12 * 168 + 6], range(4, 25))
    builder = pair._builder_for(history)
    names = pair._fitted[(4, 24)].features
    each = [pair._point([b], names, builder, requests) for b in boosters]
    assert not np.allclose(each[0], each[1])
    np.testing.assert_allclose(pair._point(boosters, names, builder, requests), np.sqrt(each[0] * each[1]))
    np.testing.assert_array_equal(each[0], single._point(single._fitted[(4, 24)].boosters, names, builder, requests))


def test_settings_of_an_unknown_field_are_refused() -> None:
    with pytest.raises(ValueError, match=r"group_settings of \(1, 1\): unknown field\(s\) round"):
        GBMConfig(group_settings=(((1, 1), (("round", 600),)),))


@pytest.mark.parametrize(("settings", "message"), [
    ((((1, 1), (("rounds", 600),)), ((1, 1), (("leaves", 63),))), r"\(1, 1\) listed more than once"),
    ((((2, 3), (("rounds", "600"),)),), r"group_settings of \(2, 3\): rounds = '600' is not an integer"),
    ((((2, 3), (("max_rows", 1.5e5),)),), r"max_rows = 150000.0 is not an integer"),
    ((((4, 24), (("learning_rate", None),)),), r"learning_rate = None is not a number"),
    ((((4, 24), (("members", 0),)),), r"group_settings of \(4, 24\): members = 0: a horizon group needs at least one"),
])
def test_settings_listed_twice_or_of_a_wrong_type_are_refused(settings, message) -> None:
    with pytest.raises(ValueError, match=message):
        GBMConfig(group_settings=settings)


def test_a_whole_number_is_a_valid_rate() -> None:
    assert GBMConfig(group_settings=(((1, 1), (("learning_rate", 1),)),)).for_group((1, 1)).learning_rate == 1


def test_a_group_of_no_models_is_refused() -> None:
    with pytest.raises(ValueError, match="members = 0: a horizon group needs at least one model"):
        GBMConfig(members=0)
