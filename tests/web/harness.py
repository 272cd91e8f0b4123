"""Helpers of the browser tests: a live server, known observations, console watching."""

from __future__ import annotations

import socket
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pandas as pd
import uvicorn
from playwright.sync_api import ConsoleMessage, Page

from crowdsafety.domain.access import Role
from crowdsafety.service import Runtime
from crowdsafety.service.keys import create_key

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
NOW = datetime(2026, 7, 5, 12, 0, tzinfo=timezone.utc)


class LiveServer:
    """uvicorn serving ``app`` on a free loopback port in a background thread."""

    def __init__(self, app: Any):
        self.app = app
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        config = uvicorn.Config(app, log_level="warning", ws="none", timeout_graceful_shutdown=1)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    def __enter__(self) -> "LiveServer":
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()


def mini_rows(start: datetime, n: int, *, beach: float = 20_000, square_in: float = 20) -> list[dict[str, Any]]:
    """``n`` five-minute intervals from ``start``: the beach holds ``beach`` persons (20,000 on
    15,240 m² = 1.31 p/m²: orange); the square gains ``square_in`` - 10 persons an interval
    (12 intervals of +10 = 120 persons: yellow)."""
    rows = []
    for i in range(n):
        t = (start + timedelta(minutes=5 * i)).isoformat()
        rows += [
            {"sensor_id": "cam-beach", "start": t, "metric": "count", "value": beach},
            {"sensor_id": "wifi-beach", "start": t, "metric": "devices", "value": beach / 2},
            {"sensor_id": "line-square", "start": t, "metric": "in", "value": square_in},
            {"sensor_id": "line-square", "start": t, "metric": "out", "value": 10},
        ]
    return rows


def mini_forecasts(issued_at: datetime, hours: int = 48) -> pd.DataFrame:
    """Hourly forecasts from the hour of ``issued_at``: the beach expects 12,000 persons
    (0.79 p/m²: yellow), but 40,000 (2.6 p/m²: red, 90 % chance of orange or worse) in the
    third to fifth hour; the square expects 50 persons (green)."""
    first = pd.Timestamp(issued_at).floor("h")
    rows = []
    for h in range(hours):
        busy = 2 <= h <= 4
        beach = (30_000, 40_000, 50_000, 0.0, 0.05, 0.25, 0.7) if busy else (9_000, 12_000, 15_000, 0.2, 0.7, 0.1, 0.0)
        for zone, (p10, p50, p90, *chances) in (("beach", beach), ("square", (30, 50, 70, 1.0, 0.0, 0.0, 0.0))):
            rows.append({"zone_id": zone, "issued_at": pd.Timestamp(issued_at), "start": first + pd.Timedelta(hours=h),
                         "interval_s": 3600, "model": "test", "quantity": "people", "p10": p10, "p50": p50,
                         "p90": p90, **dict(zip(("p_green", "p_yellow", "p_orange", "p_red"), chances))})
    return pd.DataFrame(rows)


class Console:
    """Console errors and warnings, uncaught exceptions and failed requests of a page."""

    def __init__(self, page: Page):
        self.problems: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.problems.append(f"uncaught: {exc}"))
        page.on("requestfailed", lambda r: self.problems.append(f"request failed: {r.url} {r.failure}")
                if not r.url.endswith("/api/v1/events") else None)

    def _console(self, message: ConsoleMessage) -> None:
        if message.type in ("error", "warning"):
            self.problems.append(f"console {message.type}: {message.text}")



def new_key(runtime: Runtime, role: Role = Role.OPERATOR, **kw: Any) -> str:
    """A new API key of ``role`` on ``runtime``'s store; answers the whole key text."""
    return create_key(runtime, name=f"browser test {role.value}", role=role, actor="tests/web",
                      actor_role="admin", **kw)[1]


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def open_dashboard(page: Page, url: str, key: str | None = None) -> None:
    """Load the page (handing ``key`` over in the address's fragment, as the demo prints it) and
    wait until its first full render (map, list and sensors drawn)."""
    page.goto(url + (f"#key={key}" if key else ""))
    page.wait_for_selector("body[data-ready=true]", timeout=10_000)


#: The page's level colours (web/js/format.js), colour-blind safe (Okabe-Ito).
COLOUR = {"green": "#009e73", "yellow": "#f0e442", "orange": "#e69f00", "red": "#d55e00", "none": "#b8b8b8"}
