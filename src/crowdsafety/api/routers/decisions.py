"""The decision log: read it, and prove its hash chain intact. There is no way to change it."""

from __future__ import annotations

from fastapi import APIRouter, Query

from crowdsafety.api.auth import AUTH_RESPONSES, CONTROL_ROOM, allow

from crowdsafety.api.decide_deps import DeciderDep
from crowdsafety.api.decide_schemas import DecisionOut, VerificationOut
from crowdsafety.api.schemas import INVALID

router = APIRouter(prefix="/api/v1", tags=["decisions"],
                   dependencies=[allow(*CONTROL_ROOM)], responses=AUTH_RESPONSES)


@router.get("/decisions", operation_id="list_decisions", response_model=list[DecisionOut], responses=INVALID)
def list_decisions(
    decider: DeciderDep,
    alert_id: str | None = Query(None, max_length=200, description="only the entries of this alert"),
    after_seq: int = Query(0, ge=0, description="entries after this seq (page on with the last seq seen)"),
    limit: int = Query(500, ge=1, le=5000),
) -> list[DecisionOut]:
    """Log entries in seq order: who (person or system), role, when, what, why."""
    return [DecisionOut.of(e) for e in decider.decisions(alert_id=alert_id, after_seq=after_seq, limit=limit)]


@router.get("/decisions/verify", operation_id="verify_decisions", response_model=VerificationOut)
def verify_decisions(decider: DeciderDep) -> VerificationOut:
    """Recompute the hash chain; names the first altered, removed or inserted entry."""
    return VerificationOut.of(decider.verify())
