"""Measures due respecting lead times, and people's actions with their log drafts."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from crowdsafety.decide import (
    Action,
    ActionConflict,
    ActionRequest,
    InvalidAction,
    MeasureState,
    Playbook,
    apply_action,
    measures_due,
    seal,
)
from crowdsafety.domain import Level
from crowdsafety.domain.decision import AlertKind, AlertRecord, AlertStatus

from .builders import T0

HOUR = timedelta(hours=1)
EXPECTED = AlertRecord(id="expected.pier.x", site_id="scheveningen", kind=AlertKind.EXPECTED, subject="pier",
                       zone_ids=("pier",), level=Level.ORANGE, peak_level=Level.ORANGE, risk_level=Level.ORANGE,
                       raised_at=T0, updated_at=T0, target_at=T0 + 3 * HOUR, probability=0.7)


def test_expected_alert_measures_are_due_by_lead_time(playbook: Playbook):
    due = {d.measure.id: d for d in measures_due(EXPECTED, playbook, T0)}
    # traffic controllers need 4 h: already late, so due now; motorway signs 30 min before
    assert due["o-traffic-controllers"].due_at == T0 - HOUR and due["o-traffic-controllers"].due_now
    assert due["o-motorway-signs"].due_at == T0 + 2.5 * HOUR and not due["o-motorway-signs"].due_now
    assert due["o-extra-trams"].due_at == T0 + HOUR
    assert due["o-extra-trams"].owner_name == "HTM — tram 1, 9 en 11"
    assert "r-grip" not in due and "y-hosts" in due
    later = {d.measure.id: d.due_now for d in measures_due(EXPECTED, playbook, T0 + 2.5 * HOUR)}
    assert later["o-motorway-signs"]
    order = [d.due_at for d in measures_due(EXPECTED, playbook, T0)]
    assert order == sorted(order)


def test_observed_alert_measures_are_all_due_and_sensor_alerts_have_none(playbook: Playbook):
    observed = replace(EXPECTED, kind=AlertKind.OBSERVED, target_at=None, probability=None)
    assert all(d.due_now and d.due_at == T0 for d in measures_due(observed, playbook, T0))
    assert measures_due(replace(EXPECTED, kind=AlertKind.SENSOR), playbook, T0) == []


def test_actions_and_their_log_drafts(playbook: Playbook):
    now = T0 + 10 * 60 * timedelta(seconds=1)
    ack = ActionRequest(Action.ACKNOWLEDGE, " J. de Vries ", "coordinator", "seen, hosts informed")
    alert, draft = apply_action(EXPECTED, ack, measures_due(EXPECTED, playbook, now), now)
    assert alert.status is AlertStatus.ACKNOWLEDGED and alert.updated_at == now
    assert (draft.who, draft.role, draft.action, draft.alert_id, draft.at) == (
        "J. de Vries", "coordinator", "acknowledged", EXPECTED.id, now)
    with pytest.raises(ActionConflict, match="already acknowledged"):
        apply_action(alert, ack, [], now)

    start = ActionRequest(Action.MEASURE_STARTED, "HTM", "transit operator", "2 extra trams", measure_id="o-extra-trams")
    same, draft = apply_action(alert, start, measures_due(alert, playbook, now), now)
    assert same == alert and draft.measure_id == "o-extra-trams" and draft.details["owner"] == "htm"
    log = [seal(draft, None)]
    due = {d.measure.id: d for d in measures_due(alert, playbook, now, log)}
    assert due["o-extra-trams"].state is MeasureState.STARTED and due["o-extra-trams"].by == "HTM"
    with pytest.raises(ActionConflict, match="already started"):
        apply_action(alert, start, list(due.values()), now)
    done = replace(start, action=Action.MEASURE_DONE)
    apply_action(alert, done, list(due.values()), now)

    with pytest.raises(InvalidAction, match="'r-grip' is not one of this alert's measures"):
        apply_action(alert, replace(start, measure_id="r-grip"), list(due.values()), now)
    assigned, draft = apply_action(alert, ActionRequest(Action.ASSIGN, "JdV", "coordinator", "police lead",
                                                        assignee="Politie"), [], now)
    assert assigned.assignee == "Politie" and draft.details["assignee"] == "Politie"
    closed, _ = apply_action(assigned, ActionRequest(Action.CLOSE, "JdV", "coordinator", "forecast dropped"), [], now)
    assert closed.status is AlertStatus.CLOSED
    with pytest.raises(ActionConflict, match="is closed"):
        apply_action(closed, ack, [], now)


@pytest.mark.parametrize("request_, message", [
    (ActionRequest(Action.ACKNOWLEDGE, "", "r", "why"), "who must not be empty"),
    (ActionRequest(Action.ACKNOWLEDGE, "w", "r", "   "), "reason must not be empty"),
    (ActionRequest(Action.ACKNOWLEDGE, "w" * 101, "r", "why"), "who is longer than 100"),
    (ActionRequest(Action.ACKNOWLEDGE, "w", "r", "why", measure_id="y-hosts"), "measure_id is needed for measure"),
    (ActionRequest(Action.MEASURE_DONE, "w", "r", "why"), "measure_id is needed"),
    (ActionRequest(Action.ASSIGN, "w", "r", "why"), "assignee is needed"),
])
def test_bad_requests(request_: ActionRequest, message: str):
    with pytest.raises(InvalidAction, match=message):
        apply_action(EXPECTED, request_, [], T0)
