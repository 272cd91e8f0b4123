"""POST /api/v1/observations: a JSON array of up to MAX_ROWS observation rows."""

from __future__ import annotations

import json

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from crowdsafety.api.deps import RuntimeDep
from crowdsafety.api.schemas import IngestResult, ObservationIn, Problem, RejectedRow

router = APIRouter(prefix="/api/v1", tags=["observations"])

MAX_ROWS = 10_000
MAX_BODY_BYTES = 8 * 1024 * 1024

_BODY_SCHEMA = {
    "required": True,
    "content": {"application/json": {"schema": {
        "type": "array", "maxItems": MAX_ROWS,
        "items": {"$ref": "#/components/schemas/ObservationIn"},
    }}},
}


def _problem(status: int, detail: str) -> JSONResponse:
    return JSONResponse(Problem(detail=detail).model_dump(exclude_none=True), status_code=status)


@router.post(
    "/observations",
    operation_id="post_observations",
    summary="Ingest a batch of observations",
    response_model=IngestResult,
    responses={413: {"model": Problem}, 415: {"model": Problem}, 400: {"model": Problem},
               422: {"model": Problem}},
    openapi_extra={"requestBody": _BODY_SCHEMA},
)
async def post_observations(request: Request, runtime: RuntimeDep) -> JSONResponse:
    """Valid rows are stored; rejected rows come back with index and reason.

    Exact duplicates are ignored, a new value for a stored key is kept as a correction.
    HTTP 422 only when no row is valid.
    """
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype != "application/json":
        return _problem(415, f"content type must be application/json, got {ctype or 'none'!r}")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            return _problem(413, f"body larger than {MAX_BODY_BYTES} bytes; send at most {MAX_ROWS} rows a request")
    try:
        rows = json.loads(body, parse_constant=_no_constants)
    except RecursionError:
        return _problem(400, "JSON nested too deeply")
    except (ValueError, UnicodeDecodeError) as exc:
        return _problem(400, f"body is not valid JSON: {exc}")
    if not isinstance(rows, list):
        return _problem(400, f"body must be a JSON array of observations, got {type(rows).__name__}")
    if len(rows) > MAX_ROWS:
        return _problem(413, f"{len(rows)} rows; at most {MAX_ROWS} a request")
    report = await run_in_threadpool(runtime.ingest, rows)
    rejected = [RejectedRow(index=r.index, field=r.field, reason=r.reason) for r in report.rejected]
    if rows and not report.accepted:
        return JSONResponse(
            Problem(detail="no valid row in the batch", rejected=rejected).model_dump(), status_code=422
        )
    result = IngestResult(received=report.received, accepted=report.accepted, inserted=report.inserted,
                          duplicates=report.duplicates, corrections=report.corrections, rejected=rejected)
    return JSONResponse(result.model_dump())


def _no_constants(name: str) -> None:
    raise ValueError(f"{name} is not valid JSON")


__all__ = ["router", "ObservationIn"]
