"""The Scheveningen demo summer through the picture and the alert engine: a plausible sequence.

Hot weekend days (the simulator's beach weather >= 0.8 on a Saturday or Sunday) must reach
orange or red somewhere; rainy weekdays (>= 5 mm) must raise no orange or red at all.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from crowdsafety.decide import Playbook, replay_alerts
from crowdsafety.decide.evaluation import Episode, episodes_from_changes
from crowdsafety.domain import Level, Site
from crowdsafety.picture import compute_states
from crowdsafety.sources import scheveningen_simulator as sim

SEED = 0
WARMUP = timedelta(hours=2)


@pytest.fixture(scope="module")
def weather(site: Site):
    start, end = sim.default_season(2026)
    return sim.run(site, start=start, end=end, seed=SEED, faults=False).weather


def episodes_of(site: Site, playbook: Playbook, day: date) -> list[Episode]:
    """Simulated sensors (with faults) -> picture -> alerts over one local day."""
    start = datetime.combine(day, datetime.min.time(), ZoneInfo(site.timezone))
    end = start + timedelta(days=1)
    observations = sim.simulate(site, start=start - WARMUP, end=end, seed=SEED)
    states, _ = compute_states(site, observations, start=start - WARMUP, end=end)
    return episodes_from_changes(replay_alerts(site, playbook, states, start=start, end=end))


def test_hot_weekend_days_reach_orange_or_red(site: Site, playbook: Playbook, weather):
    hot = weather[(weather.day_type >= 2) & (weather.beach_weather >= 0.8)].index
    assert len(hot) >= 1
    for day in hot:
        episodes = episodes_of(site, playbook, day.date())
        assert episodes, f"{day.date()}: a hot weekend day without orange"
        beaches = {e.zone_id for e in episodes}
        assert {"noorderstrand", "strand_bad"} & beaches, beaches
        assert all(e.start.astimezone(ZoneInfo(site.timezone)).hour >= 10 for e in episodes)  # not at dawn


def test_rainy_weekdays_raise_none(site: Site, playbook: Playbook, weather):
    rainy = weather[(weather.day_type == 0) & (weather.rain_mm >= 5)].index[:4]
    assert len(rainy) >= 3
    for day in rainy:
        episodes = episodes_of(site, playbook, day.date())
        assert not [e for e in episodes if e.peak.rank >= Level.ORANGE.rank], (day.date(), episodes)
