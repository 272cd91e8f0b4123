"""Level probabilities from quantiles: they sum to one and follow the thresholds."""

from __future__ import annotations

import numpy as np
import pytest

from crowdsafety.forecast import level_probabilities

LEVELS = (0.1, 0.5, 0.9)
BOUNDS = np.array([[100.0, 200.0, 300.0]])


@pytest.mark.parametrize("quantiles", [[10, 20, 30], [90, 150, 260], [180, 250, 400], [500, 600, 900], [0, 0, 0],
                                       [150, 150, 150]])
def test_probabilities_sum_to_one(quantiles: list[float]) -> None:
    p = level_probabilities(np.array([quantiles], float), LEVELS, BOUNDS)
    assert p.shape == (1, 4)
    assert (p >= 0).all()
    assert p.sum() == pytest.approx(1.0)


def test_far_below_or_above_the_bounds_is_certain() -> None:
    p = level_probabilities(np.array([[10.0, 20.0, 30.0], [900.0, 1000.0, 1100.0]]), LEVELS, np.vstack([BOUNDS] * 2))
    assert p[0, 0] == pytest.approx(1.0)
    assert p[1, 3] == pytest.approx(1.0)


def test_median_on_the_orange_bound_gives_half_a_chance_of_orange_or_worse() -> None:
    p = level_probabilities(np.array([[150.0, 200.0, 260.0]]), LEVELS, BOUNDS)
    assert p[0, 2:].sum() == pytest.approx(0.5, abs=1e-4)


def test_higher_forecast_means_higher_chance_of_red() -> None:
    rows = np.array([[100.0, 200.0, 300.0], [150.0, 250.0, 350.0], [200.0, 300.0, 400.0]])
    red = level_probabilities(rows, LEVELS, np.vstack([BOUNDS] * 3))[:, 3]
    assert red[0] < red[1] < red[2]
