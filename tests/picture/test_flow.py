import pytest

from crowdsafety.picture.flow import WALKING_SPEED_MS, flow_rate, littles_law_presence, presence_reliability

from .builders import sensor


def test_flow_rate_in_persons_per_metre_per_minute():
    # 3,600 passes in an hour through 6 m: 60 per minute, 10 per metre per minute.
    assert float(flow_rate(3600, interval_s=3600, width_m=6.0)) == pytest.approx(10.0)


def test_littles_law_presence():
    # 1 person/s arriving, 134 m to walk at 1.34 m/s: 100 s each, so 100 present.
    assert WALKING_SPEED_MS == 1.34
    assert float(littles_law_presence(900, interval_s=900, length_m=134.0)) == pytest.approx(100.0)


def test_presence_reliability_includes_the_walking_speed_assumption():
    assert presence_reliability(sensor("p", "line_count", "z")) == pytest.approx((0.03**2 + 0.25**2) ** 0.5)
    assert presence_reliability(sensor("p", "line_count", "z", reliability=0.0)) == pytest.approx(0.25)
