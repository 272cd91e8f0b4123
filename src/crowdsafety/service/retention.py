"""Retention: raw observations older than N days are deleted, aggregates kept, and the log says so.

Only the raw observations go (``Store.delete_observations_before``); zone states, sensor
health, forecasts, alerts and the decision log are kept. Each run appends a
``retention.applied`` entry to the decision log with the cutoff and the rows deleted.

Consequences to know before choosing N: the picture recomputes from raw data up to 24 h back
(late data) with two hours of health warm-up, hence at least :data:`MIN_RETENTION_DAYS`; the
forecaster reads line-counter passes (flow zones) and weather from raw observations for its
history (``ForecastSettings.history_days``), so a shorter retention shortens what it learns
from for those zones.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from crowdsafety.decide.log import SYSTEM, DecisionDraft
from crowdsafety.domain import CrowdSafetyError
from crowdsafety.domain.decision import DecisionEntry
from crowdsafety.service import audit
from crowdsafety.service.runtime import Runtime

#: Fewest days of raw observations kept (the picture's 24 h recompute window and its warm-up).
MIN_RETENTION_DAYS = 2
#: The decision-log action of a retention run.
RETENTION_ACTION = "retention.applied"
#: Role written in the log for a retention run.
RETENTION_ROLE = "data retention"
#: How long a scheduled run waits after a failure before trying again.
RETRY_AFTER = timedelta(hours=1)


@dataclass(frozen=True)
class RetentionResult:
    """``deleted`` raw observations starting before ``cutoff``, recorded as ``entry``."""

    cutoff: datetime
    deleted: int
    entry: DecisionEntry


def apply_retention(runtime: Runtime, days: int, *, now: datetime | None = None, actor: str = SYSTEM,
                    role: str = RETENTION_ROLE) -> RetentionResult:
    """Delete the raw observations starting more than ``days`` days before ``now`` (default:
    the runtime's clock) and log it as ``actor`` (``"system"`` or ``cli:<user>``) in ``role``."""
    check_days(days)
    now = now or runtime.clock.now()
    if now.tzinfo is None or now.utcoffset() is None:
        raise CrowdSafetyError(f"retention: now must carry a time zone, got {now.isoformat()}")
    cutoff = now - timedelta(days=days)
    deleted = runtime.store.delete_observations_before(cutoff)
    draft = DecisionDraft(
        at=now, site_id=runtime.site.id, who=actor, role=role, action=RETENTION_ACTION,
        reason=(f"retention of {days} days: {deleted} raw observations starting before {cutoff.isoformat()} "
                "deleted; zone states, forecasts, alerts and logs kept"),
        details={"days": days, "cutoff": cutoff.isoformat(), "deleted": deleted})
    return RetentionResult(cutoff, deleted, audit.append(runtime, draft))


def check_days(days: object) -> int:
    """``days`` if it is a whole number of at least :data:`MIN_RETENTION_DAYS`; else a clear error."""
    if isinstance(days, bool) or not isinstance(days, int):
        raise CrowdSafetyError(f"retention days must be a whole number, got {days!r}")
    if days < MIN_RETENTION_DAYS:
        raise CrowdSafetyError(f"retention days must be at least {MIN_RETENTION_DAYS} (the picture recomputes "
                               f"up to 24 h back from raw data), got {days}")
    return days


class DailyRetention:
    """Applies the ``retention_days`` setting once a day; call :meth:`run_if_due` from the
    service's refresh loop (cheap when not due). ``days`` None: keep everything, never runs."""

    def __init__(self, runtime: Runtime, days: int | None):
        self.runtime = runtime
        self.days = None if days is None else check_days(days)
        self._next: datetime | None = None

    def run_if_due(self) -> RetentionResult | None:
        """Apply retention when a day has passed since the last run (or none ran yet); after
        a failure the next try is :data:`RETRY_AFTER` later, and the error is raised."""
        if self.days is None:
            return None
        now = self.runtime.clock.now()
        if self._next is not None and now < self._next:
            return None
        self._next = now + RETRY_AFTER
        result = apply_retention(self.runtime, self.days, now=now)
        self._next = now + timedelta(days=1)
        return result
