"""What people do with an alert: acknowledge, assign, close, mark a measure started or done.

:func:`apply_action` checks the request against the alert's state and returns the alert after
it and the decision-log draft that records it (who, role, when, what, why). Refusals raise
:class:`ActionError` subclasses the API maps to 404 / 409 / 422.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import Enum

from crowdsafety.decide.log import DecisionDraft
from crowdsafety.decide.measures import MeasureDue, MeasureState
from crowdsafety.domain import CrowdSafetyError
from crowdsafety.domain.decision import AlertRecord, AlertStatus
from crowdsafety.domain.privacy import scrub

#: Longest accepted who / role / assignee (characters) and reason.
MAX_NAME = 100
MAX_REASON = 2000


class Action(str, Enum):
    ACKNOWLEDGE = "acknowledge"
    ASSIGN = "assign"
    CLOSE = "close"
    MEASURE_STARTED = "measure-started"
    MEASURE_DONE = "measure-done"


#: The decision-log action each request is recorded as.
LOGGED_AS = {
    Action.ACKNOWLEDGE: "acknowledged",
    Action.ASSIGN: "assigned",
    Action.CLOSE: "closed",
    Action.MEASURE_STARTED: "measure-started",
    Action.MEASURE_DONE: "measure-done",
}


class ActionError(CrowdSafetyError):
    """An action was refused."""


class UnknownAlert(ActionError):
    """No alert with that id."""


class ActionConflict(ActionError):
    """The action does not fit the alert's or measure's state (e.g. closing a closed alert)."""


class InvalidAction(ActionError):
    """The request itself is wrong (missing reason, unknown measure, ...)."""


@dataclass(frozen=True)
class ActionRequest:
    """``who`` (a person's name or call sign) with ``role`` does ``action`` because of ``reason``;
    ``measure_id`` for measure actions, ``assignee`` for assign; ``key_id``: the API key used."""

    action: Action
    who: str
    role: str
    reason: str
    measure_id: str | None = None
    assignee: str | None = None
    key_id: str | None = None


def apply_action(alert: AlertRecord, request: ActionRequest, measures: Sequence[MeasureDue],
                 now: datetime) -> tuple[AlertRecord, DecisionDraft]:
    """The alert after ``request`` and the log draft recording it; raises ActionError."""
    _check_text(request)
    action = request.action
    is_measure = action in (Action.MEASURE_STARTED, Action.MEASURE_DONE)
    if is_measure != (request.measure_id is not None):
        raise InvalidAction("measure_id is needed for measure actions and only for them")
    if (action is Action.ASSIGN) != (request.assignee is not None):
        raise InvalidAction("assignee is needed for assign and only for it")
    if alert.status is AlertStatus.CLOSED:
        raise ActionConflict(f"alert {alert.id} is closed")
    details: dict[str, object] = {"level": alert.level.value, "status_before": alert.status.value}
    if request.key_id is not None:
        details["key_id"] = request.key_id
    after = alert
    if action is Action.ACKNOWLEDGE:
        if alert.status is AlertStatus.ACKNOWLEDGED:
            raise ActionConflict(f"alert {alert.id} is already acknowledged")
        after = replace(alert, status=AlertStatus.ACKNOWLEDGED)
    elif action is Action.ASSIGN:
        assignee = scrub(str(request.assignee))  # stored on the alert too, not only in the log
        if assignee == alert.assignee:
            raise ActionConflict(f"alert {alert.id} is already assigned to {alert.assignee}")
        details["assignee"], details["previous_assignee"] = assignee, alert.assignee
        after = replace(alert, assignee=assignee)
    elif action is Action.CLOSE:
        details["active"] = alert.active
        after = replace(alert, status=AlertStatus.CLOSED)
    else:
        due = {d.measure.id: d for d in measures}
        item = due.get(str(request.measure_id))
        if item is None:
            raise InvalidAction(f"measure {request.measure_id!r} is not one of this alert's measures "
                                f"({', '.join(due) or 'it has none'})")
        target = MeasureState.STARTED if action is Action.MEASURE_STARTED else MeasureState.DONE
        if item.state is MeasureState.DONE or item.state is target:
            raise ActionConflict(f"measure {item.measure.id} is already {item.state.value}")
        details.update(owner=item.measure.owner, title=item.measure.title, due_at=item.due_at.isoformat())
    draft = DecisionDraft(at=now, site_id=alert.site_id, who=request.who.strip(), role=request.role.strip(),
                          action=LOGGED_AS[action], reason=request.reason.strip(), alert_id=alert.id,
                          measure_id=request.measure_id, details=details)
    return replace(after, updated_at=now) if after is not alert else alert, draft


def _check_text(request: ActionRequest) -> None:
    for name, limit in (("who", MAX_NAME), ("role", MAX_NAME), ("reason", MAX_REASON), ("assignee", MAX_NAME)):
        value = getattr(request, name)
        if value is None and name == "assignee":
            continue
        if not value.strip():
            raise InvalidAction(f"{name} must not be empty")
        if len(value) > limit:
            raise InvalidAction(f"{name} is longer than {limit} characters")
