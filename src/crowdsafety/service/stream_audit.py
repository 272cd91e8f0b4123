"""The audit trail of a sensor stream (MQTT): one log entry a minute per consumer, not per batch.

A stream consumer writes a batch every 50 ms under load; an entry per batch would bury the
decisions in the log. :class:`AuditedIngest` ingests like ``Runtime.ingest`` and adds up what
was stored; once ``every_s`` has passed since its last entry (checked at each batch) and when
the consumer stops, it writes one entry with the totals, signed by the consumer.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, Iterable

from crowdsafety.ingest import IngestReport
from crowdsafety.service import audit
from crowdsafety.service.runtime import Runtime

#: Seconds between a stream's audit entries (at most; none while nothing is stored).
EVERY_S = 60.0


class AuditedIngest:
    """``Runtime.ingest`` for ``actor`` (e.g. ``mqtt crowdsafety-scheveningen-ingest``)."""

    def __init__(self, runtime: Runtime, actor: str, *, role: str = "sensor stream", every_s: float = EVERY_S,
                 monotonic: Callable[[], float] = time.monotonic):
        self.runtime, self.actor, self.role, self.every_s = runtime, actor, role, every_s
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._since = monotonic()
        self._totals = self._zero()

    def __call__(self, rows: Iterable[Any]) -> IngestReport:
        report = self.runtime.ingest(rows)
        with self._lock:
            t = self._totals
            t["batches"] += 1
            for name in ("received", "inserted", "duplicates", "corrections"):
                t[name] += getattr(report, name)
            t["rejected"] += len(report.rejected)
            due = self._monotonic() - self._since >= self.every_s
        if due:
            self.flush()
        return report

    def flush(self) -> None:
        """Write the entry for what was stored since the last one (nothing when nothing was)."""
        with self._lock:
            totals, self._totals, self._since = self._totals, self._zero(), self._monotonic()
        if totals["inserted"] or totals["corrections"]:
            audit.record(self.runtime, who=self.actor, role=self.role, action="observations.ingested",
                         reason=f"{totals['inserted'] + totals['corrections']} rows stored from "
                                f"{totals['batches']} batches of the stream",
                         details=totals)

    @staticmethod
    def _zero() -> dict[str, int]:
        return dict.fromkeys(("batches", "received", "inserted", "duplicates", "corrections", "rejected"), 0)
