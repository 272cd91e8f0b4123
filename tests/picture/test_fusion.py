import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from crowdsafety.picture.fusion import fuse, fuse_by_zone, measurement_variance

estimates = st.lists(
    st.tuples(st.floats(0, 1e5, allow_nan=False), st.floats(0.01, 1e4, allow_nan=False)), min_size=1, max_size=8
)


def test_inverse_variance_weighting():
    people, sd = fuse([100.0, 200.0], [10.0, 20.0])
    # weights 1/100 and 1/400: (100/100 + 200/400) / (1/100 + 1/400) = 120
    assert people == pytest.approx(120.0)
    assert sd == pytest.approx((1 / (1 / 100 + 1 / 400)) ** 0.5)


@given(estimates)
def test_fused_lies_between_inputs_and_is_at_least_as_sure(pairs):
    people, sds = zip(*pairs, strict=True)
    fused, sd = fuse(list(people), list(sds))
    assert min(people) <= fused <= max(people)
    assert sd <= min(sds)


def test_fuse_by_zone_groups_and_marks_empty_zones():
    people, variance, count = fuse_by_zone(
        np.array([10.0, 30.0, 50.0]), np.array([1.0, 1.0, 4.0]), np.array([0, 0, 2]), 3
    )
    assert people[0] == pytest.approx(20.0) and people[2] == 50.0 and np.isnan(people[1])
    assert variance[0] == pytest.approx(0.5) and np.isnan(variance[1])
    assert count.tolist() == [2, 0, 1]


def test_measurement_variance_has_a_floor():
    assert measurement_variance(0.0, 0.05) == 1.0


@pytest.mark.parametrize("people, sd", [([], []), ([1.0], [0.0]), ([1.0, 2.0], [1.0])])
def test_fuse_rejects_bad_input(people, sd):
    with pytest.raises(ValueError):
        fuse(people, sd)
