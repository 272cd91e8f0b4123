"""A 405 answer's ``Allow`` header lists every method its path serves (RFC 9110 §15.5.6).

Starlette answers a method no route takes with the methods of the first route whose path
matched, so ``OPTIONS /api/v1/keys`` said ``Allow: GET`` although ``POST`` is served too.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.routing import Match, Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send


#: Methods an API route may serve.
METHODS = ("DELETE", "GET", "HEAD", "PATCH", "POST", "PUT")


def allowed_methods(scope: Scope) -> list[str]:
    """The methods some route of ``scope["app"]`` serves at the request's path: each method is
    tried on a fresh scope (routing has already filled the request's with the route it chose).
    Mounts (static files) are left out: they take the path whatever the method."""
    routes = [r for r in getattr(scope.get("app"), "routes", ()) if not isinstance(r, Mount)]
    probe = {"type": "http", "path": scope["path"], "root_path": scope.get("root_path", "")}
    return [m for m in METHODS if any(r.matches({**probe, "method": m})[0] is Match.FULL for r in routes)]


class AllowedMethods:
    """ASGI middleware completing the ``Allow`` header of 405 answers."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_allow(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] == 405:
                methods = allowed_methods(scope)
                if methods:
                    MutableHeaders(scope=message)["Allow"] = ", ".join(methods)
            await send(message)

        await self.app(scope, receive, send_with_allow)
