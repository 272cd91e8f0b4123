"""The status of an incident by its reference code, no key needed: what a passenger sees (the
status and the control room's latest answer; nothing else of the incident).

Codes are 6 letters of a 30-letter alphabet, so each client address is rate limited
(:class:`~crowdsafety.api.ratelimit.ClientLimiter`: no address is kept) and a miss costs
:data:`MISS_COST` times a hit: a passenger may look at its code :data:`STATUS_BURST` times at once
and every 2 s, a guesser gets one unknown code every 20 s. Every look-up must be able to afford
a miss before the code is looked up, so a 429 says nothing about the code.
"""

from __future__ import annotations

import math

from fastapi import APIRouter, HTTPException, Path, Request

from crowdsafety.api.deps import RuntimeDep
from crowdsafety.api.incident_schemas import PublicIncidentOut
from crowdsafety.api.ratelimit import ClientLimiter
from crowdsafety.api.schemas import INVALID, Problem
from crowdsafety.service.incidents import public_status

router = APIRouter(prefix="/api/v1/public", tags=["public"])
REF = Path(description="reference code, e.g. CS-7KQ2M9", max_length=40)
#: Tokens a client earns a second and holds at most; what a known and an unknown code cost.
STATUS_RATE_PER_S, STATUS_BURST = 0.5, 30.0
HIT_COST, MISS_COST = 1.0, 10.0


def get_status_limiter(request: Request) -> ClientLimiter:
    """The app's limiter of status look-ups (``app.state.status_limiter``), made on first use."""
    limiter = getattr(request.app.state, "status_limiter", None)
    if limiter is None:
        limiter = request.app.state.status_limiter = ClientLimiter(STATUS_RATE_PER_S, STATUS_BURST)
    return limiter


@router.get("/incidents/{ref}", operation_id="get_public_incident", response_model=PublicIncidentOut,
            responses={404: {"model": Problem, "description": "no incident with this code"},
                       429: {"model": Problem, "description": "too many look-ups from this address (unknown codes "
                                                              "count ten times); see Retry-After"},
                       **INVALID})
def get_public_incident(request: Request, runtime: RuntimeDep, ref: str = REF) -> PublicIncidentOut:
    """The incident's status (new, assigned, resolved) and the control room's latest answer."""
    limiter = get_status_limiter(request)
    address = request.client.host if request.client else ""
    wait = limiter.take(address, MISS_COST)
    if wait:
        retry = math.ceil(wait)
        raise HTTPException(429, f"too many look-ups from this address: retry in {retry} s",
                            headers={"Retry-After": str(retry)})
    found = public_status(runtime, ref)
    if found is None:
        raise HTTPException(404, f"no incident with reference {ref!r}")
    limiter.refund(address, MISS_COST - HIT_COST)
    return PublicIncidentOut.of(found)
