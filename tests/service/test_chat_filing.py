from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from crowdsafety.cli.settings import resolve_site_dir
from crowdsafety.domain.incident import IncidentSource, Urgency
from crowdsafety.service import ReplayClock, Runtime
from crowdsafety.service.chat_filing import NO_PLACE, incident_filer
from crowdsafety.service.chat_sessions import ChatSessions
from crowdsafety.service.incidents import public_status
from crowdsafety.sites import load_site
from crowdsafety.store import open_store

T0 = datetime(2026, 8, 14, 19, 0, tzinfo=UTC)


@pytest.fixture
def runtime() -> Iterator[Runtime]:
    rt = Runtime(load_site(resolve_site_dir("scheveningen")), open_store("duckdb://:memory:"), ReplayClock(T0))
    yield rt
    rt.store.close()


def sessions(runtime: Runtime) -> ChatSessions:
    return ChatSessions.for_site(resolve_site_dir("scheveningen"), incident_filer(runtime))


def test_a_conversation_becomes_a_scrubbed_chatbot_incident(runtime):
    chat = sessions(runtime)
    cid, _ = chat.say(None, "Mijn naam is Jan de Vries, 06-12345678. Een man valt me lastig in tram 9")
    chat.say(cid, "kurhaus")
    _, turn = chat.say(cid, "nu")
    assert turn.done and turn.ref
    incident = runtime.store.incident(turn.ref)
    assert incident.source == IncidentSource.CHATBOT and incident.urgency == Urgency.HIGH
    assert (incident.line, incident.stop_id) == ("9", "HTM:S:kurhaus") and incident.point is not None
    assert "Jan" not in incident.description and "12345678" not in incident.description
    assert "(when: nu)" in incident.description
    assert public_status(runtime, turn.ref).status.value == "new"


def test_without_a_place_it_is_filed_in_the_middle_and_says_so(runtime):
    chat = sessions(runtime)
    cid, _ = chat.say(None, "someone stole my phone")
    chat.say(cid, "no idea")
    _, turn = chat.say(cid, "yesterday")
    incident = runtime.store.incident(turn.ref)
    assert incident.description.startswith(NO_PLACE) and incident.point is not None
    lon, lat = incident.point
    assert 4.2 < lon < 4.4 and 52.0 < lat < 52.2
