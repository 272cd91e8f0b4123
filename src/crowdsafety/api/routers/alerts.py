"""Alerts: the open alerts with their measures due and owners, and people's actions on them."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Path, Query

from crowdsafety.api.decide_deps import DeciderDep
from crowdsafety.api.decide_schemas import ActionIn, AlertOut
from crowdsafety.api.schemas import Problem
from crowdsafety.decide import (
    Action,
    ActionConflict,
    ActionRequest,
    InvalidAction,
    UnknownAlert,
)

router = APIRouter(prefix="/api/v1", tags=["alerts"])

AlertId = Path(description="alert id, e.g. observed.pier.20260814T1905Z", max_length=200)
ERRORS: dict[int | str, dict[str, Any]] = {404: {"model": Problem, "description": "no such alert"},
          409: {"model": Problem, "description": "the action does not fit the alert's state"},
          422: {"model": Problem, "description": "the request is malformed"}}


@router.get("/alerts", operation_id="list_alerts", response_model=list[AlertOut])
def list_alerts(decider: DeciderDep,
                include_closed: bool = Query(False, description="also closed alerts")) -> list[AlertOut]:
    """Alerts not closed (or all): active first, then by level, newest first; each with its
    measures, when they are due, their owners and how far they got."""
    return [AlertOut.of(v) for v in decider.alerts(include_closed=include_closed)]


@router.get("/alerts/{alert_id}", operation_id="get_alert", response_model=AlertOut,
            responses={404: ERRORS[404]})
def get_alert(decider: DeciderDep, alert_id: str = AlertId) -> AlertOut:
    """One alert with its measures."""
    try:
        return AlertOut.of(decider.alert(alert_id))
    except UnknownAlert as exc:
        raise HTTPException(404, str(exc)) from None


@router.post("/alerts/{alert_id}/actions", operation_id="post_alert_action", response_model=AlertOut,
             responses=ERRORS)
def post_alert_action(body: ActionIn, decider: DeciderDep, alert_id: str = AlertId) -> AlertOut:
    """Acknowledge, assign, close, or mark a measure started or done; recorded in the decision
    log with who, role, when and why. Answers the alert after the action."""
    request = ActionRequest(Action(body.action), body.who, body.role, body.reason, body.measure_id, body.assignee)
    try:
        return AlertOut.of(decider.act(alert_id, request))
    except UnknownAlert as exc:
        raise HTTPException(404, str(exc)) from None
    except ActionConflict as exc:
        raise HTTPException(409, str(exc)) from None
    except InvalidAction as exc:
        raise HTTPException(422, str(exc)) from None
