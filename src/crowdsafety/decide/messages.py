"""The one shape of an alert outside the engine: for the API, notifications and the CLI.

:func:`alert_dict` gives Python values (datetimes, str levels); :func:`alert_message` wraps it
for a notification in JSON values (ISO 8601 times). The API's ``AlertOut`` has these fields.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from crowdsafety.decide.measures import MeasureDue
from crowdsafety.domain.decision import AlertRecord


def measure_dict(m: MeasureDue) -> dict[str, Any]:
    """One measure due: what, whose, lead time in minutes, when to start, how far it got."""
    return {
        "id": m.measure.id, "level": m.measure.level.value, "title": m.measure.title, "owner": m.measure.owner,
        "owner_name": m.owner_name, "lead_time_min": m.measure.lead_time_min, "due_at": m.due_at,
        "due_now": m.due_now, "state": m.state.value, "by": m.by, "at": m.at,
        "public_nl": m.measure.public_nl, "public_en": m.measure.public_en,
    }


def alert_dict(alert: AlertRecord, measures: Sequence[MeasureDue]) -> dict[str, Any]:
    """The alert with its measures; ``measures_due_now`` lists the ids due and not done."""
    return {
        "id": alert.id, "site_id": alert.site_id, "kind": alert.kind.value, "subject": alert.subject,
        "zone_ids": list(alert.zone_ids), "level": alert.level.value, "peak_level": alert.peak_level.value,
        "risk_level": alert.risk_level.value, "raised_at": alert.raised_at, "updated_at": alert.updated_at,
        "target_at": alert.target_at, "probability": alert.probability, "reasons": list(alert.reasons),
        "status": alert.status.value, "active": alert.active, "cleared_at": alert.cleared_at,
        "assignee": alert.assignee, "measures": [measure_dict(m) for m in measures],
        "measures_due_now": [m.measure.id for m in measures if m.due_now and m.state.value != "done"],
    }


def alert_message(event: str, summary: str, alert: AlertRecord, measures: Sequence[MeasureDue],
                  sent_at: datetime) -> dict[str, Any]:
    """A notification: ``event`` is ``alert.<change>`` (raised, escalated, lowered, cleared)."""
    return _jsonable({"type": event, "site": alert.site_id, "sent_at": sent_at, "summary": summary,
                      "alert": alert_dict(alert, measures)})


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    return value
