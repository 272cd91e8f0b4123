"""Planned events (fireworks, concerts, markets) as the forecast and the risk assessment see them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class PlannedEvent:
    """A planned event over [start, end) (tz-aware) in ``zones``; visitors over the whole event."""

    id: str
    name: str
    start: datetime
    end: datetime
    zones: tuple[str, ...]
    expected_visitors: int
