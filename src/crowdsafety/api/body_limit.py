"""Request body limits: every route takes at most :data:`MAX_BODY_BYTES` unless it declares its
own limit with FastAPI's ``max_body_size`` (the ingest 8 MiB, aerial uploads 10 MiB, the
chatbot 16 KiB).

A body whose ``Content-Length`` is over the limit is refused with 413 (a Problem) before it is
read; a body without one (chunked) is counted as it arrives and refused as soon as it passes the
limit. Placed inside :class:`~crowdsafety.api.auth.KeyFirst`, so a caller without a key gets
401 whatever its body.
"""

from __future__ import annotations

from collections.abc import Iterable

from fastapi import HTTPException
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from starlette.datastructures import Headers
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: The default largest request body (bytes).
MAX_BODY_BYTES = 1024 * 1024


class BodyTooLarge(HTTPException):
    """A body past its route's limit (413); raised while the route reads it."""

    def __init__(self, limit: int):
        super().__init__(413, f"request body larger than {_size(limit)}, the most this route takes")


class BodyLimit:
    """ASGI middleware holding each request body to its route's limit (see the module):
    ``routes`` are the app's routes as their routers declare them (those with a
    ``max_body_size`` are kept), ``max_bytes`` the limit of every other path."""

    def __init__(self, app: ASGIApp, *, routes: Iterable[BaseRoute], max_bytes: int = MAX_BODY_BYTES):
        self.app = app
        self.max_bytes = max_bytes
        self.own_limits = [r for r in routes if isinstance(r, APIRoute) and r.max_body_size is not None]

    def route_limit(self, scope: Scope) -> int:
        """The ``max_body_size`` of the route ``scope`` goes to, else the default (bytes)."""
        for route in self.own_limits:
            if route.matches(scope)[0] is Match.FULL:
                return route.max_body_size or 0
        return self.max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        declared = headers.get("content-length", "")
        if declared in ("", "0") and "transfer-encoding" not in headers:  # no body
            await self.app(scope, receive, send)
            return
        limit = self.route_limit(scope)
        if declared.isdigit() and int(declared) > limit:
            await _too_large(limit)(scope, receive, send)
            return
        seen = 0
        started = False

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge(limit)
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except BodyTooLarge:  # read outside a route (whose exception handlers answer it)
            if started:
                raise
            await _too_large(limit)(scope, receive, send)


def _too_large(limit: int) -> JSONResponse:
    exc = BodyTooLarge(limit)
    return JSONResponse({"detail": exc.detail}, status_code=413)


def _size(n: int) -> str:
    if n >= 2**20 and n % 2**20 == 0:
        return f"{n // 2**20} MiB"
    if n >= 1024 and n % 1024 == 0:
        return f"{n // 1024} KiB"
    return f"{n} bytes"
