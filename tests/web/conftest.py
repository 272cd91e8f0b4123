"""Browser tests: the real app under uvicorn on a free loopback port, Debian's Chromium driven by
Playwright (never a downloaded browser). Skipped only when /usr/bin/chromium is absent."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Iterator

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from crowdsafety.api import create_app
from crowdsafety.decide import load_playbook
from crowdsafety.service import ReplayClock, Runtime
from crowdsafety.service.deciding import Decider
from crowdsafety.store import open_store

from .harness import CHROMIUM, CHROMIUM_ARGS, NOW, Console, LiveServer, mini_rows, new_key

#: Two parties' measures for the mini site: the police's from yellow, the transit operator's at orange.
PLAYBOOK = """
[owners]
police = "Police"
transit = "Transit operator"
[[measure]]
id = "stewards"
level = "yellow"
owner = "police"
lead_time_minutes = 0
title = "Stewards at the square"
[[measure]]
id = "extra-trams"
level = "orange"
owner = "transit"
lead_time_minutes = 0
title = "Extra trams"
"""


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
def operator_key(mini_runtime: Runtime) -> str:
    """An operator key (the control room) on the mini site's store."""
    return new_key(mini_runtime)


@pytest.fixture
def mini_server(mini_runtime: Runtime) -> Iterator[LiveServer]:
    with LiveServer(create_app(mini_runtime)) as server:
        yield server


@pytest.fixture
def decided_server(mini_server: LiveServer) -> LiveServer:
    """The mini server once decision support has judged the picture (beach: an orange alert)."""
    mini_server.app.state.decider.evaluate()
    return mini_server


@pytest.fixture
def playbook_server(mini_runtime: Runtime, tmp_path: Path) -> Iterator[LiveServer]:
    """The mini site with :data:`PLAYBOOK`, judged: the orange beach's alert carries both parties'
    measures."""
    (tmp_path / "playbook.toml").write_text(PLAYBOOK, encoding="utf-8")
    decider = Decider(mini_runtime, load_playbook(mini_runtime.site, tmp_path / "playbook.toml"))
    with LiveServer(create_app(mini_runtime, decider=decider)) as server:
        decider.evaluate()
        yield server


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
