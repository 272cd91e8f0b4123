"""The status of an incident by its reference code, no key needed: what a passenger sees (the
status and the control room's latest answer; nothing else of the incident)."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Path

from crowdsafety.api.deps import RuntimeDep
from crowdsafety.api.incident_schemas import PublicIncidentOut
from crowdsafety.api.schemas import INVALID, Problem
from crowdsafety.service.incidents import public_status

router = APIRouter(prefix="/api/v1/public", tags=["public"])
REF = Path(description="reference code, e.g. CS-7KQ2M9", max_length=40)


@router.get("/incidents/{ref}", operation_id="get_public_incident", response_model=PublicIncidentOut,
            responses={404: {"model": Problem, "description": "no incident with this code"}, **INVALID})
def get_public_incident(runtime: RuntimeDep, ref: str = REF) -> PublicIncidentOut:
    """The incident's status (new, assigned, resolved) and the control room's latest answer."""
    found = public_status(runtime, ref)
    if found is None:
        raise HTTPException(404, f"no incident with reference {ref!r}")
    return PublicIncidentOut.of(found)
