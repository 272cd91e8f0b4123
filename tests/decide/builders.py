"""Builders for the decide tests: the Scheveningen folder and zone-state series."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path

from crowdsafety.domain import DataStatus, Site, ZoneState

SCHEVENINGEN = Path(str(resources.files("crowdsafety") / "demo_sites" / "scheveningen"))
T0 = datetime(2026, 7, 5, 12, 0, tzinfo=UTC)
STEP = timedelta(minutes=5)


def series(site: Site, zone_id: str, densities: list[float | None], start: datetime = T0) -> list[ZoneState]:
    """States of ``zone_id`` every 5 min from ``start`` with these densities (None: no data)."""
    zone = site.zone(zone_id)
    out = []
    for i, d in enumerate(densities):
        level = None if d is None else zone.thresholds.level(d)
        out.append(ZoneState(zone_id=zone_id, start=start + i * STEP, interval_s=300,
                             people=None if d is None else d * zone.area_m2, density=d, level=level,
                             service_level=None, status=DataStatus.NO_DATA if d is None else DataStatus.OK))
    return out
