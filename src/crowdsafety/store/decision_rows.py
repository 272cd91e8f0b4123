"""Rows of the alerts and decision-log tables as every backend reads and writes them."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC
from typing import Any

from crowdsafety.domain import Level
from crowdsafety.domain.decision import AlertKind, AlertRecord, AlertStatus, DecisionEntry

ALERT_COLUMNS = (
    "id", "site_id", "kind", "subject", "zone_ids", "level", "peak_level", "risk_level", "raised_at",
    "updated_at", "reasons", "target_at", "probability", "status", "active", "cleared_at", "assignee",
)
LOG_COLUMNS = (
    "seq", '"at"', "site_id", "who", "role", "action", "alert_id", "measure_id", "reason", "details",
    "prev_hash", "hash",
)


def alert_to_row(alert: AlertRecord) -> list[Any]:
    """``alert`` as a row of ``ALERT_COLUMNS``: enums as text, tuples as lists."""
    row = [getattr(alert, c) for c in ALERT_COLUMNS]
    row = [v.value if isinstance(v, (Level, AlertKind, AlertStatus)) else v for v in row]
    row[4], row[10] = list(alert.zone_ids), list(alert.reasons)
    return row


def alert_from_row(row: Sequence[Any]) -> AlertRecord:
    """An alert from a row of ``ALERT_COLUMNS`` (enums as text, lists, tz-aware times)."""
    f = dict(zip(ALERT_COLUMNS, row))
    return AlertRecord(
        **{
            **f,
            "kind": AlertKind(f["kind"]),
            "zone_ids": tuple(f["zone_ids"]),
            "level": Level(f["level"]),
            "peak_level": Level(f["peak_level"]),
            "risk_level": Level(f["risk_level"]),
            "reasons": tuple(f["reasons"]),
            "status": AlertStatus(f["status"]),
            **{k: utc(f[k]) for k in ("raised_at", "updated_at", "target_at", "cleared_at")},
        }
    )


def entry_from_row(row: Sequence[Any]) -> DecisionEntry:
    """A log entry from a row of ``LOG_COLUMNS`` (``details`` as JSON text)."""
    seq, at, site_id, who, role, action, alert_id, measure_id, reason, details, prev_hash, hash_ = row
    return DecisionEntry(seq=int(seq), at=utc(at), site_id=site_id, who=who, role=role, action=action,
                         alert_id=alert_id, measure_id=measure_id, reason=reason, details=json.loads(details),
                         prev_hash=prev_hash, hash=hash_)


def utc(moment: Any) -> Any:
    """``moment`` in UTC (None stays None)."""
    return None if moment is None else moment.astimezone(UTC)
