import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from crowdsafety.domain import DENSITY_LOS, FLOW_LOS, LevelBasis, LevelThresholds
from crowdsafety.domain.levels import service_level
from crowdsafety.picture import levels

bounds = [*DENSITY_LOS, *FLOW_LOS, 100.0, 200.0, 300.0]
edgy = st.lists(st.sampled_from(bounds) | st.floats(0, 500, allow_nan=False), min_size=1, max_size=20)


@given(edgy)
def test_level_codes_match_the_domain_thresholds(xs):
    thresholds = [LevelThresholds.fruin_density(), LevelThresholds(LevelBasis.COUNT, 100, 200, 300),
                  LevelThresholds.fruin_flow()]
    for basis, t in enumerate(thresholds):
        x = np.array(xs)
        codes = levels.level_codes(
            np.full(len(x), basis), x, x, x, np.tile([t.yellow, t.orange, t.red], (len(x), 1))
        )
        assert [levels.LEVELS[c] for c in codes] == [t.level(v) for v in xs]


@given(edgy)
def test_service_levels_match_fruin(xs):
    x = np.array(xs)
    by_density = levels.service_level_codes(x, np.full(len(x), np.nan), np.zeros(len(x), dtype=bool))
    by_flow = levels.service_level_codes(np.full(len(x), np.nan), x, np.ones(len(x), dtype=bool))
    assert [levels.SERVICE_LEVELS[c] for c in by_density] == [service_level(v, DENSITY_LOS) for v in xs]
    assert [levels.SERVICE_LEVELS[c] for c in by_flow] == [service_level(v, FLOW_LOS) for v in xs]


def test_unknown_values_have_no_level():
    nan = np.array([np.nan])
    assert levels.level_codes(np.array([0]), nan, nan, nan, np.array([[1.0, 2.0, 3.0]])).tolist() == [-1]
    assert levels.service_level_codes(nan, nan, np.array([False])).tolist() == [-1]


def test_flow_zone_without_a_flow_falls_back_to_density():
    codes = levels.service_level_codes(np.array([0.5]), np.array([np.nan]), np.array([True]))
    assert levels.SERVICE_LEVELS[codes[0]] == service_level(0.5, DENSITY_LOS)


def test_density():
    assert levels.density(np.array([500.0]), np.array([1000.0])).tolist() == [0.5]
