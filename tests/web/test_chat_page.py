"""The passenger chat page on a phone-sized screen, under the dashboard's Content-Security-Policy."""

from importlib import resources

import pytest
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from playwright.sync_api import expect

from crowdsafety.api.routers import chat
from crowdsafety.api.routers.live import SecurityHeaders
from crowdsafety.cli.settings import resolve_site_dir
from crowdsafety.service.chat_sessions import ChatSessions

from .harness import LiveServer


@pytest.fixture
def chat_server():
    app = FastAPI()
    app.include_router(chat.router)

    @app.get("/api/v1/public/incidents/{ref}")
    def status(ref: str) -> dict:  # stands in for the incident service
        return {"ref": ref, "status": "assigned", "answer": "Er rijdt extra toezicht mee.", "answered_at": None}

    app.mount("/static", StaticFiles(directory=str(resources.files("crowdsafety") / "web")), name="static")
    app.add_middleware(SecurityHeaders)
    app.state.chat = ChatSessions.for_site(resolve_site_dir("scheveningen"), lambda report: "CS-PAGE1")
    with LiveServer(app) as server:
        yield server


def test_conversation_on_a_phone(chat_server, page):
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto(chat_server.url + "/chat")
    page.select_option("#lang", "en")
    page.fill("#text", "someone stole my wallet on tram 9")
    page.click("#send")
    expect(page.locator("#messages li.bot")).to_have_count(1)
    expect(page.locator("#messages li.bot").last).to_contain_text("At which stop")
    page.fill("#text", "kurhaus")
    page.press("#text", "Enter")
    page.fill("#text", "yesterday")
    page.press("#text", "Enter")
    expect(page.locator("#messages li.bot").last).to_contain_text("CS-PAGE1")
    expect(page.locator("#send")).to_have_text("New conversation")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling
    assert page.console.problems == []


def test_emergency_reply_and_status_by_reference(chat_server, page):
    page.goto(chat_server.url + "/chat?ref=CS-PAGE1")
    expect(page.locator("#status")).to_contain_text("Er rijdt extra toezicht mee.")
    page.fill("#text", "er staat een man met een mes in de tram")
    page.click("#send")
    expect(page.locator("#messages li.bot").first).to_contain_text("Bel nu direct 112")
    assert page.console.problems == []
