"""Expected levels: the forecast's chance of a level or worse within the lead time that matters.

A zone is expected to reach L (from ``expected_from`` up) when some target interval in
(at, at + lookahead] has P(level >= L) >= ``expected_probability``, where the lookahead is the
longest lead time of L's measures for that zone. An expected level already alerted is kept
while the chance stays above the probability minus ``probability_margin`` (hysteresis).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from crowdsafety.decide.playbook import Playbook
from crowdsafety.domain import Level


@dataclass(frozen=True)
class ZoneOutlook:
    """The forecast for one zone and target interval starting at ``start``: ``p_at_least[L]``
    is the chance (0-1) of level L or worse; a missing level counts as 0. ``issued_at``: when
    the forecast was made."""

    zone_id: str
    start: datetime
    p_at_least: Mapping[Level, float]
    issued_at: datetime | None = None

    def p(self, level: Level) -> float:
        if level is Level.GREEN:
            return 1.0
        return float(self.p_at_least.get(level, 0.0))


@dataclass(frozen=True)
class Expectation:
    """``level`` expected first at ``target_at``; ``probability``: the highest chance (0-1) of it or
    worse within the ``lookahead_min`` minutes looked ahead."""

    level: Level
    target_at: datetime
    probability: float
    lookahead_min: int


def expected_level(zone_id: str, outlooks: Sequence[ZoneOutlook], at: datetime, playbook: Playbook,
                   held: Level | None = None) -> Expectation | None:
    """The highest level expected for ``zone_id`` after ``at``, or None; ``held``: the level of
    the zone's active expected alert, kept with the probability margin."""
    if not outlooks:
        return None
    rules = playbook.alerts
    for level in sorted((lv for lv in Level if lv.rank >= rules.expected_from.rank), key=lambda lv: -lv.rank):
        lookahead = playbook.lookahead_min(zone_id, level)
        end = at + timedelta(minutes=lookahead)
        window = sorted((o for o in outlooks if o.zone_id == zone_id and at < o.start <= end), key=lambda o: o.start)
        keep = held is not None and held.rank >= level.rank
        threshold = rules.expected_probability - (rules.probability_margin if keep else 0.0)
        hits = [o for o in window if o.p(level) >= threshold]
        if hits:
            return Expectation(level, hits[0].start, max(o.p(level) for o in window), lookahead)
    return None


def outlooks_by_zone(outlooks: Sequence[ZoneOutlook]) -> Mapping[str, list[ZoneOutlook]]:
    """Outlooks grouped per zone id."""
    grouped: dict[str, list[ZoneOutlook]] = {}
    for o in outlooks:
        grouped.setdefault(o.zone_id, []).append(o)
    return grouped
