"""The flight register: register, start, end and list drone flights (operators and admins).

Each action is logged in the decision log with the key that made it (``flight.registered`` /
``.refused`` / ``.started`` / ``.ended``). A refused flight is answered 422 with ``refusals``:
every rule it breaks (area, window, altitude, no_fly, restricted, overlap) and where.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query
from fastapi.responses import JSONResponse

from crowdsafety.api.auth import AUTH_RESPONSES, CONTROL_ROOM, allow
from crowdsafety.api.deps import RuntimeDep
from crowdsafety.api.flight_schemas import (
    FlightCollection,
    FlightFeature,
    FlightIn,
    FlightStatusName,
    refused_problem,
)
from crowdsafety.api.schemas import BODY_ERRORS, INVALID, IsoTime, Problem
from crowdsafety.domain import StoreError
from crowdsafety.domain.access import ApiKey
from crowdsafety.domain.flight import Flight, FlightPurpose, FlightStatus
from crowdsafety.service import Runtime
from crowdsafety.service import flights as svc
from crowdsafety.service.keys import actor

router = APIRouter(prefix="/api/v1", tags=["flights"], responses=AUTH_RESPONSES)
ControlRoom = Annotated[ApiKey, allow(*CONTROL_ROOM)]

FlightId = Path(description="flight id, e.g. FL-7KQ2M9", max_length=40)
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": Problem, "description": "no flight with this id"}}
ACTION_ERRORS: dict[int | str, dict[str, Any]] = {
    **NOT_FOUND, **INVALID,
    409: {"model": Problem, "description": "the flight's status or the time does not allow it (start: from "
                                           "15 minutes before its window until its end; only once)"}}
REGISTER_ERRORS: dict[int | str, dict[str, Any]] = {
    **BODY_ERRORS,
    422: {"model": Problem, "description": "the body is malformed (detail names what and where) or the "
                                                 "flight is refused (refusals: every rule it breaks and where)"}}


@router.get("/flights", operation_id="list_flights", response_model=FlightCollection, responses=INVALID)
def list_flights(
    runtime: RuntimeDep, key: ControlRoom,
    start: Annotated[IsoTime | None, Query(description="window ends after this")] = None,
    end: Annotated[IsoTime | None, Query(description="window starts before this")] = None,
    status: Annotated[FlightStatusName | None, Query(description="only this status")] = None,
    limit: Annotated[int, Query(ge=1, le=500, description="at most this many")] = 500,
) -> FlightCollection:
    """Flights whose window overlaps [start, end), latest window first, as GeoJSON (area outlines)."""
    try:
        found = runtime.store.flights(status=None if status is None else FlightStatus(status),
                                      start=start, end=end, limit=limit)
    except StoreError as exc:
        raise HTTPException(422, str(exc)) from None
    return FlightCollection(features=[FlightFeature.of(f) for f in found])


@router.get("/flights/{flight_id}", operation_id="get_flight", response_model=FlightFeature,
            responses={**NOT_FOUND, **INVALID})
def get_flight(runtime: RuntimeDep, key: ControlRoom, flight_id: str = FlightId) -> FlightFeature:
    """One flight of the register."""
    flight = runtime.store.flight(flight_id)
    if flight is None:
        raise HTTPException(404, f"no flight with id {flight_id!r}")
    return FlightFeature.of(flight)


@router.post("/flights", operation_id="register_flight", status_code=201, response_model=FlightFeature,
             responses=REGISTER_ERRORS)
def register_flight(body: FlightIn, runtime: RuntimeDep, key: ControlRoom) -> FlightFeature | JSONResponse:
    """Register a flight: checked against the site's no-fly and restricted zones (with their
    times), its ceiling and the flights overlapping it. Logged as ``flight.registered``, or
    ``flight.refused`` with every rule broken."""
    request = svc.FlightRequest(
        operator=body.operator, permit=body.permit, aircraft=body.aircraft, purpose=FlightPurpose(body.purpose),
        area=body.area.model_dump(), start=body.start, end=body.end,
        max_altitude_m=body.max_altitude_m)
    try:
        flight = svc.register(runtime, request, who=actor(key), role=key.role.value)
    except svc.FlightRefused as refused:
        return JSONResponse(refused_problem(refused).model_dump(mode="json", exclude_none=True), status_code=422)
    except svc.FlightError as exc:
        raise HTTPException(422, str(exc)) from None
    return FlightFeature.of(flight)


@router.post("/flights/{flight_id}/start", operation_id="start_flight", response_model=FlightFeature,
             responses=ACTION_ERRORS)
def start_flight(runtime: RuntimeDep, key: ControlRoom, flight_id: str = FlightId) -> FlightFeature:
    """Mark a registered flight active: from 15 minutes before its window until its end.
    Logged as ``flight.started``."""
    return FlightFeature.of(_act(svc.start, runtime, key, flight_id))


@router.post("/flights/{flight_id}/end", operation_id="end_flight", response_model=FlightFeature,
             responses=ACTION_ERRORS)
def end_flight(runtime: RuntimeDep, key: ControlRoom, flight_id: str = FlightId) -> FlightFeature:
    """Mark a registered or active flight ended. Logged as ``flight.ended``."""
    return FlightFeature.of(_act(svc.end, runtime, key, flight_id))


def _act(action: Callable[..., Flight], runtime: Runtime, key: ApiKey, flight_id: str) -> Flight:
    try:
        return action(runtime, flight_id, who=actor(key), role=key.role.value)
    except svc.UnknownFlight as exc:
        raise HTTPException(404, str(exc)) from None
    except svc.FlightConflict as exc:
        raise HTTPException(409, str(exc)) from None
