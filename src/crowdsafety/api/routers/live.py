"""What the dashboard needs beyond the resources: live updates, map layers, the public page.

- ``GET /api/v1/events``: Server-Sent Events; an ``interval`` event whenever the picture has a
  new latest interval. One shared poll of the store per ``POLL_S`` serves every client; a
  stream ends after ``MAX_STREAM_S`` (the browser reconnects by itself) or when the client goes.
- ``GET /api/v1/site/layers`` and ``/api/v1/site/layers/{name}``: the GeoJSON background layers
  that the site folder ships (coast and streets, transit stops) and the zone outlines.
- ``GET /public``: the public advice page.
- :class:`SecurityHeaders`: ASGI middleware sending a Content-Security-Policy without
  ``'unsafe-inline'`` and the usual hardening headers.
"""

from __future__ import annotations

import asyncio
import json
import time
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any, AsyncIterator
from urllib.parse import urlsplit

from fastapi import APIRouter, HTTPException, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, JSONResponse, StreamingResponse
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from crowdsafety.api.auth import AUTH_RESPONSES, READERS, allow
from crowdsafety.api.deps import RuntimeDep
from crowdsafety.api.schemas import INVALID
from crowdsafety.service import Runtime

router = APIRouter(tags=["dashboard"])

#: Seconds between two looks at the store for a new interval (shared by all clients).
POLL_S = 1.0
#: Seconds between keep-alive comments on a quiet stream.
KEEPALIVE_S = 15.0
#: Seconds after which a stream ends; the browser's EventSource reconnects after ``RETRY_MS``.
MAX_STREAM_S = 30 * 60.0
RETRY_MS = 3000
#: Concurrent event streams at most; more are answered 503.
MAX_STREAMS = 200

#: Layer name -> file in the site folder. ``zones`` is built from the site (outlines only);
#: emergency routes come with their status from ``GET /api/v1/emergency-routes``.
LAYER_FILES = {"coast": "coast.geojson", "stops": "stops.geojson"}

#: Paths that keep the framework's own pages (Swagger UI and ReDoc load from a CDN).
_DOCS_PATHS = ("/docs", "/redoc")


class _Watch:
    """The latest interval, looked up at most once per ``POLL_S`` however many streams ask."""

    def __init__(self, runtime: Runtime):
        self._runtime = runtime
        self._lock = asyncio.Lock()
        self._checked = float("-inf")
        self._value: dict[str, str | None] = {}
        self.streams = 0

    async def latest(self) -> dict[str, str | None]:
        async with self._lock:
            if time.monotonic() - self._checked >= POLL_S:
                self._value = await run_in_threadpool(self._lookup)
                self._checked = time.monotonic()
            return self._value

    def _lookup(self) -> dict[str, str | None]:
        latest = max((s.start for s in self._runtime.latest_states().values()), default=None)
        return {"latest_interval": _iso(latest), "now": _iso(self._runtime.clock.now())}


def _iso(t: datetime | None) -> str | None:
    return t.isoformat().replace("+00:00", "Z") if t is not None else None


def _watch(request: Request, runtime: Runtime) -> _Watch:
    watch = getattr(request.app.state, "live_watch", None)
    if watch is None:
        watch = request.app.state.live_watch = _Watch(runtime)
    return watch


@router.get(
    "/api/v1/events",
    operation_id="get_events",
    summary="Live updates (Server-Sent Events)",
    response_class=StreamingResponse,
    dependencies=[allow(*READERS)],
    responses={**AUTH_RESPONSES, 200: {"content": {"text/event-stream": {}},
                     "description": "`event: interval` with data `{latest_interval, now}` (ISO 8601 UTC)"},
               503: {"description": "too many open streams"}},
)
async def get_events(request: Request, runtime: RuntimeDep) -> StreamingResponse:
    """A stream that sends ``interval`` once at the start and again whenever a new interval is
    computed; ``: keep-alive`` comments keep proxies from closing it."""
    watch = _watch(request, runtime)
    if watch.streams >= MAX_STREAMS:
        raise HTTPException(503, f"more than {MAX_STREAMS} open event streams; try again later")
    return StreamingResponse(_stream(request, watch), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


async def _stream(request: Request, watch: _Watch) -> AsyncIterator[str]:
    watch.streams += 1
    try:
        yield f"retry: {RETRY_MS}\n\n"
        started = quiet_since = time.monotonic()
        sent: dict[str, str | None] | None = None
        while time.monotonic() - started < MAX_STREAM_S and not await request.is_disconnected():
            latest = await watch.latest()
            if latest != sent:
                yield f"event: interval\ndata: {json.dumps(latest)}\n\n"
                sent, quiet_since = latest, time.monotonic()
            elif time.monotonic() - quiet_since >= KEEPALIVE_S:
                yield ": keep-alive\n\n"
                quiet_since = time.monotonic()
            await asyncio.sleep(POLL_S)
    finally:
        watch.streams -= 1


@router.get("/api/v1/site/layers", operation_id="get_site_layers", response_model=list[str],
            dependencies=[allow(*READERS)], responses=AUTH_RESPONSES)
def get_site_layers(runtime: RuntimeDep) -> list[str]:
    """Names of the map layers this site has: ``zones``, and ``coast`` and ``stops`` where its
    folder ships them."""
    return ["zones"] + [name for name in LAYER_FILES if _layer_path(runtime, name) is not None]


@router.get("/api/v1/site/layers/{name}", operation_id="get_site_layer", dependencies=[allow(*READERS)],
            responses={**AUTH_RESPONSES, 200: {"content": {"application/geo+json": {}}}, 404: {"description": "no such layer"},
                       **INVALID})
def get_site_layer(name: str, runtime: RuntimeDep) -> Response:
    """One layer as a GeoJSON FeatureCollection in WGS84 (``zones``: id, name, group and outline
    only, no state)."""
    return layer_response(runtime, name)


def layer_response(runtime: Runtime, name: str) -> Response:
    """The layer ``name`` of the site as GeoJSON; 404 naming the layers there are."""
    if name == "zones":
        features = [{"type": "Feature", "id": z.id, "geometry": z.geometry,
                     "properties": {"id": z.id, "name": z.name, "group": z.group}} for z in runtime.site.zones]
        return _geojson({"type": "FeatureCollection", "features": features})
    path = _layer_path(runtime, name)
    if path is None:
        known = ", ".join(["zones", *LAYER_FILES])
        raise HTTPException(404, f"site {runtime.site.id!r} has no layer {name[:40]!r} (layers: {known})")
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise HTTPException(500, f"layer {name}: {path.name} cannot be read as JSON: {exc}") from None
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        raise HTTPException(500, f"layer {name}: {path.name} is not a GeoJSON FeatureCollection")
    return _geojson(doc)


def _layer_path(runtime: Runtime, name: str) -> Path | None:
    file = LAYER_FILES.get(name)
    if file is None or runtime.site.folder is None:
        return None
    path = Path(runtime.site.folder) / file
    return path if path.is_file() else None


def _geojson(doc: dict[str, Any]) -> JSONResponse:
    return JSONResponse(doc, media_type="application/geo+json", headers={"Cache-Control": "max-age=300"})


@router.get("/public", include_in_schema=False)
def public_page() -> FileResponse:
    """The public page: the advice per zone, no counts, no incidents."""
    return FileResponse(str(resources.files("crowdsafety") / "web" / "public.html"))


def content_security_policy(tile_url: str | None) -> str:
    """The dashboard's policy: scripts, styles and data from this origin only; map images also
    from the origin of ``tile_url`` (``{s}`` subdomains as ``*``) when the site has one."""
    img = "'self' data:"
    parts = urlsplit(tile_url or "")
    if parts.scheme in ("http", "https") and parts.netloc:
        img += f" {parts.scheme}://{parts.netloc.replace('{s}', '*')}"
    return (f"default-src 'self'; script-src 'self'; style-src 'self'; img-src {img}; "
            "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
            "frame-ancestors 'none'; form-action 'self'")


class SecurityHeaders:
    """ASGI middleware: a Content-Security-Policy without 'unsafe-inline' (not on /docs and
    /redoc, whose pages load from a CDN), no sniffing, no framing, no referrer."""

    def __init__(self, app: ASGIApp, *, tile_url: str | None = None):
        self.app = app
        self.csp = content_security_policy(tile_url)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        docs = scope["path"].startswith(_DOCS_PATHS)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if not docs:
                    headers.setdefault("Content-Security-Policy", self.csp)
                    headers.setdefault("X-Frame-Options", "DENY")
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "no-referrer")
            await send(message)

        await self.app(scope, receive, send_with_headers)
