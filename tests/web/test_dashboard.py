"""The dashboard in a real browser on the mini site with a known state (beach orange, square yellow)."""

from playwright.sync_api import expect

from .harness import COLOUR, NOW, mini_rows, open_dashboard


def zone_levels(page):
    """{zone id: [data-level, fill colour]} as drawn on the map."""
    return page.evaluate("""() => Object.fromEntries([...document.querySelectorAll('path[data-zone]')].map(
        (p) => [p.dataset.zone, [p.dataset.level, p.getAttribute('fill')]]))""")


def test_page_loads_clean_and_colours_every_zone(mini_server, mini_runtime, operator_key, page):
    response = page.goto(mini_server.url + f"/?lang=en#key={operator_key}")
    assert "'unsafe-inline'" not in response.headers["content-security-policy"]
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_selector("body[data-ready=true]")
    states = mini_runtime.latest_states()
    assert {z: s.level.value for z, s in states.items()} == {"beach": "orange", "square": "yellow"}
    drawn = zone_levels(page)
    assert drawn == {"beach": ["orange", COLOUR["orange"]], "square": ["yellow", COLOUR["yellow"]]}
    labels = page.locator(".zone-label b").all_inner_texts()
    assert sorted(w.lower() for w in labels) == ["orange", "yellow"]
    rows = page.locator("#zone-list tbody tr")
    assert rows.count() == 2
    assert page.locator('#zone-list tr[data-zone="beach"] .level').inner_text() == "orange"
    assert page.locator('#zone-list tr[data-zone="beach"] td.num').inner_text() == "20,000"
    sensors = page.evaluate("[...document.querySelectorAll('path[data-sensor]')].map(p => p.dataset.sensor + ':' + p.dataset.health)")
    assert sensors == ["cam-beach:ok"]  # the only sensor of the mini site with a location
    assert page.console.problems == []


def test_hover_shows_people_and_density(mini_server, operator_key, page):
    open_dashboard(page, mini_server.url + "/?lang=en", operator_key)
    page.hover('path[data-zone="beach"]', position={"x": 20, "y": 20})
    tip = page.locator(".zone-tip")
    tip.wait_for()
    text = tip.inner_text()
    assert "20,000 persons" in text and "1.31 p/m²" in text and "orange" in text
    assert page.console.problems == []


def test_zone_panel_has_chart_thresholds_and_sensors(mini_server, operator_key, page):
    open_dashboard(page, mini_server.url + "/?lang=en", operator_key)
    page.click('path[data-zone="beach"]', position={"x": 20, "y": 20})
    panel = page.locator("#panel-zone")
    panel.locator("svg.chart path.chart-observed").wait_for(state="attached")
    assert panel.locator("h2").inner_text() == "Beach"
    assert panel.locator("rect.chart-level").count() == 4  # green, yellow, orange and red bands
    sensors = dict(zip(panel.locator(".sensor-list li").evaluate_all("els => els.map(e => e.dataset.sensor)"),
                       panel.locator(".sensor-list li .health").all_inner_texts()))
    assert sensors == {"cam-beach": "ok", "wifi-beach": "ok"}
    assert page.console.problems == []


def test_slider_back_in_time_shows_the_stored_state_then(mini_server, operator_key, page):
    open_dashboard(page, mini_server.url + "/?lang=en", operator_key)
    page.fill("#time", "-4")  # one hour back: before the first observation, nothing known
    expect(page.locator('path[data-zone="beach"]')).to_have_attribute("data-level", "none")
    assert page.locator(".timeline").get_attribute("data-mode") == "history"
    assert page.locator('#zone-list tr[data-zone="beach"] td.num').inner_text() == "no data"
    page.click(".time-now")
    expect(page.locator('path[data-zone="beach"]')).to_have_attribute("data-level", "orange")
    assert page.console.problems == []


def test_map_follows_new_intervals_live(mini_server, mini_runtime, operator_key, page):
    open_dashboard(page, mini_server.url + "/?lang=en", operator_key)
    page.wait_for_selector(".live-dot.on")
    mini_runtime.clock.advance(300)
    mini_runtime.ingest(mini_rows(NOW, 1, beach=40_000))  # 2.6 p/m²: red
    mini_runtime.refresh()
    expect(page.locator('path[data-zone="beach"]')).to_have_attribute("data-level", "red")
    assert page.locator('path[data-zone="beach"]').get_attribute("fill") == COLOUR["red"]
    assert page.console.problems == []


def test_dutch_labels_and_wall_layout(mini_server, operator_key, page):
    open_dashboard(page, mini_server.url + "/?view=wall", operator_key)  # the site is in Europe/Amsterdam: Dutch
    assert page.evaluate("document.documentElement.lang") == "nl"
    assert page.locator('#zone-list tr[data-zone="beach"] .level').inner_text() == "oranje"
    assert all(page.locator(f"#panel-{p}").is_visible() for p in ("zones", "zone", "alerts", "week"))
    page.select_option("#lang", "en")
    expect(page.locator('#zone-list tr[data-zone="beach"] .level')).to_have_text("orange")
    assert page.console.problems == []


def test_page_degrades_where_the_server_lacks_optional_routes(mini_server, operator_key, page):
    """A server without live events, forecasts, alerts and emergency routes: notes, no errors."""
    optional = ("/api/v1/events", "/api/v1/zones/{zone_id}/forecast", "/api/v1/alerts", "/api/v1/decisions",
                "/api/v1/emergency-routes", "/api/v1/site/layers")

    def without_optional(route):
        spec = route.fetch().json()
        spec["paths"] = {p: ops for p, ops in spec["paths"].items() if not p.startswith(optional)}
        route.fulfill(json=spec)

    page.route("**/openapi.json", without_optional)
    requested = []
    page.on("request", lambda r: requested.append(r.url))
    open_dashboard(page, mini_server.url + "/?lang=en", operator_key)
    assert page.locator('path[data-zone="beach"]').get_attribute("data-level") == "orange"
    assert page.locator(".time-note").inner_text() == "Forecast: Not available on this server yet."
    assert page.get_attribute("#time", "max") == "0"  # no future without a forecast
    page.click('[data-tab="alerts"]')
    expect(page.locator("#panel-alerts .unavailable")).to_have_text("Not available on this server yet.")
    page.click('[data-tab="week"]')
    expect(page.locator("#panel-week .unavailable")).to_have_text("Not available on this server yet.")
    assert [u for u in requested if "/api/" in u and u.split("?")[0].endswith(
        ("/events", "/forecast", "/alerts", "/decisions", "/emergency-routes", "/layers"))] == []
    assert page.console.problems == []
