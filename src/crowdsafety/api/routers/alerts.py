"""Alerts: the open alerts with their measures due and owners, and people's actions on them."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query

from crowdsafety.api.auth import AUTH_RESPONSES, READERS, allow
from crowdsafety.api.decide_deps import DeciderDep
from crowdsafety.api.decide_schemas import ActionIn, AlertOut
from crowdsafety.api.schemas import BODY_ERRORS, INVALID, Problem
from crowdsafety.decide import (
    Action,
    ActionConflict,
    ActionRequest,
    InvalidAction,
    UnknownAlert,
)
from crowdsafety.domain.access import ApiKey, Role
from crowdsafety.service.deciding import AlertView, Decider

router = APIRouter(prefix="/api/v1", tags=["alerts"], responses=AUTH_RESPONSES)
Reader = Annotated[ApiKey, allow(*READERS)]

#: What a partner key may do: move its own party's measures on.
PARTNER_ACTIONS = (Action.MEASURE_STARTED, Action.MEASURE_DONE)

AlertId = Path(description="alert id, e.g. observed.pier.20260814T1905Z", max_length=200)
ERRORS: dict[int | str, dict[str, Any]] = {404: {"model": Problem, "description": "no such alert"},
          409: {"model": Problem, "description": "the action does not fit the alert's state"}, **BODY_ERRORS}


@router.get("/alerts", operation_id="list_alerts", response_model=list[AlertOut], responses=INVALID)
def list_alerts(decider: DeciderDep, key: Reader,
                include_closed: bool = Query(False, description="also closed alerts")) -> list[AlertOut]:
    """Alerts not closed (or all): active first, then by level, newest first; each with its
    measures, when they are due, their owners and how far they got. A partner key sees only
    its own party's measures."""
    return [AlertOut.of(_visible(v, key)) for v in decider.alerts(include_closed=include_closed)]


@router.get("/alerts/{alert_id}", operation_id="get_alert", response_model=AlertOut,
            responses={404: ERRORS[404], **INVALID})
def get_alert(decider: DeciderDep, key: Reader, alert_id: str = AlertId) -> AlertOut:
    """One alert with its measures (a partner key: its own party's)."""
    try:
        return AlertOut.of(_visible(decider.alert(alert_id), key))
    except UnknownAlert as exc:
        raise HTTPException(404, str(exc)) from None


@router.post("/alerts/{alert_id}/actions", operation_id="post_alert_action", response_model=AlertOut,
             responses=ERRORS)
def post_alert_action(body: ActionIn, decider: DeciderDep, key: Reader, alert_id: str = AlertId) -> AlertOut:
    """Acknowledge, assign, close, or mark a measure started or done; recorded in the decision
    log with who, role, the key used, when and why. Answers the alert after the action.
    A partner key may only start or finish its own party's measures."""
    action = Action(body.action)
    if key.role is Role.PARTNER:
        _check_partner(decider, key, alert_id, action, body.measure_id)
    request = ActionRequest(action, body.who, body.role, body.reason, body.measure_id, body.assignee, key.id)
    try:
        return AlertOut.of(_visible(decider.act(alert_id, request), key))
    except UnknownAlert as exc:
        raise HTTPException(404, str(exc)) from None
    except ActionConflict as exc:
        raise HTTPException(409, str(exc)) from None
    except InvalidAction as exc:
        raise HTTPException(422, str(exc)) from None


def _visible(view: AlertView, key: ApiKey) -> AlertView:
    """The alert as ``key`` may see it: a partner only its own party's measures."""
    if key.role is not Role.PARTNER:
        return view
    return AlertView(view.alert, [m for m in view.measures if m.measure.owner == key.party])


def _check_partner(decider: Decider, key: ApiKey, alert_id: str, action: Action, measure_id: str | None) -> None:
    if action not in PARTNER_ACTIONS:
        raise HTTPException(403, f"a partner key may only start or finish its own measures, not {action.value}")
    try:
        view = decider.alert(alert_id)
    except UnknownAlert as exc:
        raise HTTPException(404, str(exc)) from None
    owners = {m.measure.id: m.measure.owner for m in view.measures}
    if measure_id in owners and owners[measure_id] != key.party:
        raise HTTPException(403, f"measure {measure_id} belongs to {owners[measure_id]}, not to this key's party "
                                 f"{key.party or '(none)'}")
