"""Public outputs, no key needed: advice per zone group (a colour and a message, never a count)
and the open-data view per zone (a colour and a count suppressed below k and rounded)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from crowdsafety.api.decide_deps import DeciderDep
from crowdsafety.api.decide_schemas import AdviceOut, GroupAdviceOut
from crowdsafety.api.deps import RuntimeDep
from crowdsafety.api.public_schemas import PublicZoneOut, PublicZonesOut
from crowdsafety.domain.privacy import PRIVACY_K
from crowdsafety.service.public_view import public_zones

router = APIRouter(prefix="/api/v1/public", tags=["public"])


@router.get("/advice", operation_id="get_public_advice", response_model=AdviceOut)
def get_public_advice(decider: DeciderDep) -> AdviceOut:
    """Per zone group: green, yellow, orange, red (or unknown without data) and advice in Dutch
    and English, e.g. "Busy at the Pier — Zuiderstrand is quiet"."""
    groups = [GroupAdviceOut.of(a) for a in decider.advice()]
    return AdviceOut(site=decider.site.id, at=decider.runtime.clock.now(), groups=groups)


def get_privacy_k(request: Request) -> int:
    """The app's k (``app.state.privacy_k``, set from the ``privacy_k`` setting), else the default."""
    return int(getattr(request.app.state, "privacy_k", PRIVACY_K))


PrivacyK = Annotated[int, Depends(get_privacy_k)]


@router.get("/zones", operation_id="get_public_zones", response_model=PublicZonesOut)
def get_public_zones(runtime: RuntimeDep, k: PrivacyK) -> PublicZonesOut:
    """Per zone: the colour level the public advice uses and the people present, null below k
    (default 10) and rounded above it (to 10 below 1,000, 50 below 10,000, 100 above). No
    densities or flows: with a zone's area they would give the count back."""
    now = runtime.clock.now()
    zones = [PublicZoneOut.of(z) for z in public_zones(runtime, k=k, now=now)]
    return PublicZonesOut(site=runtime.site.id, at=now, k=k, zones=zones)
