"""The flight register in the service: ids, scrubbing, refusals (nothing stored, logged), and
the start / end of a flight with its time rules, each action in the decision log."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest

from crowdsafety.domain.flight import FlightPurpose, FlightStatus
from crowdsafety.service import ReplayClock, Runtime
from crowdsafety.service import flights as svc
from crowdsafety.service.flight_rules import Refusal
from crowdsafety.service.incidents import REF_ALPHABET
from crowdsafety.store import open_store

NOW = datetime(2026, 7, 5, 12, 0, tzinfo=UTC)
#: Around the mini site's beach and square.
AREA = {"type": "Polygon", "coordinates": [[[4.2795, 52.1095], [4.2845, 52.1095], [4.2845, 52.1112],
                                            [4.2795, 52.1112], [4.2795, 52.1095]]]}


def request(hours: float = 1, length_h: float = 2, **changes) -> svc.FlightRequest:
    start = NOW + timedelta(hours=hours)
    base = svc.FlightRequest(operator="Politie Den Haag", permit="NLD-UAS-0042", aircraft="DJI Matrice 30T",
                             purpose=FlightPurpose.CROWD_OVERVIEW, area=AREA, start=start,
                             end=start + timedelta(hours=length_h), max_altitude_m=60)
    return replace(base, **changes)


@pytest.fixture
def runtime(mini_site):
    rt = Runtime(mini_site, open_store("duckdb://:memory:"), ReplayClock(NOW))
    yield rt
    rt.store.close()


@pytest.fixture
def checked(monkeypatch):
    """A permissive rule check that records what it was given; ``refusals`` is what it answers."""
    calls: list[dict] = []

    class Check:
        refusals: list[Refusal] = []

        def __call__(self, site, flight, others, now):
            calls.append({"site": site, "flight": flight, "others": others, "now": now})
            return list(self.refusals)

    check = Check()
    check.calls = calls
    monkeypatch.setattr(svc, "check_flight", check)
    return check


def log(runtime) -> list[tuple[str, str, str]]:
    return [(e.action, e.who, e.role) for e in runtime.store.decisions()]


def test_a_registered_flight_is_stored_with_a_fresh_id_and_logged(runtime, checked):
    flight = svc.register(runtime, request(operator="  Politie Den Haag, call 06 12345678 "),
                          who="k1 (desk)", role="operator")
    assert flight.id.startswith("FL-") and len(flight.id) == 9 and set(flight.id[3:]) <= set(REF_ALPHABET)
    assert flight.status is FlightStatus.REGISTERED and flight.registered_at == NOW
    assert flight.operator == "Politie Den Haag, call [phone]" and flight.site_id == "mini"
    assert flight.window.start == NOW + timedelta(hours=1) and flight.max_altitude_m == 60.0
    assert runtime.store.flight(flight.id) == flight
    assert log(runtime) == [("flight.registered", "k1 (desk)", "operator")]
    entry = runtime.store.decisions()[0]
    assert entry.details["flight_id"] == flight.id and entry.details["permit"] == "NLD-UAS-0042"
    assert checked.calls[0]["flight"] == flight and checked.calls[0]["now"] == NOW
    assert checked.calls[0]["site"] is runtime.site


def test_times_in_other_zones_are_stored_in_utc(runtime, checked):
    cest = timezone(timedelta(hours=2))
    flight = svc.register(runtime, request(start=datetime(2026, 7, 5, 15, 0, tzinfo=cest),
                                           end=datetime(2026, 7, 5, 16, 30, tzinfo=cest)), who="t", role="operator")
    assert flight.window.start == datetime(2026, 7, 5, 13, 0, tzinfo=UTC)
    assert flight.window.start.utcoffset() == timedelta(0)


def test_the_rules_see_the_flights_not_ended_whose_window_overlaps(runtime, checked):
    early = svc.register(runtime, request(0, 1), who="t", role="operator")
    same = svc.register(runtime, request(1, 2), who="t", role="operator")
    later = svc.register(runtime, request(5, 1), who="t", role="operator")
    ended = svc.register(runtime, request(1.5, 1), who="t", role="operator")
    svc.end(runtime, ended.id, who="t", role="operator")
    svc.register(runtime, request(0.5, 2), who="t", role="operator")
    assert {f.id for f in checked.calls[-1]["others"]} == {early.id, same.id}
    assert later.id not in {f.id for f in checked.calls[-1]["others"]}


def test_a_refused_flight_is_not_stored_lists_every_rule_and_is_logged(runtime, checked):
    checked.refusals = [Refusal("no_fly", "pier", "no-fly zone 'pier' (De Pier) overlaps the area by 12,400 m²"),
                        Refusal("altitude", "max_altitude_m", "150 m is above the site's ceiling of 120 m")]
    with pytest.raises(svc.FlightRefused) as refused:
        svc.register(runtime, request(max_altitude_m=150), who="k1", role="operator")
    assert [(r.rule, r.where) for r in refused.value.refusals] == [("no_fly", "pier"), ("altitude", "max_altitude_m")]
    assert "no_fly (pier): no-fly zone 'pier'" in str(refused.value) and "ceiling of 120 m" in str(refused.value)
    assert runtime.store.flights() == []
    assert log(runtime) == [("flight.refused", "k1", "operator")]
    details = runtime.store.decisions()[0].details
    assert [r["rule"] for r in details["refusals"]] == ["no_fly", "altitude"] and details["permit"] == "NLD-UAS-0042"


def test_a_window_ending_before_it_starts_is_refused_by_the_window_rule(runtime, checked):
    with pytest.raises(svc.FlightRefused) as refused:
        svc.register(runtime, request(length_h=0), who="t", role="operator")
    assert [(r.rule, r.where) for r in refused.value.refusals] == [("window", "end")]
    assert runtime.store.flights() == [] and [a for a, _, _ in log(runtime)] == ["flight.refused"]


@pytest.mark.parametrize(("changes", "message"), [
    ({"start": datetime(2026, 7, 5, 13, 0)}, "start: expected a time with a time zone"),
    ({"end": "2026-07-05T14:00Z"}, "end: expected a time with a time zone"),
    ({"operator": "   "}, "operator: must not be empty"),
    ({"aircraft": ""}, "aircraft: must not be empty"),
    ({"permit": "x"}, "permit: expected 2 to 40"),
    ({"permit": "me@example.org"}, "permit: expected 2 to 40"),
    ({"purpose": "sightseeing"}, "purpose: 'sightseeing' is none of crowd_overview"),
    ({"area": [[4.28, 52.11]]}, "area: expected a GeoJSON Polygon object"),
    ({"max_altitude_m": 0}, "max_altitude_m: expected a number of metres above 0"),
    ({"max_altitude_m": float("nan")}, "max_altitude_m"),
    ({"max_altitude_m": True}, "max_altitude_m"),
])
def test_malformed_requests_are_refused_saying_what(runtime, checked, changes, message):
    with pytest.raises(svc.FlightError, match=message.replace("(", r"\(")):
        svc.register(runtime, request(**changes), who="t", role="operator")
    assert runtime.store.flights() == [] and checked.calls == []


def test_a_flight_starts_from_15_minutes_before_its_window_until_its_end(runtime, checked):
    flight = svc.register(runtime, request(hours=1), who="t", role="operator")
    runtime.clock.advance(44 * 60)
    with pytest.raises(svc.FlightConflict, match=f"flight {flight.id} may start from 2026-07-05T12:45Z until "
                                                 "2026-07-05T15:00Z; it is 2026-07-05T12:44Z"):
        svc.start(runtime, flight.id, who="pilot desk", role="operator")
    runtime.clock.advance(60)
    started = svc.start(runtime, flight.id, who="pilot desk", role="operator")
    assert started.status is FlightStatus.ACTIVE and started.started_at == NOW + timedelta(minutes=45)
    assert runtime.store.flight(flight.id) == started
    with pytest.raises(svc.FlightConflict, match="is active: only a registered flight starts"):
        svc.start(runtime, flight.id, who="t", role="operator")
    runtime.clock.advance(3600)
    ended = svc.end(runtime, flight.id, who="pilot desk", role="operator")
    assert ended.status is FlightStatus.ENDED and ended.ended_at == NOW + timedelta(minutes=105)
    assert ended.started_at == started.started_at and runtime.store.flight(flight.id) == ended
    with pytest.raises(svc.FlightConflict, match="has already ended"):
        svc.end(runtime, flight.id, who="t", role="operator")
    assert [a for a, _, _ in log(runtime)] == ["flight.registered", "flight.started", "flight.ended"]
    assert runtime.store.decisions()[-1].reason.startswith("landed")


def test_a_flight_whose_window_has_passed_does_not_start_but_can_be_called_off(runtime, checked):
    flight = svc.register(runtime, request(hours=1, length_h=1), who="t", role="operator")
    runtime.clock.advance(2 * 3600)
    with pytest.raises(svc.FlightConflict, match="until 2026-07-05T14:00Z; it is 2026-07-05T14:00Z"):
        svc.start(runtime, flight.id, who="t", role="operator")
    ended = svc.end(runtime, flight.id, who="t", role="operator")
    assert ended.status is FlightStatus.ENDED and ended.started_at is None
    assert runtime.store.decisions()[-1].reason.startswith("called off before it started")


def test_unknown_flights_cannot_start_or_end(runtime):
    with pytest.raises(svc.UnknownFlight, match="no flight with id 'FL-NONE22'"):
        svc.start(runtime, "FL-NONE22", who="t", role="operator")
    with pytest.raises(svc.UnknownFlight, match="no flight with id 'FL-NONE22'"):
        svc.end(runtime, "FL-NONE22", who="t", role="operator")
    assert runtime.store.decisions() == []


def test_with_the_site_rules_an_overlapping_or_too_high_flight_is_refused(runtime):
    first = svc.register(runtime, request(hours=1), who="t", role="operator")
    with pytest.raises(svc.FlightRefused) as refused:
        svc.register(runtime, request(hours=2, max_altitude_m=150), who="t", role="operator")
    assert sorted((r.rule, r.where) for r in refused.value.refusals) == [("altitude", "max_altitude_m"),
                                                                         ("overlap", first.id)]
    svc.end(runtime, first.id, who="t", role="operator")
    second = svc.register(runtime, request(hours=2), who="t", role="operator")  # the first flight has ended
    assert [f.id for f in runtime.store.flights()] == [second.id, first.id]


@pytest.mark.parametrize(("first", "second", "message"), [
    (svc.start, svc.start, "changed from registered to active while this request was making it active"),
    (svc.end, svc.start, "changed from registered to ended while this request was making it active"),
    (svc.start, svc.end, "changed from registered to active while this request was making it ended"),
])
def test_of_two_requests_changing_a_flight_at_once_the_second_gets_a_conflict(runtime, checked, monkeypatch,
                                                                            first, second, message):
    """Another request (another process) changes the flight after this one read it."""
    flight = svc.register(runtime, request(hours=0.1), who="t", role="operator")
    read = runtime.store.flight
    raced: list[str] = []

    def read_then_race(flight_id):
        found = read(flight_id)
        if not raced:
            raced.append(flight_id)
            first(runtime, flight_id, who="other desk", role="operator")
        return found

    monkeypatch.setattr(runtime.store, "flight", read_then_race)
    with pytest.raises(svc.FlightConflict, match=f"flight {flight.id} {message}: another request came first"):
        second(runtime, flight.id, who="t", role="operator")
    status, action = {svc.start: (FlightStatus.ACTIVE, "flight.started"),
                      svc.end: (FlightStatus.ENDED, "flight.ended")}[first]
    assert read(flight.id).status is status
    assert log(runtime)[1:] == [(action, "other desk", "operator")]  # the loser logged nothing
