"""Evaluating a period afterwards: orange/red episodes, how many were warned ahead and how long
ahead, false alarms, and the measures people logged.

An *episode* is an observed alert's stretch at ``from_level`` or above (from the changes of
:func:`~crowdsafety.decide.alerts.replay_alerts` or of the live service). It was *warned* when an
expected alert for its zone at ``from_level`` or above was raised before the episode started and
was still active within ``grace`` before that start; the lead is the time between. An expected
alert is a *false alarm* when no episode of its zone overlaps the time from its raising to its
end (its clearing, else its target time) plus ``grace``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from crowdsafety.decide.alerts import AlertChange, Change
from crowdsafety.decide.measures import MEASURE_ACTIONS
from crowdsafety.domain import Level
from crowdsafety.domain.decision import AlertKind, AlertRecord, DecisionEntry

GRACE = timedelta(hours=1)


@dataclass(frozen=True)
class Episode:
    """A zone at ``from_level`` or above over [start, end) (end None: still going at the period's
    end); ``peak`` level; ``warned_at``: when the earliest fitting expected alert was raised."""

    zone_id: str
    peak: Level
    start: datetime
    end: datetime | None
    warned_at: datetime | None = None

    @property
    def lead_min(self) -> float | None:
        """Minutes the warning came ahead of the start."""
        return None if self.warned_at is None else (self.start - self.warned_at).total_seconds() / 60


@dataclass(frozen=True)
class Evaluation:
    """The evaluation of [start, end)."""

    start: datetime
    end: datetime
    episodes: tuple[Episode, ...]
    false_alarms: tuple[AlertRecord, ...]
    measures: tuple[DecisionEntry, ...]

    @property
    def warned(self) -> int:
        return sum(e.warned_at is not None for e in self.episodes)


def episodes_from_changes(changes: Iterable[AlertChange], from_level: Level = Level.ORANGE) -> list[Episode]:
    """Stretches of observed alerts at ``from_level`` or above, in start order."""
    open_: dict[str, Episode] = {}
    done: list[Episode] = []
    for c in changes:
        a = c.alert
        if a.kind is not AlertKind.OBSERVED or c.change is Change.UPDATED:
            continue
        at = a.updated_at
        high = a.active and a.level.rank >= from_level.rank
        current = open_.get(a.id)
        if high and current is None:
            open_[a.id] = Episode(a.subject, a.level, at, None)
        elif high and current is not None and a.level.rank > current.peak.rank:
            open_[a.id] = Episode(current.zone_id, a.level, current.start, None)
        elif not high and current is not None:
            done.append(Episode(current.zone_id, current.peak, current.start, at))
            del open_[a.id]
    return sorted(done + list(open_.values()), key=lambda e: (e.start, e.zone_id))


def final_alerts(changes: Iterable[AlertChange], kind: AlertKind = AlertKind.EXPECTED) -> list[AlertRecord]:
    """The last state of every alert of ``kind`` in ``changes``, in raising order."""
    last: dict[str, AlertRecord] = {}
    for c in changes:
        if c.alert.kind is kind:
            last[c.alert.id] = c.alert
    return sorted(last.values(), key=lambda a: (a.raised_at, a.id))


def evaluate_period(episodes: Sequence[Episode], expected: Sequence[AlertRecord], log: Iterable[DecisionEntry],
                    *, start: datetime, end: datetime, from_level: Level = Level.ORANGE,
                    grace: timedelta = GRACE) -> Evaluation:
    """Match ``episodes`` starting in [start, end) with the ``expected`` alerts (raised before
    ``end``), and collect the measure actions logged in the period."""
    warnings = [a for a in expected if a.kind is AlertKind.EXPECTED and a.peak_level.rank >= from_level.rank]
    matched = []
    for e in (e for e in episodes if start <= e.start < end):
        fitting = [a for a in warnings if a.subject == e.zone_id and a.raised_at < e.start
                   and (a.cleared_at is None or a.cleared_at >= e.start - grace)]
        warned_at = min((a.raised_at for a in fitting), default=None)
        matched.append(Episode(e.zone_id, e.peak, e.start, e.end, warned_at))
    false_alarms = []
    for a in warnings:
        if not start <= a.raised_at < end:
            continue
        until = (a.cleared_at or a.target_at or a.raised_at) + grace
        if not any(e.zone_id == a.subject and e.start <= until and (e.end is None or e.end >= a.raised_at)
                   for e in episodes):
            false_alarms.append(a)
    measures = tuple(d for d in log if d.action in MEASURE_ACTIONS and start <= d.at < end)
    return Evaluation(start, end, tuple(matched), tuple(false_alarms), measures)
