"""Make the README's screenshots of the dashboard (PNG under docs/).

Builds the Scheveningen demo on an in-memory store (the data of ``crowdsafety demo``) with the
picture of its whole history, replays it to the evening of the first fireworks night with
decision support judging every interval, issues the week-ahead forecast, serves it on a free
loopback port and photographs it with Debian's Chromium (never a downloaded browser), signed in
with an operator key made for the purpose (the public page needs none):

    .venv/bin/python scripts/screenshots.py [--out docs] [--until-utc 20:00]

Writes dashboard.png, zone-panel.png, forecast.png, alerts.png, week.png, wall.png, public.png.
"""

from __future__ import annotations

import argparse
import socket
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable

import pandas as pd
import uvicorn
from fastapi import FastAPI
from playwright.sync_api import Page, sync_playwright

from crowdsafety.api import create_app
from crowdsafety.cli.demo import HISTORY_DAYS, prepare
from crowdsafety.domain.access import Role
from crowdsafety.service import ReplayClock, Runtime
from crowdsafety.service.forecasting import Forecaster
from crowdsafety.service.keys import create_key

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
#: The zone whose panel is photographed.
ZONE = "pier"
#: The forecast photographed: this many quarter-hours ahead (the next evening).
FORECAST_AHEAD = 24 * 4


def serve(app: FastAPI) -> tuple[str, uvicorn.Server, threading.Thread]:
    """Start uvicorn on a free loopback port in a thread; answers its URL, server and thread."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", ws="none", timeout_graceful_shutdown=1))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    return f"http://127.0.0.1:{sock.getsockname()[1]}", server, thread


def replay_until(runtime: Runtime, decide: Callable[[], object], future: pd.DataFrame, until: datetime) -> None:
    """Feed the replay interval by interval up to ``until``, refreshing and deciding each time."""
    clock = runtime.clock
    assert isinstance(clock, ReplayClock)
    step = timedelta(seconds=runtime.site.interval_s)
    for _, frame in future[future["start"] < until].groupby("start", sort=True):
        runtime.ingest_frame(frame)
        behind = frame["start"].iloc[0].to_pydatetime() + step - clock.now()
        if behind > timedelta(0):
            clock.advance(behind.total_seconds())
        runtime.refresh()
        decide()


def ready(page: Page, url: str) -> None:
    """Load ``url`` and wait for its first full render."""
    page.goto(url)
    page.wait_for_selector("body[data-ready=true]", timeout=15_000)
    page.wait_for_timeout(300)  # let the panels settle


def shoot(url: str, key: str, out: Path) -> list[Path]:
    """Photograph the dashboard at ``url``, signed in with ``key``, into ``out``; answers the files
    written."""
    written = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        laptop = browser.new_context(viewport={"width": 1440, "height": 900}, device_scale_factor=1)
        page = laptop.new_page()
        ready(page, url + f"/?lang=en#key={key}")
        written.append(out / "dashboard.png")
        page.screenshot(path=written[-1])
        page.click(f'#zone-list tr[data-zone="{ZONE}"]')
        page.wait_for_selector("#panel-zone svg.chart")
        page.wait_for_timeout(300)
        written.append(out / "zone-panel.png")
        page.screenshot(path=written[-1])
        page.fill("#time", str(FORECAST_AHEAD))
        page.wait_for_selector('path[data-mode="forecast"]')
        page.wait_for_timeout(500)
        written.append(out / "forecast.png")
        page.screenshot(path=written[-1])
        page.click(".time-now")
        for tab, drawn in (("alerts", "#panel-alerts .alert-list"), ("week", "#panel-week table")):
            page.click(f'[data-tab="{tab}"]')
            page.wait_for_selector(drawn, timeout=30_000)
            page.wait_for_timeout(500)
            written.append(out / f"{tab}.png")
            page.screenshot(path=written[-1])
        laptop.close()

        wall = browser.new_context(viewport={"width": 1920, "height": 1080})
        page = wall.new_page()
        ready(page, url + f"/?view=wall&lang=nl#key={key}")
        page.click(f'#zone-list tr[data-zone="{ZONE}"]')
        page.wait_for_selector("#panel-zone svg.chart")
        page.wait_for_timeout(500)
        written.append(out / "wall.png")
        page.screenshot(path=written[-1])
        wall.close()

        phone = browser.new_context(viewport={"width": 480, "height": 1000}, device_scale_factor=1.5)
        page = phone.new_page()
        ready(page, url + "/public?lang=nl")
        written.append(out / "public.png")
        page.screenshot(path=written[-1], full_page=True)
        phone.close()
        browser.close()
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent.parent / "docs")
    parser.add_argument("--until-utc", default="20:00", help="replay up to this UTC time of the replay's first day")
    args = parser.parse_args()
    runtime, data, future = prepare("scheveningen", "duckdb://:memory:")
    runtime.refresh(since=data.replay_start - timedelta(days=HISTORY_DAYS))  # the forecaster learns from it
    _, key = create_key(runtime, name="control room", role=Role.OPERATOR, actor="scripts/screenshots.py",
                        actor_role="admin")
    hour, minute = (int(x) for x in args.until_utc.split(":"))
    until = data.replay_start.replace(hour=hour, minute=minute, tzinfo=timezone.utc)
    app = create_app(runtime)
    url, server, thread = serve(app)
    try:
        replay_until(runtime, app.state.decider.evaluate, future, until)
        Forecaster(runtime).refresh()
        args.out.mkdir(parents=True, exist_ok=True)
        for path in shoot(url, key, args.out):
            print(f"wrote {path}")
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        runtime.store.close()


if __name__ == "__main__":
    main()
