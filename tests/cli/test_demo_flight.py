"""The Scheveningen demo's drone flight: planned within the site's airspace rules, flown through
the service during the replay (registered, started, estimates accepted, a dumping filed as a
drone incident, ended), and keeping the beach on the picture while its camera is down."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import timedelta

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from shapely.geometry import Point, shape
from typer.testing import CliRunner

from crowdsafety.api import create_app
from crowdsafety.cli.demo import DemoData, replay, scheveningen_data
from crowdsafety.cli.main import app
from crowdsafety.cli.settings import resolve_site_dir
from crowdsafety.domain import AerialCategory, Flight, FlightStatus, Site, TimeWindow
from crowdsafety.domain.access import Role
from crowdsafety.domain.incident import IncidentCategory, IncidentSource
from crowdsafety.domain.state import DataStatus
from crowdsafety.service import ReplayClock, Runtime, flights
from crowdsafety.service.demo_flight import ROLE, WHO, FlightScript
from crowdsafety.service.flight_rules import check_flight
from crowdsafety.service.keys import create_key
from crowdsafety.sites import load_site
from crowdsafety.sources import scheveningen_simulator as sim
from crowdsafety.sources.scheveningen_flight import DemoFlight, plan_flight, without_camera
from crowdsafety.store import open_store

#: History stored before the replayed stretch (the picture's health checks look back 2 h).
HISTORY = timedelta(hours=3)


@pytest.fixture(scope="module")
def site() -> Site:
    return load_site(resolve_site_dir("scheveningen"))


@pytest.fixture(scope="module")
def data(site) -> DemoData:
    return scheveningen_data(site, 0)


@dataclass
class Flown:
    runtime: Runtime
    plan: DemoFlight
    script: FlightScript
    said: list[str]


def _runtime(site: Site, data: DemoData, begin) -> Runtime:
    """A runtime whose clock stands at ``begin`` with the demo's observations of the hours before."""
    obs = data.observations
    runtime = Runtime(site, open_store("duckdb://:memory:"), ReplayClock(begin))
    runtime.ingest_frame(obs[(obs["start"] >= begin - HISTORY) & (obs["start"] < begin)])
    runtime.refresh(since=begin - HISTORY)
    return runtime


@pytest.fixture(scope="module")
def flown(site, data) -> Iterator[Flown]:
    """The demo replayed from 5 minutes before the flight is registered until the camera is back."""
    plan = data.flight
    begin = plan.steps[0].at - timedelta(minutes=5)
    runtime = _runtime(site, data, begin)
    obs = data.observations
    said: list[str] = []
    script = FlightScript(runtime, plan, say=said.append)
    replay(runtime, obs[(obs["start"] >= begin) & (obs["start"] < plan.outage_end)], 0.0, threading.Event(),
           flight=script)
    yield Flown(runtime, plan, script, said)
    runtime.store.close()


def test_the_plan_keeps_to_the_sites_airspace_rules_and_is_seeded(site, data):
    plan = data.flight
    assert timedelta(minutes=45) <= plan.end - plan.start <= timedelta(minutes=60)
    registered = plan.steps[0]
    assert registered.action == "register" and registered.at < plan.start
    flight = Flight(id="FL-DEMO00", site_id=site.id, operator=plan.operator, permit=plan.permit,
                    aircraft=plan.aircraft, purpose=plan.purpose, area=plan.area,
                    window=TimeWindow(plan.start, plan.end), max_altitude_m=plan.max_altitude_m,
                    registered_at=registered.at)
    assert check_flight(site, flight, [], registered.at) == []
    # the rules bind: the event restriction over the boulevard is in force during the flight
    assert [r.where for r in check_flight(site, replace(flight, max_altitude_m=80), [], registered.at)] \
        == ["boulevard_events"]
    day = plan.start.date()
    assert plan_flight(site, day, seed=0) == plan
    other = plan_flight(site, day, seed=1)
    assert other.area == plan.area and other.start == plan.start
    assert [s.upload for s in other.steps] != [s.upload for s in plan.steps]


def test_estimates_are_the_true_crowd_within_the_error_assumed(site, data):
    plan = data.flight
    truth = sim.simulate_truth(site, start=plan.start, end=plan.end, seed=0).set_index(["zone_id", "start"])["people"]
    estimates = [o for s in plan.steps if s.action == "upload" for o in s.upload["observations"]
                 if o["category"] == "crowd_estimate"]
    assert len(estimates) == 5 * len(plan.zones)
    for estimate in estimates:
        zone = next(z.id for z in site.zones if z.geometry == estimate["geometry"])
        interval = pd.Timestamp(estimate["time"]).tz_convert("UTC").floor("5min")
        assert abs(estimate["people"] / truth[zone, interval] - 1) <= 0.5


def test_the_camera_delivers_nothing_only_during_its_outage(data):
    plan, obs = data.flight, data.observations
    camera = obs[obs["sensor_id"] == plan.camera]
    during = (camera["start"] >= plan.outage_start) & (camera["start"] < plan.outage_end)
    assert not during.any()
    assert (camera["start"] == plan.outage_start - timedelta(minutes=5)).any()
    assert (camera["start"] == plan.outage_end).any()
    assert len(without_camera(obs, plan)) == len(obs)


def test_the_flight_is_registered_started_and_ended_through_the_service(flown):
    flight = flown.runtime.store.flight(flown.script.flight_id)
    assert flight.status is FlightStatus.ENDED
    assert (flight.started_at, flight.ended_at) == (flown.plan.start, flown.plan.end)
    log = [e.action for e in flown.runtime.store.decisions() if e.who == WHO]
    uploads = ["aerial.observations"] * 2 + ["incident.reported"] + ["aerial.observations"] * 4
    assert log == ["flight.registered", "flight.started", *uploads, "flight.ended"]
    assert flown.said[0] == f"drone flight {flight.id} registered" and flown.said[-1].endswith("ended")


def test_every_estimate_is_accepted_for_the_zone_it_covers(flown):
    rows = flown.runtime.store.aerial_observations(flight_id=flown.script.flight_id)
    estimates = [r for r in rows if r.category is AerialCategory.CROWD_ESTIMATE]
    assert len(estimates) == 10 and len(rows) == 11
    assert sorted(r.zone_ids for r in estimates) == [("boulevard",)] * 5 + [("strand_bad",)] * 5


def test_the_dumping_becomes_a_drone_incident(flown):
    (ref,) = flown.script.incident_refs
    incident = flown.runtime.store.incident(ref)
    assert incident.source is IncidentSource.DRONE and incident.category is IncidentCategory.ENVIRONMENTAL
    assert flown.script.flight_id in incident.description and "near the harbour" in incident.description
    assert shape(flown.runtime.site.zone("boulevard").geometry).contains(Point(incident.point))


def test_the_beach_stays_on_the_picture_from_the_air_while_its_camera_is_down(flown):
    plan, store = flown.plan, flown.runtime.store
    states = {(s.zone_id, s.start): s for s in store.zone_states(start=plan.start, end=plan.outage_end,
                                                                  zone_ids=["strand_bad", "boulevard"])}
    step = timedelta(minutes=5)
    down = [plan.outage_start + i * step for i in range(int((plan.end - plan.outage_start) / step))]
    for start in down:
        beach = states["strand_bad", start]
        assert beach.sources == ("aerial:strand_bad",) and beach.status is DataStatus.REDUCED and beach.people > 0
        assert "aerial:boulevard" in states["boulevard", start].sources
        assert "cam-boulevard" in states["boulevard", start].sources
    assert "cam-strand-bad" in states["strand_bad", plan.start].sources
    # once the last estimate has run out the beach drops off the picture until the camera is back
    assert states["strand_bad", plan.outage_end - step].status is DataStatus.NO_DATA


def test_the_control_room_sees_the_beach_marked_aerial(flown):
    runtime, plan = flown.runtime, flown.plan
    _, key = create_key(runtime, name="test control room", role=Role.OPERATOR, actor="tests", actor_role="admin")
    with TestClient(create_app(runtime), headers={"Authorization": f"Bearer {key}"}) as client:
        states = client.get("/api/v1/zones/strand_bad/states",
                            params={"start": plan.start.isoformat(), "end": plan.outage_end.isoformat()}).json()
    marked = {s["start"] for s in states if s["aerial"]}
    assert {s["start"] for s in states if s["sources"] == ["aerial:strand_bad"]} <= marked
    assert len(marked) >= (plan.end - plan.start) / timedelta(minutes=5)


def test_a_refused_step_ends_the_script_and_the_demo_goes_on(site, data, caplog):
    plan = data.flight
    runtime = _runtime(site, data, plan.steps[0].at - timedelta(minutes=5))
    first = flights.register(runtime, flights.FlightRequest(
        operator="another team", permit="NLD-UAS-0042", aircraft="quadcopter", purpose=plan.purpose, area=plan.area,
        start=plan.start, end=plan.end, max_altitude_m=40), who="tests", role=ROLE)
    said: list[str] = []
    script = FlightScript(runtime, plan, say=said.append)
    runtime.clock.advance((plan.end - runtime.clock.now()).total_seconds())
    with caplog.at_level(logging.WARNING):
        script.advance()
    assert said == [] and script.flight_id is None
    assert "stopped at its register step" in caplog.text and first.id in caplog.text
    assert [f.id for f in runtime.store.flights()] == [first.id]
    runtime.store.close()


def test_the_demo_command_still_answers_help():
    result = CliRunner().invoke(app, ["demo", "--help"])
    assert result.exit_code == 0 and "--tick" in result.output
