"""Aerial observations: uploads of what a flight saw (JSON, GeoJSON, CSV) and reading them back.

An upload is accepted as a whole or refused as a whole (422 with ``errors``: every problem with
where and what; nothing stored). Operators and admins only; each accepted upload is logged
(``aerial.observations``) with the key that sent it.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from crowdsafety.api.aerial_schemas import AcceptOut, AerialCollection, AerialFeature, AerialUploadIn
from crowdsafety.api.auth import AUTH_RESPONSES, CONTROL_ROOM, allow
from crowdsafety.api.deps import RuntimeDep
from crowdsafety.api.schemas import INVALID, Problem, UploadError
from crowdsafety.domain.access import ApiKey
from crowdsafety.service import Runtime
from crowdsafety.service import aerial as svc
from crowdsafety.service.flights import UnknownFlight
from crowdsafety.service.keys import actor
from crowdsafety.sources.aerial_uploads import MAX_BYTES, AerialUploadError, UploadProblem, format_of, parse_upload

router = APIRouter(prefix="/api/v1", tags=["aerial"], responses=AUTH_RESPONSES)
ControlRoom = Annotated[ApiKey, allow(*CONTROL_ROOM)]
FlightId = Path(description="flight id, e.g. FL-7KQ2M9", max_length=40)

NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": Problem, "description": "no flight with this id"}}
UPLOAD_ERRORS: dict[int | str, dict[str, Any]] = {
    **NOT_FOUND,
    413: {"model": Problem, "description": f"body larger than {MAX_BYTES // 2**20} MiB"},
    415: {"model": Problem, "description": "not application/json, application/geo+json or text/csv"},
    422: {"model": Problem, "description": "the upload is malformed or refused (outside the flight's window "
                                                 "or area, flight not started): errors lists every problem"}}


def _inline(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` with its ``$defs`` put in place (a request body schema outside the components)."""
    defs = schema.pop("$defs", {})

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            if ref.startswith("#/$defs/"):
                return walk(defs[ref.removeprefix("#/$defs/")])
            return {k: walk(v) for k, v in node.items()}
        return [walk(v) for v in node] if isinstance(node, list) else node

    return walk(schema)


_BODY = {"required": True, "content": {
    "application/json": {"schema": _inline(AerialUploadIn.model_json_schema())},
    "application/geo+json": {"schema": {
        "type": "object", "required": ["type", "features"],
        "description": "GeoJSON FeatureCollection; each feature's properties: category, time, people?, description?",
        "properties": {"type": {"const": "FeatureCollection"}, "features": {"type": "array"}}}},
    "text/csv": {"schema": {
        "type": "string", "description": "header category,time and geometry (GeoJSON text) or lon,lat[,radius_m]; "
                                         "optional people, description"}},
}}


@router.post("/flights/{flight_id}/observations", operation_id="upload_aerial_observations", status_code=201,
              response_model=AcceptOut, responses=UPLOAD_ERRORS, openapi_extra={"requestBody": _BODY},
              max_body_size=MAX_BYTES)
async def upload_observations(request: Request, runtime: RuntimeDep, key: ControlRoom,
                              flight_id: str = FlightId) -> AcceptOut | JSONResponse:
    """Upload what a started (or ended) flight saw, as JSON, GeoJSON or CSV. Offences become
    incidents, crowd estimates observations of the zones they cover; an observation sent before
    is not stored again. Refused as a whole when any observation is malformed, outside the
    flight's window or area."""
    try:
        fmt = format_of(request.headers.get("content-type", ""))
    except AerialUploadError as exc:
        return _problem(415, str(exc))
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BYTES:
            return _problem(413, f"body larger than {MAX_BYTES // 2**20} MiB; split the upload")
    return await run_in_threadpool(_accept, runtime, key, flight_id, bytes(body), fmt)


@router.get("/flights/{flight_id}/observations", operation_id="list_aerial_observations",
            response_model=AerialCollection, responses={**NOT_FOUND, **INVALID})
def list_observations(runtime: RuntimeDep, key: ControlRoom, flight_id: str = FlightId,
                      limit: Annotated[int, Query(ge=1, le=10_000, description="at most this many")] = 1000,
                      ) -> AerialCollection:
    """A flight's observations, by time, as GeoJSON."""
    flight = runtime.store.flight(flight_id)
    if flight is None or flight.site_id != runtime.site.id:
        raise HTTPException(404, f"no flight with id {flight_id!r}")
    found = runtime.store.aerial_observations(flight_id=flight.id, limit=limit)
    return AerialCollection(features=[AerialFeature.of(o) for o in found])


def _accept(runtime: Runtime, key: ApiKey, flight_id: str, body: bytes, fmt: str) -> AcceptOut | JSONResponse:
    flight = runtime.store.flight(flight_id)
    if flight is None or flight.site_id != runtime.site.id:  # before the body: its problems matter not
        return _problem(404, f"no flight with id {flight_id!r}")
    try:
        drafts = parse_upload(body, fmt)
        result = svc.accept(runtime, flight_id, drafts, who=actor(key), role=key.role.value)
    except UnknownFlight as exc:
        return _problem(404, str(exc))
    except (AerialUploadError, svc.UploadRefused) as exc:
        return _refused(exc.problems, str(exc))
    return JSONResponse(AcceptOut(accepted=result.accepted, duplicates=result.duplicates,
                                  incidents=list(result.incident_refs), zones=list(result.zone_ids)).model_dump(),
                        status_code=201)


def _refused(problems: list[UploadProblem], detail: str) -> JSONResponse:
    answer = Problem(detail=detail, errors=[UploadError(where=p.where, message=p.message) for p in problems])
    return JSONResponse(answer.model_dump(exclude_none=True), status_code=422)


def _problem(status: int, detail: str) -> JSONResponse:
    return JSONResponse(Problem(detail=detail).model_dump(exclude_none=True), status_code=status)
