"""What the public may see of the picture: per zone the held colour level and a suppressed count.

The open-data view a city publishes (``GET /api/v1/public/zones``). Levels are the ones the
public advice uses: green while a zone has fresh data, the level of an observed alert once one
holds (so the public view does not flap), unknown without fresh data. The count of people is
:func:`~crowdsafety.domain.privacy.suppress`-ed: nothing below ``k``, the rest rounded. Neither
density nor flow is published: with the zone's area, a density would give the count back.
Counts are per zone only (no group totals, which would let a suppressed zone be computed from
its group's total minus its neighbours).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from crowdsafety.domain import Level
from crowdsafety.domain.decision import AlertKind
from crowdsafety.domain.privacy import PRIVACY_K, suppress
from crowdsafety.service.runtime import Runtime


@dataclass(frozen=True)
class PublicZone:
    """One zone as published: ``level`` None when unknown, ``people`` None when suppressed or unknown."""

    zone_id: str
    name: str
    group: str | None
    level: Level | None
    people: int | None


def held_levels(runtime: Runtime, now: datetime) -> dict[str, Level | None]:
    """Per zone id with stored states: the level shown to the public at ``now`` (None: no fresh data)."""
    site, store = runtime.site, runtime.store
    levels: dict[str, Level | None] = {}
    for zone_id, state in store.latest_zone_states(now).items():
        levels[zone_id] = Level.GREEN if state.level is not None and _fresh(runtime, state.start, now) else None
    for alert in store.alerts(active=True):
        if alert.kind is AlertKind.OBSERVED and levels.get(alert.subject) is not None:
            levels[alert.subject] = alert.level
    return {z.id: levels.get(z.id) for z in site.zones}


def public_zones(runtime: Runtime, *, k: int = PRIVACY_K, now: datetime | None = None) -> list[PublicZone]:
    """Every zone of the site, in site order, as the public may see it at ``now`` (default: the clock)."""
    now = now or runtime.clock.now()
    levels = held_levels(runtime, now)
    states = runtime.store.latest_zone_states(now)
    out = []
    for zone in runtime.site.zones:
        state = states.get(zone.id)
        people = state.people if state is not None and _fresh(runtime, state.start, now) else None
        out.append(PublicZone(zone.id, zone.name, zone.group, levels[zone.id], suppress(people, k)))
    return out


def _fresh(runtime: Runtime, start: datetime, now: datetime) -> bool:
    """Whether a state of the interval from ``start`` is recent enough to show at ``now``."""
    site = runtime.site
    return start >= now - timedelta(seconds=site.interval_s * (site.stale_after_intervals + 1))
