"""The public page's map: the site's outline and its map layers (zone outlines, coast, stops).

No key is needed and nothing here is a count: the zone layer holds outlines and names only.
"""

from __future__ import annotations

from fastapi import APIRouter, Path, Response

from crowdsafety.api.deps import RuntimeDep
from crowdsafety.api.routers.live import get_site_layers, layer_response
from crowdsafety.api.routers.site import site_summary
from crowdsafety.api.schemas import INVALID, Problem, SiteOut

router = APIRouter(prefix="/api/v1/public", tags=["public"])


@router.get("/site", operation_id="get_public_site", response_model=SiteOut)
def get_public_site(runtime: RuntimeDep) -> SiteOut:
    """The site: name, time zone, interval, bounding box, map tiles and the service clock."""
    return site_summary(runtime)


@router.get("/layers", operation_id="get_public_layers", response_model=list[str])
def get_public_layers(runtime: RuntimeDep) -> list[str]:
    """Names of the site's map layers, each at /api/v1/public/layers/{name}."""
    return get_site_layers(runtime)


LAYER = Path(description="layer name, e.g. zones", max_length=40)


@router.get("/layers/{name}", operation_id="get_public_layer",
            responses={200: {"content": {"application/geo+json": {}}},
                       404: {"model": Problem, "description": "no such layer; detail names the site's layers"},
                       500: {"model": Problem, "description": "the site's layer file cannot be read as GeoJSON"},
                       **INVALID})
def get_public_layer(runtime: RuntimeDep, name: str = LAYER) -> Response:
    """One map layer as a GeoJSON FeatureCollection in WGS84: ``zones`` (outlines, names,
    groups), ``coast`` or ``stops`` where the site ships them."""
    return layer_response(runtime, name)
