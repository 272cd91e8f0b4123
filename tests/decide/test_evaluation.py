"""Evaluating a period: episodes from replayed alerts, warnings matched, false alarms, measures."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from crowdsafety.decide import DecisionDraft, Playbook, replay_alerts, seal
from crowdsafety.decide.evaluation import episodes_from_changes, evaluate_period
from crowdsafety.domain import Level, Site
from crowdsafety.domain.decision import AlertKind, AlertRecord

from .builders import STEP, T0, series

HOUR = timedelta(hours=1)
WARNING = AlertRecord(id="expected.pier.a", site_id="scheveningen", kind=AlertKind.EXPECTED, subject="pier",
                      zone_ids=("pier",), level=Level.ORANGE, peak_level=Level.ORANGE, risk_level=Level.ORANGE,
                      raised_at=T0 - 2 * HOUR, updated_at=T0, target_at=T0 + HOUR, probability=0.7)


def test_episodes_warnings_false_alarms_and_measures(site: Site, playbook: Playbook):
    # the Pier: quiet for 1 h, orange 1 h, red 30 min, quiet 1.5 h
    densities = [0.05] * 12 + [0.2] * 12 + [0.35] * 6 + [0.05] * 18
    changes = replay_alerts(site, playbook, series(site, "pier", densities), start=T0, end=T0 + 4 * HOUR)
    [episode] = episodes_from_changes(changes)
    assert (episode.zone_id, episode.peak) == ("pier", Level.RED)
    assert episode.start == T0 + HOUR + 2 * STEP  # orange held 15 min
    assert episode.end == T0 + 2 * HOUR + 55 * STEP / 5  # calm from 2 h 30, for 30 min: cleared

    late = replace(WARNING, id="expected.pier.late", raised_at=T0 + 2 * HOUR)
    elsewhere = replace(WARNING, id="expected.haven.a", subject="haven", raised_at=T0, cleared_at=T0 + HOUR)
    yellow = replace(WARNING, id="expected.kurhaus.a", subject="kurhaus", level=Level.YELLOW, peak_level=Level.YELLOW)
    measure = seal(DecisionDraft(at=T0 + HOUR, site_id="s", who="HTM", role="transit", action="measure-started",
                                 reason="extra trams", alert_id=WARNING.id, measure_id="o-extra-trams",
                                 details={"owner": "htm"}), None)
    note = seal(DecisionDraft(at=T0 + HOUR, site_id="s", who="x", role="y", action="acknowledged", reason="z"),
                (1, measure.hash))
    ev = evaluate_period([episode], [WARNING, late, elsewhere, yellow], [measure, note], start=T0, end=T0 + 4 * HOUR)
    [matched] = ev.episodes
    assert matched.warned_at == T0 - 2 * HOUR and matched.lead_min == 190
    assert ev.warned == 1
    assert [a.id for a in ev.false_alarms] == ["expected.haven.a"]
    assert ev.measures == (measure,)


def test_warning_cleared_long_before_does_not_count(site: Site, playbook: Playbook):
    densities = [0.05] * 12 + [0.2] * 12 + [0.05] * 12
    changes = replay_alerts(site, playbook, series(site, "pier", densities), start=T0, end=T0 + 3 * HOUR)
    episodes = episodes_from_changes(changes)
    stale = replace(WARNING, raised_at=T0 - 5 * HOUR, cleared_at=T0 - 3 * HOUR)
    ev = evaluate_period(episodes, [stale], [], start=T0, end=T0 + 3 * HOUR)
    assert ev.warned == 0 and ev.episodes[0].lead_min is None
