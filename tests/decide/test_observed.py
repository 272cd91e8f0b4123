"""Observed levels: a minimum duration up, hysteresis down, no flapping, no all-clear on silence."""

from __future__ import annotations

from itertools import pairwise

from crowdsafety.decide import Playbook, held_level
from crowdsafety.domain import Level, Site

from .builders import STEP, T0, series

# the Pier: yellow above 0.10, orange above 0.18, red above 0.31 persons/m²; margin 10 %


def run(site: Site, playbook: Playbook, densities: list[float | None], held: Level = Level.GREEN) -> list[Level]:
    """The held level after each interval, carried forward as the service does."""
    states = series(site, "pier", densities)
    out = []
    for i in range(len(densities)):
        held = held_level(site.zone("pier"), states[: i + 1], held, T0 + i * STEP, playbook.alerts, 300)
        out.append(held)
    return out


def test_level_must_hold_the_minimum_duration(site: Site, playbook: Playbook):
    # 15 min = 3 intervals of 5 min: two orange intervals are not enough, the third raises it
    levels = run(site, playbook, [0.05, 0.2, 0.2, 0.05, 0.2, 0.2, 0.2])
    assert levels == [Level.GREEN] * 6 + [Level.ORANGE]


def test_raises_to_the_level_held_throughout(site: Site, playbook: Playbook):
    levels = run(site, playbook, [0.12, 0.2, 0.35])
    assert levels[-1] is Level.YELLOW  # yellow held 15 min, orange and red not yet


def test_hysteresis_on_the_way_down(site: Site, playbook: Playbook):
    # just below the orange bound (0.17 > 0.18 x 0.9) never clears orange
    assert run(site, playbook, [0.17] * 12, held=Level.ORANGE)[-1] is Level.ORANGE
    # well below for 30 min (6 intervals) drops it, to the level those intervals support
    levels = run(site, playbook, [0.12] * 7, held=Level.ORANGE)
    assert levels[:5] == [Level.ORANGE] * 5 and levels[5] is Level.YELLOW


def test_noisy_values_around_a_bound_do_not_flap(site: Site, playbook: Playbook):
    noisy = [0.19, 0.17, 0.185, 0.175, 0.19, 0.172, 0.181, 0.169] * 3
    levels = run(site, playbook, noisy, held=Level.ORANGE)
    assert set(levels) == {Level.ORANGE}
    raw = [site.zone("pier").thresholds.level(d) for d in noisy]
    assert sum(a is not b for a, b in pairwise(raw)) > 10  # the raw level flaps all the time


def test_missing_data_neither_raises_nor_clears(site: Site, playbook: Playbook):
    assert run(site, playbook, [0.2, None, 0.2, 0.2])[-1] is Level.GREEN
    assert run(site, playbook, [None] * 10, held=Level.RED)[-1] is Level.RED
    assert run(site, playbook, [0.01] * 5 + [None], held=Level.RED)[-1] is Level.RED
