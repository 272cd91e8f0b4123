"""Schemathesis against the whole OpenAPI document: every operation, valid and invalid requests.

The app serves the mini site from an in-memory DuckDB holding two hours of observations, the
computed picture, sensor health, issued forecasts, a dead letter and an open orange alert, so
answers are not all empty. Every check schemathesis has runs on every answer (no server error,
status codes and content types declared, bodies matching their schemas, invalid data refused,
...). The operations are called with an operator key, then with a partner key and with none
(their 401 / 403 must be documented), and the key routes with an admin key.

``GET /api/v1/events`` is a Server-Sent Events stream held open for up to 30 minutes: the client
hangs up after the first event.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import hypothesis
import jsonschema_rs
import pandas as pd
import pytest
import schemathesis
from fastapi import FastAPI

from crowdsafety.api import create_app
from crowdsafety.api.ratelimit import ClientLimiter
from crowdsafety.api.schemas import ObservationIn
from crowdsafety.decide import load_playbook
from crowdsafety.domain import DataStatus, Level, ZoneState
from crowdsafety.domain.access import Role
from crowdsafety.domain.dead_letter import DeadLetter
from crowdsafety.domain.flight import Flight, FlightPurpose, TimeWindow
from crowdsafety.domain.incident import (
    Incident,
    IncidentCategory,
    IncidentSource,
    IncidentStatus,
    IncidentUpdate,
    Urgency,
)
from crowdsafety.service import ReplayClock, Runtime
from crowdsafety.service.deciding import Decider
from crowdsafety.service.keys import create_key
from crowdsafety.sites import load_site
from crowdsafety.store import open_store

MINI_SITE = Path(__file__).parents[1] / "sites" / "fixtures" / "mini"
NOW = datetime(2026, 7, 5, 12, 0, tzinfo=timezone.utc)
#: The alert the fixture raises: the square held orange for 15 minutes.
ALERT_ID = "observed.square.20260705T1155Z"
#: The incident the fixture stores (reported on the square).
INCIDENT_REF = "CS-SQR234"
#: The flight the fixture registers (over the beach and the square, flying now).
FLIGHT_ID = "FL-SQR234"
#: Server-Sent Events read from ``GET /api/v1/events`` before the client hangs up: the stream
#: sends ``retry`` (not counted) and the first ``interval`` at once, then holds the line for up to
#: 30 minutes (waiting for a second event costs schemathesis' 10 s read timeout).
STREAM_EVENTS = 1
#: Generated examples per operation (on top of the explicit and coverage cases): bounded so the
#: module stays near a minute; the runs with a partner key or none only look at 401 / 403.
MAX_EXAMPLES, AUTH_EXAMPLES = 25, 5

PLAYBOOK = """
[owners]
police = "Police"
transit = "Transit operator"
[public.groups.coast]
nl = "het strand"
en = "the beach"
[[measure]]
id = "stewards"
level = "yellow"
owner = "police"
lead_time_minutes = 0
title = "Stewards at the square"
public_nl = "Volg de stewards."
public_en = "Follow the stewards."
[[measure]]
id = "extra-trams"
level = "orange"
owner = "transit"
lead_time_minutes = 120
title = "Extra trams"
"""


def _observations() -> list[dict]:
    """Two hours of 5-minute counts from the beach camera, wifi counter, square line counter and garage."""
    rows = []
    for n in range(24):
        start = (NOW - timedelta(hours=2) + timedelta(minutes=5 * n)).isoformat()
        rows += [
            {"sensor_id": "cam-beach", "start": start, "metric": "count", "value": 4000 + 50 * n},
            {"sensor_id": "wifi-beach", "start": start, "metric": "devices", "value": 1900 + 20 * n},
            {"sensor_id": "line-square", "start": start, "metric": "in", "value": 30 + n},
            {"sensor_id": "garage", "start": start, "metric": "occupied", "value": 100 + 5 * n},
        ]
    return rows


def _forecasts() -> pd.DataFrame:
    issued = NOW - timedelta(minutes=30)
    rows = [{"zone_id": zone, "issued_at": issued, "start": NOW + timedelta(hours=h), "interval_s": 3600,
             "model": "test", "quantity": "people", "p10": p50 * 0.8, "p50": float(p50), "p90": p50 * 1.2,
             "p_green": 0.6, "p_yellow": 0.3, "p_orange": 0.1, "p_red": 0.0}
            for h in range(-2, 30) for zone, p50 in (("beach", 9000), ("square", 120))]
    frame = pd.DataFrame(rows)
    for column in ("issued_at", "start"):
        frame[column] = pd.to_datetime(frame[column], utc=True)
    return frame


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Iterator[dict[str, str]]:
    """The app with data in its store, and a key per role (``none``: no key)."""
    runtime = Runtime(load_site(MINI_SITE), open_store("duckdb://:memory:"), ReplayClock(NOW))
    report = runtime.ingest(_observations())
    assert not report.rejected, report.rejected
    runtime.refresh()
    runtime.store.put_forecasts(_forecasts())
    runtime.store.append_dead_letters([DeadLetter(NOW, "mqtt", "sensors/mini/cam-beach", "value: not a number",
                                                  '{"value": "x"}')])
    playbook = tmp_path_factory.mktemp("playbook") / "playbook.toml"
    playbook.write_text(PLAYBOOK)
    decider = Decider(runtime, load_playbook(runtime.site, playbook))
    start = NOW - timedelta(minutes=15)
    runtime.store.put_zone_states([ZoneState("square", start + timedelta(minutes=5 * n), 300, 250.0, 0.5,
                                             Level.ORANGE, None, DataStatus.OK) for n in range(3)])
    assert [c.alert.id for c in decider.evaluate()] == [ALERT_ID]
    runtime.store.add_incident(
        Incident(INCIDENT_REF, runtime.site.id, IncidentSource.OPERATOR, IncidentCategory.AGGRESSION, Urgency.HIGH, NOW,
                 NOW, point=(4.2835, 52.1103), zone_ids=("square",), description="fight near the square"),
        IncidentUpdate(INCIDENT_REF, 1, NOW, IncidentStatus.NEW, "tests", "operator"))
    runtime.store.register_flight(Flight(
        FLIGHT_ID, runtime.site.id, "Politie Den Haag", "NLD-UAS-0042", "DJI Matrice 30T", FlightPurpose.CROWD_OVERVIEW,
        {"type": "Polygon", "coordinates": [[[4.2795, 52.1095], [4.2845, 52.1095], [4.2845, 52.1112],
                                             [4.2795, 52.1112], [4.2795, 52.1095]]]},
        TimeWindow(NOW - timedelta(hours=1), NOW + timedelta(hours=2)), 60.0, NOW - timedelta(hours=2)), lambda _: [])
    keys = {role.value: create_key(runtime, name=f"schemathesis {role.value}", role=role, actor="tests",
                                   actor_role="admin", **({"party": "police"} if role is Role.PARTNER else {}))[1]
            for role in (Role.ADMIN, Role.OPERATOR, Role.PARTNER)}
    SERVED.app = create_app(runtime, decider=decider)
    SERVED.app.state.status_limiter = ClientLimiter(1e6, 1e6)  # look up codes as often as it likes
    yield keys
    for (label, status), n in sorted(ANSWERS.items()):
        print(f"{label:45} {status} x{n}")
    decider.close()
    runtime.store.close()


def _openapi() -> dict:
    """The app's OpenAPI document (it does not depend on the store's content)."""
    runtime = Runtime(load_site(MINI_SITE), open_store("duckdb://:memory:"), ReplayClock(NOW))
    try:
        return create_app(runtime).openapi()
    finally:
        runtime.store.close()


class _Served:
    """The ASGI app schemathesis calls: the ``served`` fixture plugs in the app with data (the
    schema is loaded when the module is collected, the data only when its tests run)."""

    app: FastAPI | None = None

    async def __call__(self, scope, receive, send) -> None:
        if self.app is None:
            raise RuntimeError("the served fixture has not set up the app yet")
        await self.app(scope, receive, send)


SERVED = _Served()
DOCUMENT = _openapi()


def _schema(max_examples: int, phases: list[str], parameters: dict[str, str] | None = None) -> schemathesis.BaseSchema:
    loaded = schemathesis.openapi.from_dict(DOCUMENT)
    loaded.app = SERVED
    if parameters:
        loaded.config.update(parameters=parameters)
    loaded.config.generation.update(max_examples=max_examples, deterministic=True)
    loaded.config.phases.update(phases=phases)
    loaded.config.max_stream_events = STREAM_EVENTS
    return loaded


def _settings(max_examples: int) -> hypothesis.settings:
    return hypothesis.settings(max_examples=max_examples, deadline=None, derandomize=True, database=None,
                               suppress_health_check=list(hypothesis.HealthCheck))


schema = _schema(MAX_EXAMPLES, ["examples", "coverage", "fuzzing", "stateful"])
auth_schema = _schema(AUTH_EXAMPLES, ["examples", "fuzzing"])
#: Random ids find no zone or alert: this run fixes them to stored ones, so the answers about
#: them (states, forecasts, the alert and actions on it) are checked too.
known_schema = _schema(MAX_EXAMPLES, ["examples", "coverage", "fuzzing"],
                       {"zone_id": "beach", "alert_id": ALERT_ID, "name": "zones", "ref": INCIDENT_REF,
                        "flight_id": FLIGHT_ID}
                       ).include(path_regex=r"\{(zone_id|alert_id|name|ref|flight_id)\}")


#: Operations that refuse some schema-valid requests with 422 for reasons a JSON schema cannot
#: state; for them a 422 Problem is an accepted answer to valid data.
DOMAIN_REFUSALS = {
    "GET /api/v1/zones/{zone_id}/states": "start not before end, or a range over 31 days",
    "GET /api/v1/zones/{zone_id}/forecast": "start not before end, or a range over 8 days",
    "POST /api/v1/observations": "rows checked against the site: unknown sensor, metric of another kind, future time",
    "POST /api/v1/alerts/{alert_id}/actions": "an action that needs a measure or an assignee without one",
    "POST /api/v1/keys": "a sensor key for unknown sensors, a party on a key that is not a partner's",
    "POST /api/v1/incidents": "a place with no point, stop or line; a future time; a point outside WGS84",
    "POST /api/v1/incidents/{ref}/actions": "a note that is blank once trimmed",
    "GET /api/v1/incidents": "a time that cannot be expressed in UTC",
    "POST /api/v1/flights": "a flight the site's rules refuse (area, window, altitude, no-fly, restricted, overlap), "
                            "a blank operator or aircraft, a time that cannot be expressed in UTC",
    "GET /api/v1/flights": "a time that cannot be expressed in UTC",
    "POST /api/v1/flights/{flight_id}/observations": "an observation outside the flight's window or area or in the "
                                                     "future; a naive time, an invalid geometry, a crowd estimate "
                                                     "without people or area",
}
#: (operation, status) -> answers seen in this run.
ANSWERS: Counter[tuple[str, int]] = Counter()
ROW = jsonschema_rs.validator_for(ObservationIn.model_json_schema())


#: Operations each role may not use (403); without a key every operation but the public ones is 401.
ADMIN_ONLY = {"GET /api/v1/keys", "POST /api/v1/keys", "POST /api/v1/keys/{key_id}/revoke"}
REFUSED = {
    "admin": set(),
    "operator": ADMIN_ONLY,
    "partner": ADMIN_ONLY | {"GET /api/v1/dead-letters", "GET /api/v1/decisions", "GET /api/v1/decisions/verify",
                             "POST /api/v1/observations", "GET /api/v1/incidents", "GET /api/v1/incidents/{ref}",
                             "POST /api/v1/incidents", "POST /api/v1/incidents/{ref}/actions",
                             "GET /api/v1/flights", "POST /api/v1/flights", "GET /api/v1/flights/{flight_id}",
                             "POST /api/v1/flights/{flight_id}/start", "POST /api/v1/flights/{flight_id}/end",
                             "GET /api/v1/flights/{flight_id}/observations",
                             "POST /api/v1/flights/{flight_id}/observations"},
}


#: Routes that need no key: the public view and the passenger chatbot.
OPEN = ("GET /api/v1/public/", "POST /api/v1/chat")

#: FastAPI decodes a JSON body before it solves dependencies: the role check (403) comes after
#: the body's checks, but the key check (401) comes before (``KeyFirst``).
UNDECODABLE = ("JSON decode error", "error parsing the body")


def _check_role(label: str, role: str, response: schemathesis.Response) -> None:
    """The key's role decides 401 / 403: without a key (or with a wrong one) every protected
    operation answers 401 whatever its body; with a key, 405 and a body that is no JSON (400 /
    422, see ``UNDECODABLE``) come before the role's 403."""
    status = response.status_code
    if role == "none":
        assert (status == 401) != label.startswith(OPEN), f"{label} without a key: {status}"
        return
    if status == 405 or status in (400, 422) and any(t in response.text for t in UNDECODABLE):
        return
    if label in REFUSED[role]:
        assert status == 403, f"{label} with a {role} key: {status}, expected 403"
    elif role == "partner" and label == "POST /api/v1/alerts/{alert_id}/actions":
        assert status != 401, f"{label} with a partner key: 401"  # 403 unless it moves its own measure
    else:
        assert status not in (401, 403), f"{label} with a {role} key: {status}"


def _call(case: schemathesis.Case, keys: dict[str, str], role: str) -> None:
    """Call and run every check, then :func:`_check_role`; POST /observations: each
    schema-invalid row must come back rejected by index (a batch with some valid rows is
    stored and answered 200 by design)."""
    excluded = []
    if case.operation.label in DOMAIN_REFUSALS:
        excluded.append(schemathesis.checks.positive_data_acceptance)
    if case.operation.label == "POST /api/v1/observations":
        excluded.append(schemathesis.checks.negative_data_rejection)
    headers = {"Authorization": f"Bearer {keys[role]}"} if role in keys else None
    response = case.call_and_validate(headers=headers, excluded_checks=excluded)
    ANSWERS[case.operation.label, response.status_code] += 1
    _check_role(case.operation.label, role, response)
    if case.operation.label == "POST /api/v1/observations" and response.status_code in (200, 422):
        _check_rejected_rows(case.body, response.json())


def _check_rejected_rows(rows: object, answer: dict) -> None:
    assert isinstance(rows, list), answer
    rejected = {r["index"]: r for r in answer["rejected"] or []}
    assert all(r["reason"] for r in rejected.values()), answer
    for index, row in enumerate(rows):
        if not ROW.is_valid(row):
            assert index in rejected, f"row {index} violates the schema but was not rejected: {row!r}"


@schema.parametrize()
@hypothesis.settings(_settings(MAX_EXAMPLES))
def test_with_an_operator_key(case, served):
    _call(case, served, "operator")


@known_schema.parametrize()
@hypothesis.settings(_settings(MAX_EXAMPLES))
def test_stored_zone_and_alert_with_an_operator_key(case, served):
    _call(case, served, "operator")


@auth_schema.parametrize()
@hypothesis.settings(_settings(AUTH_EXAMPLES))
def test_with_a_partner_key(case, served):
    _call(case, served, "partner")


@auth_schema.parametrize()
@hypothesis.settings(_settings(AUTH_EXAMPLES))
def test_without_a_key(case, served):
    _call(case, served, "none")


@schema.include(tag="keys").parametrize()
@hypothesis.settings(_settings(MAX_EXAMPLES))
def test_keys_with_an_admin_key(case, served):
    _call(case, served, "admin")


