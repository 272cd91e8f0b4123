"""The forecast on the dashboard: the slider's future, the zone chart's band, the week view."""

from playwright.sync_api import expect

from .harness import COLOUR, NOW, mini_forecasts, open_dashboard

BEACH = 'path[data-zone="beach"]'


def test_slider_shows_the_forecast_of_the_chosen_hour(mini_server, mini_runtime, operator_key, page):
    mini_runtime.store.put_forecasts(mini_forecasts(NOW))
    open_dashboard(page, mini_server.url + "/?lang=en", operator_key)
    assert int(page.get_attribute("#time", "max")) == 7 * 24 * 4  # a week ahead in quarter-hours
    page.fill("#time", "12")  # 3 h ahead of 11:55 UTC: the hour 14:00, red expected on the beach
    expect(page.locator(BEACH)).to_have_attribute("data-mode", "forecast")
    expect(page.locator(BEACH)).to_have_attribute("data-level", "red")
    assert page.locator(BEACH).get_attribute("fill") == COLOUR["red"]
    assert page.locator(".timeline").get_attribute("data-mode") == "forecast"
    beach = page.locator('#zone-list tr[data-zone="beach"]')
    assert beach.locator("td.num").inner_text() == "40,000" and "95%" in beach.inner_text()
    page.fill("#time", "40")  # 10 h ahead: 12,000 expected, yellow
    expect(page.locator(BEACH)).to_have_attribute("data-level", "yellow")
    expect(beach.locator("td.num")).to_have_text("12,000")
    assert page.locator('path[data-zone="square"]').get_attribute("data-level") == "green"
    assert page.console.problems == []


def test_zone_chart_draws_the_band_and_the_week_its_peaks(mini_server, mini_runtime, operator_key, page):
    mini_runtime.store.put_forecasts(mini_forecasts(NOW))
    open_dashboard(page, mini_server.url + "/?lang=en", operator_key)
    page.click('#zone-list tr[data-zone="beach"]')
    chart = page.locator("#panel-zone svg.chart")
    expect(chart.locator("polygon.chart-band")).to_have_count(1)
    expect(chart.locator("path.chart-p50")).to_have_count(1)
    assert chart.locator("path.chart-observed").count() == 1
    page.click('[data-tab="week"]')
    row = page.locator('#panel-week tr[data-zone="beach"] td')
    expect(row.first).to_have_attribute("data-level", "red")  # today: red in the afternoon
    assert row.nth(1).get_attribute("data-level") == "yellow"  # tomorrow: yellow all day
    assert page.locator('#panel-week tr[data-zone="square"] td').first.get_attribute("data-level") == "green"
    assert page.console.problems == []
