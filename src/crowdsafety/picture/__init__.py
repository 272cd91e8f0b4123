"""The picture stage: observations -> per-zone state (people, density, flow, level) and sensor health.

Handed a site and observation frames (``OBSERVATION_COLUMNS``); imports nothing but the domain.
:class:`PictureModel` indexes a site once; the functions below use the site's cached index.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime

import pandas as pd

from crowdsafety.domain import SensorHealth, Site, ZoneState
from crowdsafety.picture.fusion import fuse
from crowdsafety.picture.health import HealthLimits, assess_health
from crowdsafety.picture.model import PictureModel

__all__ = [
    "HealthLimits",
    "PictureModel",
    "assess_health",
    "compute_states",
    "estimate_interval",
    "fuse",
]


def estimate_interval(
    site: Site,
    observations: pd.DataFrame,
    *,
    start: datetime,
    previous: Mapping[str, ZoneState] | None,
    health: Mapping[str, SensorHealth],
) -> list[ZoneState]:
    """Every zone's state over [start, start + interval_s); see :meth:`PictureModel.estimate_interval`."""
    return PictureModel(site).estimate_interval(observations, start=start, previous=previous, health=health)


def compute_states(
    site: Site,
    observations: pd.DataFrame,
    *,
    start: datetime,
    end: datetime,
    previous: Mapping[str, ZoneState] | None = None,
    progress: Callable[[int], None] | None = None,
) -> tuple[list[ZoneState], list[SensorHealth]]:
    """States for [start, end) and the health at ``end``; see :meth:`PictureModel.compute_states`."""
    return PictureModel(site).compute_states(
        observations, start=start, end=end, previous=previous, progress=progress
    )
