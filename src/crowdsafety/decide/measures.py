"""Measures due for an alert: the playbook's measures of its zone and level, with when each has
to start so that it is in place in time (its lead time before the expected level), and how far
people have got with it (from the decision log)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from crowdsafety.decide.playbook import Measure, Playbook
from crowdsafety.domain.decision import AlertKind, AlertRecord, DecisionEntry

#: Log actions that move a measure on, and the state they move it to.
MEASURE_ACTIONS = {"measure-started": "started", "measure-done": "done"}


class MeasureState(str, Enum):
    PENDING = "pending"
    STARTED = "started"
    DONE = "done"


@dataclass(frozen=True)
class MeasureDue:
    """``measure`` of an alert: start it at ``due_at`` (``due_now`` when that has come);
    ``state`` with who moved it last (``by``) and when (``at``)."""

    measure: Measure
    owner_name: str
    due_at: datetime
    due_now: bool
    state: MeasureState = MeasureState.PENDING
    by: str | None = None
    at: datetime | None = None


def measures_due(alert: AlertRecord, playbook: Playbook, now: datetime,
                 log: Iterable[DecisionEntry] = ()) -> list[MeasureDue]:
    """The measures of ``alert`` (up to its peak level, cumulative), by due time then level.

    An expected alert's measure is due ``lead_time_min`` before ``target_at``; an observed
    alert's measures are due when it was raised (a long lead time means it is late already).
    Sensor alerts have no measures.
    """
    if alert.kind is AlertKind.SENSOR:
        return []
    progress: dict[str, DecisionEntry] = {}
    for entry in log:
        if entry.alert_id == alert.id and entry.action in MEASURE_ACTIONS and entry.measure_id:
            progress[entry.measure_id] = entry
    out = []
    for m in playbook.measures_for(alert.subject, alert.peak_level):
        due = _due_at(alert, m)
        done = progress.get(m.id)
        out.append(MeasureDue(
            measure=m, owner_name=playbook.owners.get(m.owner, m.owner), due_at=due, due_now=now >= due,
            state=MeasureState(MEASURE_ACTIONS[done.action]) if done else MeasureState.PENDING,
            by=done.who if done else None, at=done.at if done else None,
        ))
    return sorted(out, key=lambda d: (d.due_at, d.measure.level.rank))


def _due_at(alert: AlertRecord, measure: Measure) -> datetime:
    if alert.kind is AlertKind.EXPECTED and alert.target_at is not None:
        return alert.target_at - timedelta(minutes=measure.lead_time_min)
    return alert.raised_at
