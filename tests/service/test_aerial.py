"""Accepting a flight's observations: all or nothing, idempotent (also when retried after a
failure part way, or sent twice at once), offences become incidents from the drone, crowd
estimates become observations of the zones they cover, free text scrubbed."""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from crowdsafety.domain import AerialCategory, Flight, FlightPurpose, FlightStatus, StoreError, TimeWindow
from crowdsafety.domain.incident import IncidentCategory, IncidentSource, Urgency
from crowdsafety.service import ReplayClock, Runtime
from crowdsafety.service import aerial as svc
from crowdsafety.service import incidents
from crowdsafety.service.flights import UnknownFlight
from crowdsafety.sources.aerial_uploads import parse_upload
from crowdsafety.store import open_store

NOW = datetime(2026, 7, 12, 11, 0, tzinfo=UTC)
START = datetime(2026, 7, 12, 10, 0, tzinfo=UTC)


def rect(lon0: float, lat0: float, lon1: float, lat1: float) -> dict:
    return {"type": "Polygon", "coordinates": [[[lon0, lat0], [lon1, lat0], [lon1, lat1], [lon0, lat1], [lon0, lat0]]]}


#: Over the mini site's beach (4.280-4.282 x 52.1100-52.1110) and square (4.283-4.284 x 52.1100-52.1105).
AREA = rect(4.2795, 52.1095, 4.2845, 52.1112)
BEACH = rect(4.2800, 52.1100, 4.2820, 52.1110)


def point(lon: float = 4.2805, lat: float = 52.1104) -> dict:
    return {"type": "Point", "coordinates": [lon, lat]}


@pytest.fixture
def runtime(mini_site) -> Iterator[Runtime]:
    rt = Runtime(mini_site, open_store("duckdb://:memory:"), ReplayClock(NOW))
    for fid, status in (("FL-ACTIVE", FlightStatus.ACTIVE), ("FL-WAITNG", FlightStatus.REGISTERED)):
        rt.store.register_flight(Flight(id=fid, site_id=mini_site.id, operator="Politie Den Haag", permit="NLD-UAS-0042",
                                   aircraft="DJI M30T", purpose=FlightPurpose.CROWD_OVERVIEW, area=AREA,
                                   window=TimeWindow(START, START + timedelta(hours=2)), max_altitude_m=60,
                                   registered_at=START - timedelta(hours=1), status=status,
                                   started_at=START if status is FlightStatus.ACTIVE else None), lambda _: [])
    yield rt
    rt.store.close()


def drafts(*records: dict):
    return parse_upload(json.dumps({"observations": list(records)}), "json")


def record(category: str = "illegal_dumping", minutes: float = 5, geometry: dict | None = None, **extra) -> dict:
    at = START + timedelta(minutes=minutes)
    return {"category": category, "time": at.isoformat(), "geometry": geometry or point(), **extra}


def accept(runtime, *records: dict, flight: str = "FL-ACTIVE") -> svc.AcceptResult:
    return svc.accept(runtime, flight, drafts(*records), who="k1 (pilot desk)", role="operator")


def nothing_stored(runtime) -> bool:
    return (runtime.store.aerial_observations() == [] and runtime.store.incidents() == []
            and runtime.store.decisions() == [] and runtime.store.observation_span() is None)


def test_observations_outside_the_window_or_area_refuse_the_upload_and_store_nothing(runtime):
    with pytest.raises(svc.UploadRefused) as refused:
        accept(runtime, record(), record(minutes=-5), record(minutes=130), record(geometry=point(4.2900, 52.1104)),
               record("crowd_estimate", geometry=rect(4.2840, 52.1100, 4.2860, 52.1110), people=40))
    assert [(p.where, p.message) for p in refused.value.problems] == [
        ("observations[1].time", "2026-07-12T09:55:00Z is outside flight FL-ACTIVE's window "
                                 "2026-07-12T10:00:00Z–2026-07-12T12:00:00Z"),
        ("observations[2].time", "2026-07-12T12:10:00Z is outside flight FL-ACTIVE's window "
                                 "2026-07-12T10:00:00Z–2026-07-12T12:00:00Z"),
        ("observations[3].geometry", "the point lies 377 m outside flight FL-ACTIVE's area (tolerance 10 m)"),
        ("observations[4].geometry", "the polygon reaches 103 m outside flight FL-ACTIVE's area (tolerance 10 m)"),
    ]
    assert nothing_stored(runtime)


def test_within_the_tolerance_is_inside(runtime):
    just_out = point(4.2795 - 0.0001, 52.1104)  # about 7 m west of the area's edge
    assert accept(runtime, record(geometry=just_out)).accepted == 1


def test_an_unknown_or_unstarted_flight_takes_no_observations(runtime):
    with pytest.raises(UnknownFlight, match="no flight with id 'FL-NOPE22'"):
        accept(runtime, record(), flight="FL-NOPE22")
    with pytest.raises(svc.UploadRefused, match="flight FL-WAITNG has not been started"):
        accept(runtime, record(), flight="FL-WAITNG")
    with pytest.raises(svc.UploadRefused, match="no observations"):
        svc.accept(runtime, "FL-ACTIVE", [], who="k1", role="operator")
    runtime.clock.advance(-3600 + 60)  # 10:01: an observation at 10:30 is ahead of the clock
    with pytest.raises(svc.UploadRefused, match=r"observations\[0\].time: 2026-07-12T10:30:00Z is in the future"):
        accept(runtime, record(minutes=30))
    assert nothing_stored(runtime)


def test_offences_become_incidents_from_the_drone(runtime):
    result = accept(runtime, record("illegal_dumping", description="mattresses, plate 12-ABC-3"),
                    record("fire_or_smoke", minutes=6, geometry=BEACH), record("blocked_route", minutes=7),
                    record("other", minutes=8))
    assert result.accepted == 4 and result.duplicates == 0 and len(result.incident_refs) == 4
    found = {i.ref: i for i in runtime.store.incidents()}
    kinds = [(found[r].category, found[r].urgency, found[r].source) for r in result.incident_refs]
    assert kinds == [(IncidentCategory.ENVIRONMENTAL, Urgency.NORMAL, IncidentSource.DRONE),
                     (IncidentCategory.OTHER, Urgency.HIGH, IncidentSource.DRONE),
                     (IncidentCategory.OTHER, Urgency.HIGH, IncidentSource.DRONE),
                     (IncidentCategory.OTHER, Urgency.NORMAL, IncidentSource.DRONE)]
    dumping, fire = found[result.incident_refs[0]], found[result.incident_refs[1]]
    assert dumping.point == (4.2805, 52.1104) and dumping.at == START + timedelta(minutes=5)
    assert fire.point == pytest.approx((4.2810, 52.1105))  # the polygon's centroid
    assert "beach" in fire.zone_ids
    assert dumping.description.startswith("illegal dumping seen by drone flight FL-ACTIVE: mattresses")
    stored = {o.id: o for o in runtime.store.aerial_observations(flight_id="FL-ACTIVE")}
    assert {o.incident_ref for o in stored.values()} == set(result.incident_refs)
    assert result.zone_ids == ()


def test_a_re_upload_stores_nothing_twice_and_files_no_second_incident(runtime):
    upload = (record("illegal_dumping"), record("crowd_estimate", geometry=BEACH, people=300))
    first = accept(runtime, *upload)
    again = accept(runtime, *upload, record("other", minutes=9))
    assert (first.accepted, first.duplicates, len(first.incident_refs)) == (2, 0, 1)
    assert (again.accepted, again.duplicates, len(again.incident_refs)) == (1, 2, 1)
    assert len(runtime.store.aerial_observations()) == 3 and len(runtime.store.incidents()) == 2
    twice_in_one = accept(runtime, record("other", minutes=20), record("other", minutes=20))
    assert (twice_in_one.accepted, twice_in_one.duplicates) == (1, 1)
    assert [e.action for e in runtime.store.decisions()].count("aerial.observations") == 3


def test_ids_follow_the_content(runtime):
    a, b = drafts(record(), record(minutes=6))
    assert svc.observation_id("FL-ACTIVE", a) == svc.observation_id("FL-ACTIVE", drafts(record())[0])
    assert svc.observation_id("FL-ACTIVE", a) != svc.observation_id("FL-ACTIVE", b)
    assert svc.observation_id("FL-ACTIVE", a) != svc.observation_id("FL-OTHER1", a)
    assert svc.observation_id("FL-ACTIVE", a).startswith("ao_") and len(svc.observation_id("FL-ACTIVE", a)) == 19


def test_a_crowd_estimate_becomes_observations_of_the_zones_it_covers(runtime):
    result = accept(runtime, record("crowd_estimate", minutes=12, geometry=BEACH, people=300),
                    record("crowd_estimate", minutes=13, geometry=BEACH, people=340),
                    record("crowd_estimate", minutes=22, geometry=AREA, people=1000))
    assert result.zone_ids == ("beach", "square") and result.incident_refs == ()
    obs = runtime.store.observations(start=START, end=NOW)
    rows = sorted((r.sensor_id, r.start.to_pydatetime(), r.metric, r.value) for r in obs.itertuples())
    assert rows[0] == ("aerial:beach", START + timedelta(minutes=10), "count", 320)  # the mean of 300 and 340
    assert rows[1][:3] == ("aerial:beach", START + timedelta(minutes=20), "count")
    assert rows[2][:3] == ("aerial:square", START + timedelta(minutes=20), "count")
    assert len(rows) == 3
    stored = runtime.store.aerial_observations(flight_id="FL-ACTIVE")
    assert [o.zone_ids for o in stored] == [("beach",), ("beach",), ("beach", "square")]
    assert [o.people for o in stored] == [300, 340, 1000]


def test_free_text_is_scrubbed_and_the_upload_logged(runtime):
    accept(runtime, record("other", description="driver called 06-12345678, mail jan@example.nl"))
    stored = runtime.store.aerial_observations()[0]
    assert "12345678" not in stored.description and "jan@example.nl" not in stored.description
    incident = runtime.store.incidents()[0]
    assert "12345678" not in incident.description
    entry = [e for e in runtime.store.decisions() if e.action == "aerial.observations"][0]
    assert (entry.who, entry.role) == ("k1 (pilot desk)", "operator")
    assert entry.details == {"flight_id": "FL-ACTIVE", "accepted": 1, "duplicates": 0,
                             "incidents": [incident.ref], "zones": []}


def test_an_ended_flight_still_takes_its_observations(runtime):
    flight = runtime.store.flight("FL-ACTIVE")
    runtime.store.update_flight(replace(flight, status=FlightStatus.ENDED, ended_at=NOW))
    assert accept(runtime, record(category=AerialCategory.OTHER.value)).accepted == 1


def test_an_upload_that_failed_after_filing_its_incidents_is_completed_by_sending_it_again(runtime, monkeypatch):
    upload = (record("illegal_dumping"), record("fire_or_smoke", minutes=6, geometry=BEACH),
              record("crowd_estimate", minutes=12, geometry=BEACH, people=300))
    store_rows = runtime.store.add_aerial_observations

    def fail_once(rows):
        monkeypatch.setattr(runtime.store, "add_aerial_observations", store_rows)
        raise StoreError("connection lost while storing aerial observations")

    monkeypatch.setattr(runtime.store, "add_aerial_observations", fail_once)
    with pytest.raises(StoreError, match="connection lost"):
        accept(runtime, *upload)
    filed = {i.ref for i in runtime.store.incidents()}
    assert len(filed) == 2 and runtime.store.aerial_observations() == []

    result = accept(runtime, *upload)
    assert (result.accepted, result.duplicates) == (3, 0) and set(result.incident_refs) == filed
    assert {i.ref for i in runtime.store.incidents()} == filed
    stored = runtime.store.aerial_observations()
    assert len(stored) == 3 and {o.incident_ref for o in stored} - {None} == filed
    every = runtime.store.observations(start=START, end=NOW, latest_only=False)
    assert list(every["sensor_id"]) == ["aerial:beach"]  # the estimate ingested twice, stored once
    actions = Counter(e.action for e in runtime.store.decisions())
    assert actions == {"incident.reported": 2, "aerial.observations": 1}
    assert accept(runtime, *upload).accepted == 0 and len(runtime.store.incidents()) == 2


def test_an_upload_sent_twice_at_once_files_each_incident_once(runtime):
    upload = drafts(*(record("other", minutes=m, geometry=point(4.2800 + m / 10_000)) for m in range(1, 9)))
    go = threading.Barrier(2)
    results: list[svc.AcceptResult] = []

    def send() -> None:
        go.wait()
        results.append(svc.accept(runtime, "FL-ACTIVE", upload, who="k1", role="operator"))

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(results) == 2 and sum(r.accepted for r in results) == 8
    assert len(runtime.store.incidents()) == 8 and len(runtime.store.aerial_observations()) == 8
    assert [e.action for e in runtime.store.decisions()].count("incident.reported") == 8
    assert {r.incident_ref for r in runtime.store.aerial_observations()} == {i.ref for i in runtime.store.incidents()}


def test_an_incident_takes_the_code_derived_from_its_observation(runtime):
    result = accept(runtime, record("illegal_dumping"))
    oid = runtime.store.aerial_observations()[0].id
    assert result.incident_refs == (incidents.keyed_refs(oid)[0],)
