"""POST /api/v1/observations: a JSON array of up to MAX_ROWS observation rows."""

from __future__ import annotations

import json

import math
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from crowdsafety.api.auth import AUTH_RESPONSES, allow
from crowdsafety.api.deps import RuntimeDep
from crowdsafety.api.ratelimit import RowLimiter
from crowdsafety.api.schemas import IngestResult, ObservationIn, Problem, RejectedRow
from crowdsafety.domain.access import ApiKey, Role
from crowdsafety.ingest import IngestReport
from crowdsafety.ingest.validate import Rejection
from crowdsafety.service import Runtime, audit
from crowdsafety.service.keys import actor

router = APIRouter(prefix="/api/v1", tags=["observations"])

MAX_ROWS = 10_000
MAX_BODY_BYTES = 8 * 1024 * 1024

#: The documented body; the row schema is inlined, as no route parameter puts ObservationIn
#: among the document's components.
_BODY_SCHEMA = {
    "required": True,
    "content": {"application/json": {"schema": {
        "type": "array", "maxItems": MAX_ROWS, "items": ObservationIn.model_json_schema(),
    }}},
}


def _problem(status: int, detail: str) -> JSONResponse:
    return JSONResponse(Problem(detail=detail).model_dump(exclude_none=True), status_code=status)


@router.post(
    "/observations",
    operation_id="post_observations",
    summary="Ingest a batch of observations",
    response_model=IngestResult,
    responses={**AUTH_RESPONSES, 413: {"model": Problem}, 415: {"model": Problem}, 400: {"model": Problem},
               422: {"model": Problem}, 429: {"model": Problem, "description": "over the key's rate; see Retry-After"}},
    openapi_extra={"requestBody": _BODY_SCHEMA},
    max_body_size=MAX_BODY_BYTES,
)
async def post_observations(request: Request, runtime: RuntimeDep,
                            key: Annotated[ApiKey, allow(Role.ADMIN, Role.OPERATOR, Role.SENSOR)]) -> JSONResponse:
    """Valid rows are stored; rejected rows come back with index and reason.

    Exact duplicates are ignored, a new value for a stored key is kept as a correction.
    HTTP 422 only when no row is valid. A sensor key may post for its own sensors only; every
    key is held to its rate (HTTP 429). Each batch that stores something is audited.
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
    limiter: RowLimiter = request.app.state.row_limiter
    wait = limiter.take(key.id, len(rows))
    if wait:
        retry = str(math.ceil(wait)) if math.isfinite(wait) else "60"
        return JSONResponse(Problem(detail=f"key {key.id} is over its rate of {limiter.rows_per_s:.0f} rows/s; "
                                           f"retry in {retry} s").model_dump(exclude_none=True),
                            status_code=429, headers={"Retry-After": retry})
    report = await run_in_threadpool(_ingest, runtime, key, rows)
    rejected = [RejectedRow(index=r.index, field=r.field, reason=r.reason) for r in report.rejected]
    if rows and not report.accepted:
        return JSONResponse(
            Problem(detail="no valid row in the batch", rejected=rejected).model_dump(), status_code=422
        )
    result = IngestResult(received=report.received, accepted=report.accepted, inserted=report.inserted,
                          duplicates=report.duplicates, corrections=report.corrections, rejected=rejected)
    return JSONResponse(result.model_dump())


def _ingest(runtime: Runtime, key: ApiKey, rows: list[Any]) -> IngestReport:
    """Ingest the rows ``key`` may post (a sensor key: its own sensors) and audit the batch."""
    if key.role is Role.SENSOR:
        own = set(key.sensor_ids)
        allowed = [i for i, r in enumerate(rows) if isinstance(r, dict) and r.get("sensor_id") in own]
        reason = f"key {key.id} may post only for sensors {', '.join(key.sensor_ids)}"
        refused = [Rejection(i, reason, "sensor_id") for i in sorted(set(range(len(rows))) - set(allowed))]
        part = runtime.ingest([rows[i] for i in allowed])
        rejected = sorted(refused + [Rejection(allowed[r.index], r.reason, r.field) for r in part.rejected],
                          key=lambda r: r.index)
        report = IngestReport(len(rows), part.inserted, part.duplicates, part.corrections, rejected)
    else:
        report = runtime.ingest(rows)
    if report.inserted or report.corrections:
        audit.record(runtime, who=actor(key), role=key.role.value, action="observations.ingested",
                     reason=f"{report.accepted} of {report.received} rows accepted over HTTP",
                     details={"inserted": report.inserted, "duplicates": report.duplicates,
                              "corrections": report.corrections, "rejected": len(report.rejected)})
    return report


def _no_constants(name: str) -> None:
    raise ValueError(f"{name} is not valid JSON")


__all__ = ["router", "ObservationIn"]
