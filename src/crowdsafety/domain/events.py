"""Planned events (fireworks, concerts, markets) as the forecast and the risk assessment see them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


class PlannedEventLike(Protocol):
    """A planned event over [start, end) (tz-aware) in ``zones``; visitors over the whole event."""

    @property
    def name(self) -> str: ...
    @property
    def start(self) -> datetime: ...
    @property
    def end(self) -> datetime: ...
    @property
    def zones(self) -> tuple[str, ...]: ...
    @property
    def expected_visitors(self) -> int: ...


@dataclass(frozen=True)
class PlannedEvent:
    """A planned event over [start, end) (tz-aware) in ``zones``; visitors over the whole event."""

    id: str
    name: str
    start: datetime
    end: datetime
    zones: tuple[str, ...]
    expected_visitors: int
