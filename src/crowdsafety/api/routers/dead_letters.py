"""Dead letters: messages that could not be ingested, newest first, for the data engineer."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Query
from pydantic import BaseModel

from crowdsafety.api.auth import AUTH_RESPONSES, CONTROL_ROOM, allow
from crowdsafety.api.deps import RuntimeDep
from crowdsafety.api.schemas import INVALID

router = APIRouter(prefix="/api/v1", tags=["observations"], dependencies=[allow(*CONTROL_ROOM)],
                   responses=AUTH_RESPONSES)


class DeadLetterOut(BaseModel):
    received_at: datetime
    source: str
    where: str
    reason: str
    payload: str


@router.get("/dead-letters", operation_id="list_dead_letters", response_model=list[DeadLetterOut],
            responses=INVALID)
def list_dead_letters(runtime: RuntimeDep,
                      limit: int = Query(100, ge=1, le=1000, description="how many, newest first")
                      ) -> list[DeadLetterOut]:
    """The latest messages refused by the MQTT consumer or a feed, with where and why."""
    return [DeadLetterOut(received_at=d.received_at, source=d.source, where=d.where, reason=d.reason,
                          payload=d.payload) for d in runtime.store.dead_letters(limit=limit)]
