"""The Scheveningen demo in the browser: every zone, located sensor and emergency route drawn,
and the time to the first full render (printed; the aim is under 2 s)."""

from typing import Iterator

import httpx
import pytest

from crowdsafety.api import create_app
from crowdsafety.cli.demo import prepare

from .harness import COLOUR, LiveServer, bearer, new_key


@pytest.fixture(scope="module")
def scheveningen() -> Iterator[tuple[LiveServer, str]]:
    """The demo served, and an operator key."""
    runtime, _, _ = prepare("scheveningen", "duckdb://:memory:")
    key = new_key(runtime)
    with LiveServer(create_app(runtime)) as server:
        yield server, key
    runtime.store.close()


def test_first_full_render_of_the_demo(scheveningen, page, capsys):
    server, key = scheveningen
    page.goto(server.url + f"/#key={key}")
    page.wait_for_selector("body[data-ready=true]", timeout=10_000)
    render_ms = page.evaluate("performance.getEntriesByName('dashboard-ready')[0].startTime")
    with capsys.disabled():
        print(f"\nScheveningen dashboard: first full render {render_ms:.0f} ms after navigation (aim < 2000 ms)")
    zones = httpx.get(server.url + "/api/v1/zones", headers=bearer(key)).json()["features"]
    expected = {f["id"]: (f["properties"]["state"] or {}).get("level") or "none" for f in zones}
    drawn = page.evaluate("Object.fromEntries([...document.querySelectorAll('path[data-zone]')].map(p => [p.dataset.zone, [p.dataset.level, p.getAttribute('fill')]]))")
    assert drawn == {z: [level, COLOUR[level]] for z, level in expected.items()} and len(drawn) == 11
    sensors = httpx.get(server.url + "/api/v1/sensors", headers=bearer(key)).json()
    located = {s["id"]: s["health"] for s in sensors if s["location"]}
    shown = page.evaluate("Object.fromEntries([...document.querySelectorAll('path[data-sensor]')].map(p => [p.dataset.sensor, p.dataset.health]))")
    assert shown == located
    assert page.locator(".leaflet-background-pane path").count() > 40  # sea, coast, streets and stops
    routes = httpx.get(server.url + "/api/v1/emergency-routes", headers=bearer(key)).json()["features"]
    assert page.locator("path[data-route]").count() == len(routes) == 3
    assert render_ms < 5000
    assert page.console.problems == []
