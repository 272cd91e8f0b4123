"""Browser tests: the real app under uvicorn on a free loopback port, Debian's Chromium driven by
Playwright (never a downloaded browser). Skipped only when /usr/bin/chromium is absent."""

from __future__ import annotations

from datetime import timedelta
from typing import Iterator

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from crowdsafety.api import create_app
from crowdsafety.service import ReplayClock, Runtime
from crowdsafety.store import open_store

from .harness import CHROMIUM, CHROMIUM_ARGS, NOW, Console, LiveServer, mini_rows


@pytest.fixture
def mini_runtime(mini_site) -> Iterator[Runtime]:
    """The mini site with one hour of known observations: beach orange, square yellow."""
    runtime = Runtime(mini_site, open_store("duckdb://:memory:"), ReplayClock(NOW))
    report = runtime.ingest(mini_rows(NOW - timedelta(hours=1), 12))
    assert report.accepted == 48
    runtime.refresh()
    yield runtime
    runtime.store.close()


@pytest.fixture
def mini_server(mini_runtime: Runtime) -> Iterator[LiveServer]:
    with LiveServer(create_app(mini_runtime)) as server:
        yield server


@pytest.fixture
def decided_server(mini_server: LiveServer) -> LiveServer:
    """The mini server once decision support has judged the picture (beach: an orange alert)."""
    mini_server.app.state.decider.evaluate()
    return mini_server


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is absent; install Debian's chromium (apt-get install chromium) for the browser tests")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(5000)
    page.console = Console(page)  # type: ignore[attr-defined]
    yield page
    context.close()
