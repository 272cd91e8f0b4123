"""Incidents filed under a key (a drone observation's id): once, however often and from however
many processes they are filed; a code taken by an unrelated incident is passed over, the same
way every time."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from crowdsafety.domain.incident import (
    Incident,
    IncidentCategory,
    IncidentSource,
    IncidentStatus,
    IncidentUpdate,
    Urgency,
)
from crowdsafety.service import ReplayClock, Runtime
from crowdsafety.service import incidents as svc
from crowdsafety.service.incidents import IncidentAction, IncidentReport
from crowdsafety.store import open_store

T0 = datetime(2026, 7, 12, 11, 0, tzinfo=UTC)
KEY = "ao_0123456789abcdef"


@pytest.fixture
def runtime(mini_site) -> Iterator[Runtime]:
    rt = Runtime(mini_site, open_store("duckdb://:memory:"), ReplayClock(T0))
    yield rt
    rt.store.close()


def dumping(**changes) -> IncidentReport:
    fields = dict(source=IncidentSource.DRONE, category=IncidentCategory.ENVIRONMENTAL, urgency=Urgency.NORMAL,
                  at=T0 - timedelta(minutes=20), point=(4.2805, 52.1104),
                  description="illegal dumping seen by drone flight FL-ACTIVE")
    return IncidentReport(**{**fields, **changes})


def file(runtime: Runtime, rep: IncidentReport | None = None, key: str = KEY) -> Incident:
    return svc.report(runtime, rep or dumping(), who="k1", role="operator", key=key)


def unrelated(ref: str) -> tuple[Incident, IncidentUpdate]:
    incident = Incident(ref=ref, site_id="mini", source=IncidentSource.CHATBOT, category=IncidentCategory.HARASSMENT,
                        urgency=Urgency.HIGH, at=T0, reported_at=T0, point=(4.281, 52.110))
    return incident, IncidentUpdate(ref=ref, seq=1, at=T0, status=IncidentStatus.NEW, who="chatbot", role="chatbot")


def reported(runtime: Runtime) -> int:
    return [e.action for e in runtime.store.decisions()].count("incident.reported")


def test_keyed_codes_are_reference_codes_that_follow_the_key():
    refs = svc.keyed_refs(KEY)
    assert len(refs) == svc.KEYED_TRIES == len(set(refs))
    assert all(re.fullmatch(rf"CS-[{svc.REF_ALPHABET}]{{{svc.REF_LENGTH}}}", ref) for ref in refs)
    assert svc.keyed_refs(KEY) == refs and svc.keyed_refs("ao_fedcba9876543210")[0] != refs[0]


def test_filing_under_a_key_again_returns_the_incident_filed_before_as_it_is_now(runtime):
    first = file(runtime)
    assert first.ref == svc.keyed_refs(KEY)[0] and runtime.store.incident(first.ref) == first
    svc.act(runtime, first.ref, IncidentAction.ASSIGN, who="desk", role="operator", note="to the city cleaners")
    runtime.clock.advance(600)
    again = file(runtime)
    assert again == replace(first, status=IncidentStatus.ASSIGNED)
    assert len(runtime.store.incidents()) == 1 and reported(runtime) == 1
    other = file(runtime, key="ao_fedcba9876543210")
    assert other.ref != first.ref and len(runtime.store.incidents()) == 2 and reported(runtime) == 2


def test_a_code_taken_by_an_unrelated_incident_is_passed_over_the_same_way_each_time(runtime):
    runtime.store.add_incident(*unrelated(svc.keyed_refs(KEY)[0]))
    first = file(runtime)
    assert first.ref == svc.keyed_refs(KEY)[1]
    assert file(runtime) == first and len(runtime.store.incidents()) == 2 and reported(runtime) == 1
    fire = file(runtime, dumping(category=IncidentCategory.OTHER, urgency=Urgency.HIGH))  # not the same report
    assert fire.ref == svc.keyed_refs(KEY)[2] and reported(runtime) == 2


def test_when_every_keyed_code_is_taken_by_others_the_report_is_refused_saying_so(runtime):
    for ref in svc.keyed_refs(KEY):
        runtime.store.add_incident(*unrelated(ref))
    with pytest.raises(svc.IncidentError, match=f"no free reference code found for '{KEY}'"):
        file(runtime)
    assert len(runtime.store.incidents()) == svc.KEYED_TRIES and reported(runtime) == 0


def test_filed_by_another_process_between_looking_and_storing_returns_that_incident(runtime, monkeypatch):
    """The store refuses the second insert of the code; the report reads the winner's incident."""
    theirs = file(runtime)
    look = runtime.store.incident
    looked: list[str] = []

    def not_there_yet(ref):
        if not looked:  # the first look happens before the other process stored it
            looked.append(ref)
            return None
        return look(ref)

    monkeypatch.setattr(runtime.store, "incident", not_there_yet)
    assert file(runtime) == theirs
    assert looked == [theirs.ref] and len(runtime.store.incidents()) == 1 and reported(runtime) == 1
