"""Incidents for the control room: list, read with history, report, assign / answer / resolve.
Operators and admins only: partners see no incidents."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query
from crowdsafety.api.auth import AUTH_RESPONSES, CONTROL_ROOM, allow
from crowdsafety.api.deps import RuntimeDep
from crowdsafety.api.incident_schemas import (
    IncidentActionIn,
    IncidentDetailOut,
    IncidentIn,
    IncidentOut,
    IncidentStepOut,
    StatusName,
)
from crowdsafety.api.schemas import BODY_ERRORS, INVALID, IsoTime, Problem
from crowdsafety.domain import StoreError
from crowdsafety.domain.access import ApiKey
from crowdsafety.domain.incident import IncidentCategory, IncidentSource, IncidentStatus, Urgency
from crowdsafety.service import Runtime
from crowdsafety.service import incidents as svc
from crowdsafety.service.keys import actor

router = APIRouter(prefix="/api/v1", tags=["incidents"], responses=AUTH_RESPONSES)
ControlRoom = Annotated[ApiKey, allow(*CONTROL_ROOM)]

Ref = Path(description="reference code, e.g. CS-7KQ2M9", max_length=40)
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": Problem, "description": "no incident with this code"}}
ERRORS: dict[int | str, dict[str, Any]] = {
    **NOT_FOUND, 409: {"model": Problem, "description": "the incident is resolved: it takes no further action"},
    **BODY_ERRORS}


@router.get("/incidents", operation_id="list_incidents", response_model=list[IncidentOut], responses=INVALID)
def list_incidents(
    runtime: RuntimeDep, key: ControlRoom,
    start: Annotated[IsoTime | None, Query(description="happened at or after")] = None,
    end: Annotated[IsoTime | None, Query(description="happened before")] = None,
    status: Annotated[StatusName | None, Query(description="only this status")] = None,
    limit: Annotated[int, Query(ge=1, le=500, description="at most this many")] = 500,
) -> list[IncidentOut]:
    """Incidents, newest first (by when they happened)."""
    try:
        found = runtime.store.incidents(start=start, end=end,
                                        status=None if status is None else IncidentStatus(status), limit=limit)
    except StoreError as exc:
        raise HTTPException(422, str(exc)) from None
    return [IncidentOut.of(i) for i in found]


@router.get("/incidents/{ref}", operation_id="get_incident", response_model=IncidentDetailOut,
            responses={**NOT_FOUND, **INVALID})
def get_incident(runtime: RuntimeDep, key: ControlRoom, ref: str = Ref) -> IncidentDetailOut:
    """One incident with its append-only history (who did what, when, with which note)."""
    return _detail(runtime, ref)


@router.post("/incidents", operation_id="post_incident", status_code=201, response_model=IncidentDetailOut,
             responses={**BODY_ERRORS})
def post_incident(body: IncidentIn, runtime: RuntimeDep, key: ControlRoom) -> IncidentDetailOut:
    """Report an incident (control room, police, drone team): answers it with its reference
    code, the zones it is in or next to, and its scrubbed description. Logged as
    ``incident.reported``."""
    place = body.place
    report = svc.IncidentReport(
        source=IncidentSource(body.source), category=IncidentCategory(body.category), urgency=Urgency(body.urgency),
        description=body.description, at=body.at,
        point=None if place.point is None else (place.point[0], place.point[1]), line=place.line,
        direction=place.direction, stop_id=place.stop_id, vehicle=place.vehicle)
    try:
        incident = svc.report(runtime, report, who=actor(key), role=key.role.value)
    except svc.IncidentError as exc:
        raise HTTPException(422, str(exc)) from None
    return _detail(runtime, incident.ref)


@router.post("/incidents/{ref}/actions", operation_id="post_incident_action", response_model=IncidentDetailOut,
             responses=ERRORS)
def post_incident_action(body: IncidentActionIn, runtime: RuntimeDep, key: ControlRoom,
                         ref: str = Ref) -> IncidentDetailOut:
    """Assign, answer (the note is what the reporter sees with the code) or resolve; logged as
    ``incident.assigned`` / ``.answered`` / ``.resolved`` with who, role and the key used."""
    try:
        svc.act(runtime, ref, svc.IncidentAction(body.action), who=f"{body.who} ({actor(key)})", role=body.role,
                note=body.note)
    except svc.UnknownIncident as exc:
        raise HTTPException(404, str(exc)) from None
    except svc.IncidentConflict as exc:
        raise HTTPException(409, str(exc)) from None
    except svc.IncidentError as exc:
        raise HTTPException(422, str(exc)) from None
    return _detail(runtime, ref)


def _detail(runtime: Runtime, ref: str) -> IncidentDetailOut:
    incident = runtime.store.incident(ref)
    if incident is None:
        raise HTTPException(404, f"no incident with reference {ref!r}")
    history = [IncidentStepOut.of(u) for u in runtime.store.incident_history(ref)]
    return IncidentDetailOut(**IncidentOut.of(incident).model_dump(), history=history)
