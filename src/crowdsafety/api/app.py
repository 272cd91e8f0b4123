"""The application factory."""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from contextlib import asynccontextmanager
from importlib import resources
from typing import AsyncIterator

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles

from crowdsafety import __version__
from crowdsafety.api.routers import (
    access,
    aerial,
    alerts,
    chat,
    dead_letters,
    decisions,
    flights,
    forecasts,
    incidents,
    keys,
    live,
    observations,
    public,
    public_incidents,
    public_map,
    sensors,
    site,
    zones,
)
from crowdsafety.api.auth import KeyFirst
from crowdsafety.api.body_limit import BodyLimit
from crowdsafety.api.method_not_allowed import AllowedMethods
from crowdsafety.api.ratelimit import RowLimiter
from crowdsafety.domain.privacy import PRIVACY_K
from crowdsafety.service import Runtime
from crowdsafety.service.chat_filing import incident_filer
from crowdsafety.service.chat_sessions import IDLE_S, ChatSessions
from crowdsafety.service.deciding import Decider, build_decider
from crowdsafety.service.forecasting import Forecaster
from crowdsafety.service.retention import DailyRetention

log = logging.getLogger(__name__)


def create_app(
    runtime: Runtime,
    *,
    refresh_every_s: float | None = None,
    decider: Decider | None = None,
    forecaster: Forecaster | None = None,
    row_limiter: RowLimiter | None = None,
    privacy_k: int = PRIVACY_K,
    retention_days: int | None = None,
    chat_keep_s: float = IDLE_S,
) -> FastAPI:
    """Build the app for ``runtime``; with ``refresh_every_s`` background threads keep the
    picture, the alerts and (given a ``forecaster``) the forecasts up to date without blocking
    requests. ``row_limiter``: each key's ingest rate (default :class:`RowLimiter`'s);
    ``privacy_k``: the smallest count public outputs show; ``retention_days``: raw observations
    older than this are deleted daily by the refresh loop (None: kept); ``chat_keep_s``: how long
    a passenger conversation's text is kept in memory after its last message (never stored)."""
    decider = decider or build_decider(runtime)
    retention = DailyRetention(runtime, retention_days)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        stop = threading.Event()
        thread = None
        if refresh_every_s:
            thread = threading.Thread(target=_refresh_loop, args=(runtime, decider, retention, refresh_every_s, stop),
                                      name="picture-refresh", daemon=True)
            thread.start()
            if forecaster is not None:
                forecaster.start()
        yield
        if forecaster is not None:
            forecaster.stop()
        stop.set()
        if thread:
            thread.join(timeout=10)
        decider.close()

    app = FastAPI(title="Crowd Safety Manager", version=__version__, lifespan=lifespan,
                  description="The shared picture of crowding: zones, sensors, observations.")
    app.state.runtime = runtime
    app.state.decider = decider
    app.state.row_limiter = row_limiter or RowLimiter()
    app.state.privacy_k = privacy_k
    filer = incident_filer(runtime)
    app.state.chat = (ChatSessions.for_site(Path(runtime.site.folder), filer, idle_s=chat_keep_s)
                      if runtime.site.folder else ChatSessions(filer, idle_s=chat_keep_s))
    routers = [m.router for m in (site, zones, sensors, observations, dead_letters, alerts, decisions, public,
                                  public_map, access, forecasts, live, keys, incidents, public_incidents, chat,
                                  flights, aerial)]
    for router in routers:
        app.include_router(router)
    app.add_middleware(BodyLimit, routes=[r for router in routers for r in router.routes])  # inside KeyFirst
    app.add_middleware(KeyFirst)
    app.add_middleware(live.SecurityHeaders, tile_url=runtime.site.tile_url)
    app.add_middleware(AllowedMethods)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        parts = []
        for err in exc.errors():
            where = ".".join(str(p) for p in err.get("loc", ()))
            parts.append(f"{where}: {err.get('msg')}")
        return JSONResponse({"detail": "; ".join(parts)}, status_code=422)

    web = resources.files("crowdsafety") / "web"

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(str(web / "index.html"))

    app.mount("/static", StaticFiles(directory=str(web)), name="static")
    return app


def _refresh_loop(runtime: Runtime, decider: Decider, retention: DailyRetention, every_s: float,
                  stop: threading.Event) -> None:
    while not stop.wait(every_s):
        try:
            runtime.refresh()
            decider.evaluate()
            retention.run_if_due()
        except Exception:  # keep the service alive; the next round tries again
            log.exception("picture refresh failed")
