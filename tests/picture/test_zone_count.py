import numpy as np
import pytest

from crowdsafety.picture.zone_count import DEFAULT_RELIABILITY, reliability, zone_count_estimate

from .builders import sensor


def test_count_is_people_with_relative_variance_plus_floor():
    people, variance = zone_count_estimate(np.array([200.0, 0.0]), reliability=0.05)
    assert people.tolist() == [200.0, 0.0]
    assert variance.tolist() == pytest.approx([(0.05 * 200) ** 2 + 1, 1.0])


def test_share_splits_a_count_over_zones():
    people, _ = zone_count_estimate(300.0, share=np.array([2 / 3, 1 / 3]))
    assert people.tolist() == pytest.approx([200.0, 100.0])


def test_default_reliability_when_sensor_states_none():
    assert reliability(sensor("cam", "zone_count", "z")) == DEFAULT_RELIABILITY == 0.05
    assert reliability(sensor("cam", "zone_count", "z", reliability=0.1)) == 0.1
