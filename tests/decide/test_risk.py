"""Risk: aggravating factors raise a busy zone one step, always with the reason."""

from __future__ import annotations

from datetime import timedelta

from crowdsafety.decide import Conditions, Incident, Playbook, assess_risk
from crowdsafety.domain import Level, Site
from crowdsafety.domain.events import PlannedEvent

from .builders import T0


def test_heat_raises_a_busy_zone_with_the_reason(site: Site, playbook: Playbook):
    risk = assess_risk(site.zone("pier"), Level.ORANGE, T0, Conditions(temperature_c=31.2), playbook.risk)
    assert risk.risk_level is Level.RED
    assert risk.reasons[0].startswith("heat: 31.2 °C")


def test_quiet_zone_stays_green_but_shows_the_factor(site: Site, playbook: Playbook):
    risk = assess_risk(site.zone("pier"), Level.GREEN, T0, Conditions(temperature_c=31.0), playbook.risk)
    assert risk.risk_level is Level.GREEN and len(risk.factors) == 1


def test_several_factors_raise_one_step_and_red_is_the_cap(site: Site, playbook: Playbook):
    c = Conditions(temperature_c=30, rain_mm_per_h=4.0, rain_source="forecast", outages={"pier": "cam-pier stale"},
                   incidents=(Incident("pier", T0 - timedelta(minutes=10), "fight at the entrance"),),
                   events=(PlannedEvent("fireworks", "Fireworks", T0 + timedelta(hours=1), T0 + timedelta(hours=3),
                                        ("pier",), 80000),),
                   timezone="Europe/Amsterdam")
    risk = assess_risk(site.zone("pier"), Level.YELLOW, T0, c, playbook.risk)
    assert risk.risk_level is Level.ORANGE
    assert [f.name for f in risk.factors] == ["heat", "rain", "event", "sensor_outage", "incident"]
    assert "rain forecast (4.0 mm/h)" in risk.reasons[1]
    assert "Fireworks (80,000 visitors expected, 15:00-17:00)" in risk.reasons[2]  # local time, CEST
    assert "fight at the entrance (13:50)" in risk.reasons[4]
    assert assess_risk(site.zone("pier"), Level.RED, T0, c, playbook.risk).risk_level is Level.RED


def test_factors_that_do_not_apply(site: Site, playbook: Playbook):
    c = Conditions(temperature_c=22, rain_mm_per_h=0.5,
                   incidents=(Incident("pier", T0 - timedelta(hours=2), "old"), Incident("haven", T0, "elsewhere")),
                   events=(PlannedEvent("small", "Small", T0, T0 + timedelta(hours=1), ("pier",), 500),
                           PlannedEvent("later", "Later", T0 + timedelta(hours=5), T0 + timedelta(hours=6), ("pier",),
                                        50000)))
    risk = assess_risk(site.zone("pier"), Level.ORANGE, T0, c, playbook.risk)
    assert risk.factors == () and risk.risk_level is Level.ORANGE
