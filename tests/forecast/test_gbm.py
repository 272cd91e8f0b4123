"""The default model on a small synthetic history: ordered quantiles, better than seasonal naive."""

from __future__ import annotations

import numpy as np
import pytest

from crowdsafety.forecast import GBMConfig, GlobalGBM, History, Requests, SeasonalNaive

SMALL = GBMConfig(max_rows=20_000, max_calibration_rows=10_000, rounds=40, leaves=15, min_data_in_leaf=20,
                  calibration_days=14, threads=1)


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


def test_groups_may_see_another_share_of_the_columns(fitted: GlobalGBM) -> None:
    fractions = {group: f.booster.params["feature_fraction"] for group, f in fitted._fitted.items()}
    assert fractions == {(1, 1): 0.8, (2, 3): 0.5, (4, 24): 0.5, (25, 168): 0.8}
