"""GET /api/v1/site: the site and the service clock."""

from __future__ import annotations

from fastapi import APIRouter
from shapely.geometry import shape
from shapely.ops import unary_union

from crowdsafety.api.auth import AUTH_RESPONSES, READERS, allow
from crowdsafety.api.deps import RuntimeDep
from crowdsafety.api.schemas import SiteOut
from crowdsafety.service import Runtime

router = APIRouter(prefix="/api/v1", tags=["site"],
                   dependencies=[allow(*READERS)], responses=AUTH_RESPONSES)


@router.get("/site", operation_id="get_site", response_model=SiteOut)
def get_site(runtime: RuntimeDep) -> SiteOut:
    """The site: name, time zone, interval, counts, bounding box and the service clock."""
    return site_summary(runtime)


def site_summary(runtime: Runtime) -> SiteOut:
    site = runtime.site
    latest = max((s.start for s in runtime.latest_states().values()), default=None)
    bbox = list(unary_union([shape(z.geometry) for z in site.zones]).bounds)
    return SiteOut.of(site, runtime.clock.now(), latest, bbox)
