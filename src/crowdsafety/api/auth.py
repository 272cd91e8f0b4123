"""Who is calling: API keys from ``Authorization: Bearer <key>`` or ``X-API-Key: <key>``.

Every router declares the roles it serves with ``dependencies=[allow(...)]`` (or takes the key
as a parameter with :func:`caller`); ``/api/v1/public/*``, the public page and the dashboard's
static files need no key. A missing or wrong key is 401, a key of another role 403.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request, Security
from fastapi.concurrency import run_in_threadpool
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from crowdsafety.api.deps import get_runtime
from crowdsafety.domain.access import ApiKey, Role
from crowdsafety.service.keys import authenticate

#: Roles that see the picture (zones, sensors, forecasts, layers).
READERS = (Role.ADMIN, Role.OPERATOR, Role.PARTNER)
#: Roles of the control room (alerts' actions, the decision log, dead letters).
CONTROL_ROOM = (Role.ADMIN, Role.OPERATOR)

_bearer = HTTPBearer(auto_error=False, description="An API key: `Authorization: Bearer csm_...`")
_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="An API key: `X-API-Key: csm_...`")

#: Error responses every protected route may give (for the OpenAPI document).
AUTH_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"description": "No key, or not a valid key"},
    403: {"description": "The key's role may not use this"},
}


async def current_key(
    request: Request,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)],
    header: Annotated[str | None, Security(_header)],
) -> ApiKey:
    """The caller's active key; 401 when there is none or it is not valid."""
    text = bearer.credentials if bearer is not None else header
    if not text:
        raise HTTPException(401, "an API key is needed: send 'Authorization: Bearer <key>'",
                            headers={"WWW-Authenticate": "Bearer"})
    key = await run_in_threadpool(authenticate, get_runtime(request), text)
    if key is None:
        raise HTTPException(401, "the API key is not valid (unknown, revoked or mistyped)",
                            headers={"WWW-Authenticate": "Bearer"})
    return key


def allow(*roles: Role) -> Any:
    """A dependency admitting keys of ``roles`` only."""
    names = ", ".join(r.value for r in roles)

    async def check(key: Annotated[ApiKey, Depends(current_key)]) -> ApiKey:
        if key.role not in roles:
            raise HTTPException(403, f"a {key.role.value} key may not use this; it needs one of: {names}")
        return key

    return Depends(check)


CallerDep = Annotated[ApiKey, Depends(current_key)]
