"""Who is calling: API keys from ``Authorization: Bearer <key>`` or ``X-API-Key: <key>``.

Every router declares the roles it serves with ``dependencies=[allow(...)]`` (or takes the key
as a parameter with :func:`caller`); ``/api/v1/public/*``, the public page and the dashboard's
static files need no key. A missing or wrong key is 401, a key of another role 403.

FastAPI reads and decodes a route's JSON body before it solves the route's dependencies, so the
key is checked first by the ASGI middleware :class:`KeyFirst`: every path under ``/api/v1`` but
:data:`OPEN_PREFIXES` and :data:`OPEN_PATHS` answers 401 before a byte of its body is read,
unknown paths included. The dependencies then take the key it found (and check the role).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request, Security
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from fastapi.security.utils import get_authorization_scheme_param
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from crowdsafety.api.deps import get_runtime
from crowdsafety.domain.access import ApiKey, Role
from crowdsafety.service.keys import authenticate

#: Roles that see the picture (zones, sensors, forecasts, layers).
READERS = (Role.ADMIN, Role.OPERATOR, Role.PARTNER)
#: Roles of the control room (alerts' actions, the decision log, dead letters).
CONTROL_ROOM = (Role.ADMIN, Role.OPERATOR)

#: Paths under /api/v1 that need no key: the public view (prefix) and the passenger chatbot.
OPEN_PREFIXES = ("/api/v1/public/",)
OPEN_PATHS = frozenset({"/api/v1/chat"})
#: Where :class:`KeyFirst` leaves the key it found, in the request's ``state``.
KEY_STATE = "api_key"
NO_KEY = "an API key is needed: send 'Authorization: Bearer <key>'"
BAD_KEY = "the API key is not valid (unknown, revoked or mistyped)"

_bearer = HTTPBearer(auto_error=False, description="An API key: `Authorization: Bearer csm_...`")
_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="An API key: `X-API-Key: csm_...`")

#: Error responses every protected route may give (for the OpenAPI document).
AUTH_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"description": "No key, or not a valid key"},
    403: {"description": "The key's role may not use this"},
}


def needs_key(path: str) -> bool:
    """Whether a request to ``path`` (without the root path) must bring a key."""
    under_api = path == "/api/v1" or path.startswith("/api/v1/")
    return under_api and not path.startswith(OPEN_PREFIXES) and path not in OPEN_PATHS


def presented_key(headers: Headers) -> str | None:
    """The key text of ``Authorization: Bearer <key>``, else of ``X-API-Key``, else None."""
    authorization = headers.get("authorization")
    scheme, credentials = get_authorization_scheme_param(authorization)
    if authorization and scheme.lower() == "bearer" and credentials:
        return credentials
    return headers.get("x-api-key") or None


async def current_key(
    request: Request,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)],
    header: Annotated[str | None, Security(_header)],
) -> ApiKey:
    """The caller's active key (found by :class:`KeyFirst`); 401 when there is none or it is not
    valid. ``bearer`` and ``header`` declare the two ways to send it in the OpenAPI document."""
    known = getattr(request.state, KEY_STATE, None)
    if isinstance(known, ApiKey):
        return known
    text = presented_key(request.headers)
    if not text:
        raise HTTPException(401, NO_KEY, headers={"WWW-Authenticate": "Bearer"})
    key = await run_in_threadpool(authenticate, get_runtime(request), text)
    if key is None:
        raise HTTPException(401, BAD_KEY, headers={"WWW-Authenticate": "Bearer"})
    return key


class KeyFirst:
    """ASGI middleware: a path that needs a key (:func:`needs_key`) answers 401 (a Problem, with
    ``WWW-Authenticate: Bearer``) without reading the request's body when no valid key comes
    with it; a valid key is left in the request's state for :func:`current_key`."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not needs_key(_route_path(scope)):
            await self.app(scope, receive, send)
            return
        text = presented_key(Headers(scope=scope))
        key = await run_in_threadpool(authenticate, scope["app"].state.runtime, text) if text else None
        if key is None:
            refused = JSONResponse({"detail": BAD_KEY if text else NO_KEY}, status_code=401,
                                   headers={"WWW-Authenticate": "Bearer"})
            await refused(scope, receive, send)
            return
        scope.setdefault("state", {})[KEY_STATE] = key
        await self.app(scope, receive, send)


def _route_path(scope: Scope) -> str:
    path, root = scope["path"], scope.get("root_path", "")
    return path[len(root):] if root and path.startswith(root) else path


def allow(*roles: Role) -> Any:
    """A dependency admitting keys of ``roles`` only."""
    names = ", ".join(r.value for r in roles)

    async def check(key: Annotated[ApiKey, Depends(current_key)]) -> ApiKey:
        if key.role not in roles:
            raise HTTPException(403, f"a {key.role.value} key may not use this; it needs one of: {names}")
        return key

    return Depends(check)


CallerDep = Annotated[ApiKey, Depends(current_key)]
