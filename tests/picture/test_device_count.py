import pytest

from crowdsafety.picture.device_count import calibration, device_count_estimate, reliability

from .builders import sensor


def test_devices_times_calibration():
    people, variance = device_count_estimate(40.0, calibration=2.5, reliability=0.25)
    assert float(people) == 100.0
    assert float(variance) == pytest.approx((0.25 * 100) ** 2 + 1)


def test_share_of_a_multi_zone_sensor():
    people, _ = device_count_estimate(40.0, calibration=2.5, share=0.5)
    assert float(people) == 50.0


def test_defaults():
    bare = sensor("wifi", "device_count", "z")
    assert reliability(bare) == 0.25
    assert calibration(bare) == 1.0
    assert calibration(sensor("wifi", "device_count", "z", calibration=3.0)) == 3.0
