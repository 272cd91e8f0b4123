"""Runtime: one site, one store, one clock; ingests batches and keeps the picture up to date.

The picture is recursive (the line-count balance carries state from one interval to the next),
so :meth:`Runtime.refresh` continues from the last stored state. When a late or corrected
observation arrives for an interval that was already computed, the picture is recomputed from
that interval on (at most :data:`MAX_RECOMPUTE_S` back), so stored states always follow the
latest raw data. Late data stored by another process sharing the store (an API worker started
with ``--no-refresh``, an MQTT consumer) is known through the store's dirty-since mark, which the
live refresh takes each round.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Iterable

import pandas as pd

from crowdsafety.domain import Site, ZoneState
from crowdsafety.ingest import IngestReport, ingest_rows
from crowdsafety.picture import compute_states
from crowdsafety.service.clock import Clock, SystemClock
from crowdsafety.store import Store

#: How far back a refresh recomputes at most (s); older late data is stored but not re-pictured.
MAX_RECOMPUTE_S = 24 * 3600
#: History handed to the health checks before the first computed interval (intervals).
HEALTH_WARMUP_INTERVALS = 24


class Runtime:
    """The service's state for one site (thread-safe)."""

    def __init__(self, site: Site, store: Store, clock: Clock | None = None):
        self.site = site
        self.store = store
        self.clock = clock or SystemClock()
        self._lock = threading.RLock()
        self._dirty_from: datetime | None = None
        self.log_lock = threading.RLock()  # orders this process's writers of the decision log

    def ingest(self, rows: Iterable[Any]) -> IngestReport:
        """Validate and store a batch; marks the picture dirty from the earliest interval stored."""
        rows = list(rows)
        report = ingest_rows(self.site, self.store, rows, now=self.clock.now())
        if report.inserted or report.corrections:
            self.mark_dirty(report.earliest)
        return report

    def ingest_frame(self, frame: pd.DataFrame) -> None:
        """Append an already-validated observation frame (replays of trusted generators)."""
        if len(frame):
            self.store.append_observations(frame)
            self.mark_dirty(frame["start"].min().to_pydatetime())

    def mark_dirty(self, since: datetime | None) -> None:
        if since is None:
            return
        with self._lock:
            if self._dirty_from is None or since < self._dirty_from:
                self._dirty_from = since

    def current_interval(self) -> datetime:
        """Start of the latest complete interval at the clock's now."""
        return self.floor(self.clock.now() - timedelta(seconds=self.site.interval_s))

    def live_interval(self, latest_data: datetime) -> datetime:
        """The last interval the live picture shows: the newest interval with data, while that
        is less than ``stale_after_intervals`` behind the clock (sensors deliver with a delay,
        and a picture ahead of its data would show every zone as missing); else the clock's."""
        current = self.current_interval()
        behind = (current - self.floor(latest_data)).total_seconds() / self.site.interval_s
        return self.floor(latest_data) if 0 <= behind < self.site.stale_after_intervals else current

    def floor(self, t: datetime) -> datetime:
        step = self.site.interval_s
        seconds = int(t.timestamp()) // step * step
        return datetime.fromtimestamp(seconds, timezone.utc)

    def refresh(
        self,
        progress: Callable[[int], None] | None = None,
        *,
        until: datetime | None = None,
        since: datetime | None = None,
    ) -> int:
        """Compute and store zone states up to ``until`` (default: the current interval).

        Continues from the last stored state, or from the earliest interval marked dirty when
        that is earlier (at most ``MAX_RECOMPUTE_S`` back); recomputes from ``since`` when given
        (no limit on how far back). The live refresh (neither ``until`` nor ``since``) also takes
        the store's dirty-since mark, so late data that other processes stored is re-pictured;
        when computing fails, the mark is kept for the next round. Returns the number of
        intervals computed.
        """
        with self._lock:
            if until is None and since is None:
                self.mark_dirty(self.store.take_dirty_since())
            span = self.store.observation_span()
            if span is None:
                return 0
            last = self.live_interval(span[1]) if until is None else self.floor(until)
            step = timedelta(seconds=self.site.interval_s)
            latest = self.store.latest_zone_states(last)
            resume = max((s.start for s in latest.values()), default=None)
            start = resume + step if resume is not None else self.floor(max(span[0], last - timedelta(seconds=MAX_RECOMPUTE_S)))
            if self._dirty_from is not None:
                start = min(start, self.floor(self._dirty_from))
            start = max(start, self.floor(last - timedelta(seconds=MAX_RECOMPUTE_S)))
            if since is not None:
                start = max(self.floor(since), self.floor(span[0]))
            end = last + step
            if start >= end:
                self._dirty_from = None
                return 0
            previous = self.store.latest_zone_states(start - step)
            previous = {z: s for z, s in previous.items() if s.start == start - step}
            warmup = step * max(HEALTH_WARMUP_INTERVALS, 2 * self.site.frozen_after_intervals)
            observations = self.store.observations(start=start - warmup, end=end)
            states, health = compute_states(
                self.site, observations, start=start, end=end, previous=previous or None, progress=progress
            )
            self.store.put_zone_states(states)
            self.store.put_sensor_health(health)
            self._dirty_from = None
            return int((end - start) / step)

    def latest_states(self, at: datetime | None = None) -> dict[str, ZoneState]:
        return self.store.latest_zone_states(at)
