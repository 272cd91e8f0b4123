"""Public advice: per zone group a colour and a message with an alternative, never a count."""

from __future__ import annotations

from fastapi import APIRouter

from crowdsafety.api.decide_deps import DeciderDep
from crowdsafety.api.decide_schemas import AdviceOut, GroupAdviceOut

router = APIRouter(prefix="/api/v1/public", tags=["public"])


@router.get("/advice", operation_id="get_public_advice", response_model=AdviceOut)
def get_public_advice(decider: DeciderDep) -> AdviceOut:
    """Per zone group: green, yellow, orange, red (or unknown without data) and advice in Dutch
    and English, e.g. "Busy at the Pier — Zuiderstrand is quiet"."""
    groups = [GroupAdviceOut.of(a) for a in decider.advice()]
    return AdviceOut(site=decider.site.id, at=decider.runtime.clock.now(), groups=groups)
