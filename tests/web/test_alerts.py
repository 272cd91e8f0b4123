"""The alerts panel: an action with a reason lands in the decision log."""

import httpx
from playwright.sync_api import expect

from .harness import bearer, open_dashboard


def test_acknowledging_an_alert_writes_the_decision_log(decided_server, operator_key, page):
    open_dashboard(page, decided_server.url + "/?lang=en", operator_key)
    page.click('[data-tab="alerts"]')
    card = page.locator('article.alert[data-status="open"]')
    expect(card).to_have_count(1)
    alert_id = card.get_attribute("data-alert")
    assert alert_id.startswith("observed.beach.") and card.locator(".level").inner_text() == "orange"
    expect(page.locator('.log li[data-action="raised"]')).to_have_count(1)

    card.locator('[data-action="acknowledge"]').click()  # no reason yet: refused on the page
    expect(card.locator(".feedback")).to_have_text("Give a reason.")
    page.fill("#operator-who", "J. de Vries")
    page.fill("#operator-role", "crowd-management coordinator")
    page.locator("#operator-role").dispatch_event("change")
    page.locator("#operator-who").dispatch_event("change")
    card.locator("input.reason").fill("seen on the picture, hosts informed")
    card.locator('[data-action="acknowledge"]').click()

    expect(page.locator('.log li[data-action="acknowledged"]')).to_have_count(1)
    expect(page.locator(f'article.alert[data-alert="{alert_id}"]')).to_have_attribute("data-status", "acknowledged")
    last = httpx.get(decided_server.url + "/api/v1/decisions", headers=bearer(operator_key)).json()[-1]
    assert (last["action"], last["who"], last["role"], last["reason"], last["alert_id"]) == (
        "acknowledged", "J. de Vries", "crowd-management coordinator", "seen on the picture, hosts informed", alert_id)
    assert page.console.problems == []
