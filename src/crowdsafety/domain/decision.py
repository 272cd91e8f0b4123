"""Decision support's value types, shared by the decide stage and the store: alerts and
decision-log entries. Every time is tz-aware UTC.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any

from crowdsafety.domain.levels import Level

#: ``prev_hash`` of the first entry of a decision log (sha256 hex of nothing before it).
GENESIS_HASH = "0" * 64


class AlertKind(str, Enum):
    """What raised an alert."""

    OBSERVED = "observed"  # a zone reached a level and held it for the minimum time
    EXPECTED = "expected"  # the forecast gives at least p chance of the level within the lead time
    SENSOR = "sensor"  # a sensor is stale, frozen, spiking or silent


class AlertStatus(str, Enum):
    """Where people are with an alert (the condition itself is ``AlertRecord.active``)."""

    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    CLOSED = "closed"


def _check_utc(name: str, moment: datetime | None) -> None:
    if moment is not None and (moment.tzinfo is None or moment.utcoffset() is None):
        raise ValueError(f"{name} must carry a time zone, got naive {moment.isoformat()}")


@dataclass(frozen=True)
class AlertRecord:
    """One alert episode of ``kind`` about ``subject`` (a zone id, or a sensor id for SENSOR).

    ``level``: the level now (held observed level, expected level, or how much a sensor outage
    matters); ``peak_level``: the highest in this episode; ``risk_level``: ``level`` raised by
    aggravating factors (``reasons`` say why). ``target_at``: for EXPECTED, the first interval
    the level is expected; ``probability``: 0-1 chance of ``level`` or worse within the lead
    time. ``active``: the condition still holds; ``cleared_at``: when it stopped.
    """

    id: str
    site_id: str
    kind: AlertKind
    subject: str
    zone_ids: tuple[str, ...]
    level: Level
    peak_level: Level
    risk_level: Level
    raised_at: datetime
    updated_at: datetime
    reasons: tuple[str, ...] = ()
    target_at: datetime | None = None
    probability: float | None = None
    status: AlertStatus = AlertStatus.OPEN
    active: bool = True
    cleared_at: datetime | None = None
    assignee: str | None = None

    def __post_init__(self) -> None:
        for name in ("raised_at", "updated_at", "target_at", "cleared_at"):
            _check_utc(name, getattr(self, name))
        if self.probability is not None and not 0.0 <= self.probability <= 1.0:
            raise ValueError(f"alert {self.id}: probability must be in [0, 1], got {self.probability}")


@dataclass(frozen=True)
class DecisionEntry:
    """One sealed entry of the append-only decision log.

    ``seq`` counts from 1; ``hash`` is sha256 hex of ``prev_hash`` + the canonical JSON of the
    other fields (see :mod:`crowdsafety.decide.log`). ``who``/``role``: the person (or
    ``"system"``) and their role; ``action``: what was done; ``reason``: why; ``details``: JSON
    values (levels, probabilities, assignee, ...).
    """

    seq: int
    at: datetime
    site_id: str
    who: str
    role: str
    action: str
    reason: str
    prev_hash: str
    hash: str
    alert_id: str | None = None
    measure_id: str | None = None
    details: dict[str, Any] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        _check_utc("at", self.at)
        if self.seq < 1:
            raise ValueError(f"decision seq must be >= 1, got {self.seq}")
