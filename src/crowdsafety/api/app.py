"""The application factory."""

from __future__ import annotations

import logging
import threading
from contextlib import asynccontextmanager
from importlib import resources
from typing import AsyncIterator

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles

from crowdsafety import __version__
from crowdsafety.api.routers import observations, sensors, site, zones
from crowdsafety.service import Runtime

log = logging.getLogger(__name__)


def create_app(runtime: Runtime, *, refresh_every_s: float | None = None) -> FastAPI:
    """Build the app for ``runtime``; with ``refresh_every_s`` a background thread keeps the
    picture up to date without blocking requests."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        stop = threading.Event()
        thread = None
        if refresh_every_s:
            thread = threading.Thread(target=_refresh_loop, args=(runtime, refresh_every_s, stop),
                                      name="picture-refresh", daemon=True)
            thread.start()
        yield
        stop.set()
        if thread:
            thread.join(timeout=10)

    app = FastAPI(title="Crowd Safety Manager", version=__version__, lifespan=lifespan,
                  description="The shared picture of crowding: zones, sensors, observations.")
    app.state.runtime = runtime
    for module in (site, zones, sensors, observations):
        app.include_router(module.router)

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


def _refresh_loop(runtime: Runtime, every_s: float, stop: threading.Event) -> None:
    while not stop.wait(every_s):
        try:
            runtime.refresh()
        except Exception:  # keep the service alive; the next round tries again
            log.exception("picture refresh failed")
