"""Signing in to the dashboard: the form, wrong and good keys, where the key is kept (and where
not), every request's header, sign-out, a key revoked while the page is open, and the roles."""

from urllib.parse import urlsplit

from playwright.sync_api import Page, expect

from crowdsafety.domain.access import Role
from crowdsafety.service.keys import revoke_key

from .harness import new_key, open_dashboard

STORED = "sessionStorage.getItem('crowdsafety.key')"


def unauthorised_noise(page: Page) -> list[str]:
    """The page's console problems less the browser's own line for each 401 answer."""
    return [p for p in page.console.problems if "status of 401" not in p]


def watch_requests(page: Page) -> list[tuple[str, str | None]]:
    """(url, Authorization header) of every request the page makes from now on."""
    seen: list[tuple[str, str | None]] = []
    page.on("request", lambda r: seen.append((r.url, r.headers.get("authorization"))))
    return seen


def test_without_a_key_the_page_asks_for_one(mini_server, page):
    requests = watch_requests(page)
    page.goto(mini_server.url + "/?lang=en")
    key = page.get_by_label("API key")
    expect(key).to_be_visible()
    assert key.get_attribute("type") == "password"
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    assert not page.locator("#map").is_visible() and not page.locator(".top").is_visible()
    asked = {urlsplit(url).path for url, _ in requests}
    assert not {p for p in asked if p.startswith("/api/")}  # nothing asked of the API without a key
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text("Enter a key.")
    assert page.console.problems == []


def test_a_wrong_key_is_refused_and_a_good_one_opens_the_map(mini_server, operator_key, page):
    page.goto(mini_server.url + "/?lang=en")
    page.get_by_label("API key").fill(operator_key[:-4] + "xxxx")
    page.get_by_role("button", name="Sign in").click()
    error = page.locator("#signin-error")
    expect(error).to_have_text("Key not valid.")
    assert page.get_by_label("API key").get_attribute("aria-invalid") == "true"
    assert page.evaluate(STORED) is None
    assert not page.locator("#map").is_visible()

    page.get_by_label("API key").fill(operator_key)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_selector("body[data-ready=true]")
    expect(page.locator('path[data-zone="beach"]')).to_have_attribute("data-level", "orange")
    assert not page.locator("#signin").is_visible()
    assert page.evaluate(STORED) == operator_key
    assert page.evaluate("Object.values(localStorage).some((v) => v.includes('csm_'))") is False
    assert page.context.cookies() == []
    assert page.url == mini_server.url + "/?lang=en"  # the form never put the key into the address
    assert unauthorised_noise(page) == []


def test_the_key_in_the_fragment_is_used_then_wiped_from_the_address(mini_server, operator_key, page):
    requests = watch_requests(page)
    open_dashboard(page, mini_server.url + "/?lang=en", operator_key)
    page.wait_for_selector(".live-dot.on")
    assert page.evaluate("location.hash") == ""
    assert page.url == mini_server.url + "/?lang=en"
    assert page.evaluate(STORED) == operator_key
    expect(page.locator("#who")).to_have_text("operator · browser test operator")
    api = [(url, auth) for url, auth in requests if urlsplit(url).path.startswith("/api/")]
    assert {urlsplit(u).path for u, _ in api} >= {"/api/v1/whoami", "/api/v1/site", "/api/v1/zones", "/api/v1/events"}
    assert all(auth == f"Bearer {operator_key}" for _, auth in api), api
    assert not [u for u, _ in requests if operator_key in u or operator_key.split("_", 2)[2] in u]
    page.reload()  # the tab keeps the key: still signed in
    page.wait_for_selector("body[data-ready=true]")
    assert page.console.problems == []


def test_a_key_handed_over_while_the_form_is_open_is_used(mini_server, operator_key, page):
    page.goto(mini_server.url + "/?lang=en")
    expect(page.get_by_label("API key")).to_be_visible()
    page.wait_for_load_state("networkidle")  # the form's own requests done: the restart aborts none of them
    page.goto(mini_server.url + f"/?lang=en#key={operator_key}")  # the same page: only the fragment changes
    page.wait_for_selector("body[data-ready=true]")
    assert page.evaluate("location.hash") == "" and page.evaluate(STORED) == operator_key
    assert page.console.problems == []


def test_sign_out_forgets_the_key(mini_server, operator_key, page):
    open_dashboard(page, mini_server.url + "/?lang=en", operator_key)
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_label("API key")).to_be_visible()
    assert page.evaluate(STORED) is None
    assert not page.locator("#map").is_visible()
    assert page.console.problems == []


def test_a_key_revoked_while_the_page_is_open_brings_the_form_back(mini_server, mini_runtime, operator_key, page):
    open_dashboard(page, mini_server.url + "/?lang=en", operator_key)
    key_id = operator_key.split("_")[1]
    revoke_key(mini_runtime, key_id, actor="tests/web", actor_role="admin")
    page.click('[data-tab="alerts"]')  # the next request is refused
    expect(page.get_by_label("API key")).to_be_visible()
    expect(page.locator("#signin-error")).to_have_text("Your key is no longer valid; sign in again.")
    assert page.evaluate(STORED) is None
    assert not page.locator("#map").is_visible()
    page.get_by_label("API key").fill(new_key(mini_runtime))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_selector("body[data-ready=true]")  # started afresh with the new key
    assert unauthorised_noise(page) == []


def test_a_sensor_key_cannot_open_the_dashboard(mini_server, mini_runtime, page):
    sensor = new_key(mini_runtime, Role.SENSOR, sensor_ids=("cam-beach",))
    page.goto(mini_server.url + f"/?lang=en#key={sensor}")
    expect(page.locator("#signin-error")).to_have_text("This key cannot open the dashboard (sensor)")
    assert page.evaluate(STORED) is None and page.evaluate("location.hash") == ""


def test_operator_sees_every_measure_and_the_decision_log(playbook_server, mini_runtime, operator_key, page):
    open_dashboard(page, playbook_server.url + "/?lang=en", operator_key)
    page.click('[data-tab="alerts"]')
    card = page.locator('article.alert[data-alert^="observed.beach."]')
    expect(card.locator("li[data-measure]")).to_have_count(2)
    assert card.locator('[data-action="acknowledge"]').count() == 1
    expect(page.locator(".log li[data-action]")).not_to_have_count(0)
    assert page.console.problems == []


def test_partner_sees_only_its_measures_and_no_decision_log(playbook_server, mini_runtime, page):
    partner = new_key(mini_runtime, Role.PARTNER, party="transit")
    requests = watch_requests(page)
    open_dashboard(page, playbook_server.url + "/?lang=en", partner)
    expect(page.locator("#who")).to_have_text("partner · browser test partner")
    page.click('[data-tab="alerts"]')
    card = page.locator('article.alert[data-alert^="observed.beach."]')
    expect(card.locator("li[data-measure]")).to_have_count(1)
    assert card.locator("li[data-measure]").get_attribute("data-measure") == "extra-trams"
    assert card.locator('[data-action="acknowledge"], [data-action="close"]').count() == 0
    assert card.locator('[data-action="measure-done"]').count() == 1  # its own measure it may move on
    assert page.locator("#panel-alerts .log").count() == 0
    assert not page.get_by_text("Decision log").count()
    paths = {urlsplit(url).path for url, _ in requests}
    assert not {p for p in paths if p.startswith(("/api/v1/decisions", "/api/v1/dead-letters", "/api/v1/keys"))}
    assert page.console.problems == []  # no request was refused (no 403 in the console)

