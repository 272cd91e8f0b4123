"""The public page: colours and advice per area, never a count, and nothing but the public routes,
which need no key."""

from urllib.parse import urlsplit

import httpx
from playwright.sync_api import expect

from .harness import COLOUR, open_dashboard

PUBLIC_ROUTES = {"/openapi.json", "/api/v1/public/site", "/api/v1/public/layers", "/api/v1/public/layers/zones",
                 "/api/v1/public/advice"}


def test_public_page_shows_advice_and_no_counts(decided_server, page):
    requested = []
    page.on("request", lambda r: requested.append(urlsplit(r.url).path))
    keys = []
    page.on("request", lambda r: keys.append(r.headers.get("authorization") or r.headers.get("x-api-key")))
    open_dashboard(page, decided_server.url + "/public?lang=en")
    beach = page.locator('#advice li[data-group="coast"]')
    expect(beach.locator(".level")).to_have_text("orange")
    assert "Very busy at coast" in beach.inner_text()
    assert page.locator('path[data-zone="beach"]').get_attribute("fill") == COLOUR["orange"]
    api = {p for p in requested if p.startswith("/api/") or p == "/openapi.json"}
    assert api <= PUBLIC_ROUTES, api - PUBLIC_ROUTES
    assert set(keys) == {None}  # no key sent, none needed
    text = page.locator("body").inner_text()
    people = {s.people for s in decided_server.app.state.runtime.latest_states().values()}
    assert people == {20_000, 120}
    for shown in ("20,000", "20000", "20.000", "120"):
        assert shown not in text
    page.hover('path[data-zone="beach"]', position={"x": 20, "y": 20})
    tip = page.locator(".zone-tip")
    expect(tip).to_contain_text("orange")
    assert "persons" not in tip.inner_text()
    assert page.console.problems == []
    assert httpx.get(decided_server.url + "/public").headers["content-type"].startswith("text/html")
