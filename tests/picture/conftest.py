"""Shared small sites for the picture tests."""

from __future__ import annotations

import pytest

from crowdsafety.domain import Site

from .builders import sensor, site, zone


@pytest.fixture(scope="session")
def beach() -> Site:
    """One 2,000 m² zone with a counting camera and a calibrated wifi sensor."""
    return site(
        [zone("beach", area=2000.0)],
        [sensor("cam", "zone_count", "beach"),
         sensor("wifi", "device_count", "beach", calibration=2.0, reliability=0.2),
         sensor("weather", "weather")],
    )


@pytest.fixture(scope="session")
def square() -> Site:
    """A count-graded square with an entrance line counter only; re-anchors at 05:00 to 30."""
    return site(
        [zone("square", area=500.0, basis="count", night_baseline=30.0)],
        [sensor("gate", "line_count", "square", direction="in")],
        night_reset_hour=5,
    )
