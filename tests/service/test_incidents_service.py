"""Reporting and handling incidents: reference codes, zones from point or stop, scrubbing, the
decision log, the public status, and recent incidents as a risk factor."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from crowdsafety.cli.settings import resolve_site_dir
from crowdsafety.domain.incident import IncidentCategory, IncidentSource, IncidentStatus, Urgency
from crowdsafety.service import ReplayClock, Runtime
from crowdsafety.service import incidents as svc
from crowdsafety.service.incidents import IncidentAction, IncidentReport
from crowdsafety.sites import load_site
from crowdsafety.store import open_store

T0 = datetime(2026, 8, 14, 19, 0, tzinfo=UTC)
KURHAUS_STOP = "HTM:S:kurhaus"


@pytest.fixture
def runtime() -> Iterator[Runtime]:
    rt = Runtime(load_site(resolve_site_dir("scheveningen")), open_store("duckdb://:memory:"), ReplayClock(T0))
    yield rt
    rt.store.close()


def harassment(**changes) -> IncidentReport:
    fields = dict(source=IncidentSource.CHATBOT, category=IncidentCategory.HARASSMENT, urgency=Urgency.HIGH,
                  description="man keeps following us, call me on 06-12345678", line="1", stop_id=KURHAUS_STOP)
    return IncidentReport(**{**fields, **changes})


def test_a_report_gets_a_code_zones_from_its_stop_and_scrubbed_text(runtime):
    incident = svc.report(runtime, harassment(), who="chatbot", role="chatbot")
    assert re.fullmatch(r"CS-[23456789ABCDEFGHJKMNPQRSTVWXYZ]{6}", incident.ref)
    assert set(incident.zone_ids) == {"kurhaus", "palace_promenade"}
    assert incident.point == svc.stop_positions(runtime.site)[KURHAUS_STOP]
    assert "06-12345678" not in incident.description and "[phone]" in incident.description
    assert runtime.store.incident(incident.ref) == incident
    (entry,) = [e for e in runtime.store.decisions() if e.action == "incident.reported"]
    assert entry.details["ref"] == incident.ref and "12345678" not in entry.reason


def test_a_point_far_from_every_zone_is_next_to_none(runtime):
    far = svc.report(runtime, harassment(stop_id=None, point=(4.30, 52.07)), who="desk", role="operator")
    assert far.zone_ids == ()
    near = svc.report(runtime, harassment(stop_id=None, point=svc.stop_positions(runtime.site)["HTM:S:strandweg"]),
                      who="desk", role="operator")
    assert set(near.zone_ids) == {"boulevard", "strand_bad"}
    assert svc.zones_near(runtime.site, (4.30, 52.07)) == ()


def test_bad_reports_are_refused_with_the_reason(runtime):
    with pytest.raises(svc.IncidentError, match="place"):
        svc.report(runtime, harassment(stop_id=None, line=None), who="desk", role="operator")
    with pytest.raises(svc.IncidentError, match="future"):
        svc.report(runtime, harassment(at=T0 + timedelta(hours=1)), who="desk", role="operator")
    with pytest.raises(svc.IncidentError, match="point"):
        svc.report(runtime, harassment(point=(200.0, 52.0)), who="desk", role="operator")
    assert runtime.store.incidents() == []


def test_assign_answer_resolve_with_history_log_and_public_status(runtime):
    ref = svc.report(runtime, harassment(), who="chatbot", role="chatbot").ref
    assert svc.public_status(runtime, ref) == svc.PublicStatus(ref, IncidentStatus.NEW, None, None)
    runtime.clock.advance(120)  # type: ignore[attr-defined]
    assert svc.act(runtime, ref, IncidentAction.ASSIGN, who="desk 2", role="operator",
                   note="tram team 3").status is IncidentStatus.ASSIGNED
    svc.act(runtime, ref, IncidentAction.ANSWER, who="desk 2", role="operator",
            note="A team is on its way; call +31 70 123 4567 if needed")
    public = svc.public_status(runtime, ref.lower())
    assert public.status is IncidentStatus.ASSIGNED and public.answer.startswith("A team is on its way")
    assert "123 4567" not in public.answer and public.answered_at == T0 + timedelta(seconds=120)
    svc.act(runtime, ref, IncidentAction.RESOLVE, who="desk 2", role="operator", note="spoken to, left the tram")
    assert svc.public_status(runtime, ref).status is IncidentStatus.RESOLVED
    assert svc.public_status(runtime, ref).answer == public.answer  # the internal note is not shown
    assert [u.status for u in runtime.store.incident_history(ref)] == [
        IncidentStatus.NEW, IncidentStatus.ASSIGNED, IncidentStatus.ASSIGNED, IncidentStatus.RESOLVED]
    assert [e.action for e in runtime.store.decisions() if e.action.startswith("incident.")] == [
        "incident.reported", "incident.assigned", "incident.answered", "incident.resolved"]
    with pytest.raises(svc.IncidentConflict, match="resolved"):
        svc.act(runtime, ref, IncidentAction.ANSWER, who="desk 2", role="operator", note="again")
    with pytest.raises(svc.UnknownIncident):
        svc.act(runtime, "CS-NONE22", IncidentAction.ASSIGN, who="desk 2", role="operator", note="x")
    with pytest.raises(svc.IncidentError, match="note"):
        svc.act(runtime, ref, IncidentAction.ASSIGN, who="desk 2", role="operator", note="  ")
    assert svc.public_status(runtime, "CS-NONE22") is None
    assert len(runtime.store.incident_history(ref)) == 4


def test_recent_incidents_near_a_zone_are_risk_incidents_within_the_window(runtime):
    incident = svc.report(runtime, harassment(at=T0 - timedelta(minutes=50)), who="desk", role="operator")
    svc.report(runtime, harassment(at=T0 - timedelta(minutes=90), stop_id="HTM:S:strandweg"), who="desk",
               role="operator")
    found = svc.risk_incidents(runtime, T0, 60)
    assert sorted(i.zone_id for i in found) == ["kurhaus", "palace_promenade"]
    assert all(incident.ref in i.description and "[phone]" in i.description for i in found)
    assert svc.risk_incidents(runtime, T0 + timedelta(minutes=20), 60) == ()


def test_a_step_added_meanwhile_by_another_process_is_a_conflict(runtime, monkeypatch):
    ref = svc.report(runtime, harassment(), who="chatbot", role="chatbot").ref
    store = runtime.store
    real_history = store.incident_history
    calls = []

    def stale_then_real(r):  # the first read misses a step another process is adding
        calls.append(r)
        return real_history(r)[:-1] if len(calls) == 1 else real_history(r)

    svc.act(runtime, ref, IncidentAction.ASSIGN, who="desk 1", role="operator", note="team 1")
    monkeypatch.setattr(store, "incident_history", stale_then_real)
    with pytest.raises(svc.IncidentConflict, match="changed meanwhile"):
        svc.act(runtime, ref, IncidentAction.ASSIGN, who="desk 2", role="operator", note="team 2")
    monkeypatch.undo()
    assert [u.note for u in store.incident_history(ref)] == ["reported by chatbot", "team 1"]
